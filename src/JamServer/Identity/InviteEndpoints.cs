using System.Security.Claims;
using JamServer.Infrastructure;
using Marten;
using Polly.Registry;

namespace JamServer.Identity;

/// <summary>POST /api/invites (organizers) and POST /api/invites/redeem (anyone holding a code).</summary>
public static class InviteEndpoints
{
    public static void MapInviteEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/invites", async (
                Invites.CreateRequest? request, ClaimsPrincipal user, IDocumentStore store, ResiliencePipelineProvider<string> pipelines,
                TimeProvider clock, CancellationToken ct) =>
            {
                var code = Invites.NewCode();
                var created = Invites.DecideCreate(request, user.ParticipantId(), Invites.HashOf(code), clock.GetUtcNow());
                await pipelines.StoreAsync(async token =>
                {
                    await using var session = store.LightweightSession();
                    session.Events.StartStream(InviteView.StreamIdOf(created.CodeHash), created);
                    session.Store(new InviteView
                    {
                        Id = created.CodeHash, Role = created.Role, Kind = created.Kind, MaxUses = created.MaxUses,
                        ExpiresAt = created.ExpiresAt, Version = 1,
                    });
                    await session.SaveChangesAsync(token);
                    return true;
                }, ct);
                return new Invites.Created(code, created.MaxUses, created.ExpiresAt, created.Role, created.Kind);
            })
            .RequireAuthorization(Roles.Organizer);

        app.MapPost("/api/invites/redeem", async (
                Invites.RedeemRequest? request, IDocumentStore store, ResiliencePipelineProvider<string> pipelines, TokenIssuer tokens,
                TimeProvider clock, CancellationToken ct) =>
            {
                var name = DemoSignIn.DisplayName(request?.DisplayName);

                if (string.IsNullOrWhiteSpace(request?.Code) || request.Code.Length > 100)
                {
                    throw JamException.InvalidInput("Send the invite code.");
                }

                var clientId = Invites.ClientIdOf(request.ClientId);
                var hash = Invites.HashOf(request.Code);
                return await pipelines.StoreAsync(token => RedeemAsync(store, tokens, clock, hash, name, clientId, token), ct);
            });
    }

    /// <summary>
    /// One use of the invite, stored before the token is issued. A client id already stored with this code is the same
    /// client sending again: it gets a token for the participant it became, and no second use is counted.
    /// </summary>
    private static async Task<DemoSignIn.Response> RedeemAsync(
        IDocumentStore store, TokenIssuer tokens, TimeProvider clock, string hash, string name, string? clientId, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var redemptionId = clientId is null ? null : InviteRedemption.IdOf(hash, clientId);
            if (redemptionId is not null && await session.LoadAsync<InviteRedemption>(redemptionId, ct) is { } earlier)
            {
                return new DemoSignIn.Response(
                    tokens.Issue(earlier.ParticipantId, earlier.DisplayName, earlier.Role, earlier.Kind), earlier.ParticipantId);
            }

            var invite = await session.LoadAsync<InviteView>(hash, ct);
            var participantId = "p-" + Guid.CreateVersion7().ToString("N");
            var redeemed = Invites.DecideRedeem(invite, participantId, name, clock.GetUtcNow());
            session.Events.Append(InviteView.StreamIdOf(hash), invite!.Version + 1, redeemed);
            invite.Uses++;
            invite.Version++;
            session.Store(invite);
            if (redemptionId is not null)
            {
                // Inserted, so that two sends of one client racing for the first use cannot both become participants.
                session.Insert(new InviteRedemption
                {
                    Id = redemptionId, ParticipantId = participantId, DisplayName = name, Role = invite.Role, Kind = invite.Kind,
                });
            }

            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (Exception ex) when (Resilience.IsConflict(ex) && attempt < 20)
            {
                // Redeemed by someone else at the same moment (or by this client's own resend): decide again on the
                // uses they left.
                continue;
            }

            return new DemoSignIn.Response(tokens.Issue(participantId, name, invite.Role, invite.Kind), participantId);
        }
    }
}
