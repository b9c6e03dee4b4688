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

                var hash = Invites.HashOf(request.Code);
                return await pipelines.StoreAsync(token => RedeemAsync(store, tokens, clock, hash, name, token), ct);
            });
    }

    private static async Task<DemoSignIn.Response> RedeemAsync(
        IDocumentStore store, TokenIssuer tokens, TimeProvider clock, string hash, string name, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var invite = await session.LoadAsync<InviteView>(hash, ct);
            var participantId = "p-" + Guid.CreateVersion7().ToString("N");
            var redeemed = Invites.DecideRedeem(invite, participantId, name, clock.GetUtcNow());
            session.Events.Append(InviteView.StreamIdOf(hash), invite!.Version + 1, redeemed);
            invite.Uses++;
            invite.Version++;
            session.Store(invite);
            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (Exception ex) when (Resilience.IsConflict(ex) && attempt < 20)
            {
                // Redeemed by someone else at the same moment: decide again on the uses they left.
                continue;
            }

            return new DemoSignIn.Response(tokens.Issue(participantId, name, invite.Role, invite.Kind), participantId);
        }
    }
}
