using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using JamServer.Infrastructure;

namespace JamServer.Identity;

/// <summary>An organizer made an invite: its code is stored only as <paramref name="CodeHash"/>, which is its stream id.</summary>
public sealed record InviteCreated(
    string CodeHash, string Role, string Kind, int MaxUses, DateTimeOffset ExpiresAt, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>A guest redeemed an invite and became <paramref name="ParticipantId"/>.</summary>
public sealed record InviteRedeemed(string CodeHash, string ParticipantId, string DisplayName, DateTimeOffset RedeemedAt);

/// <summary>An invite as its stream left it; stored with each of its events and read by the next decision.</summary>
public sealed class InviteView
{
    public string Id { get; set; } = "";
    public string Role { get; set; } = "";
    public string Kind { get; set; } = "";
    public int MaxUses { get; set; }
    public int Uses { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public long Version { get; set; }

    public static string StreamIdOf(string codeHash) => "invite:" + codeHash;
}

/// <summary>
/// A redemption that named its client: stored with the <see cref="InviteRedeemed"/> it records, so that the same
/// client sending again (its first answer lost, or UNAVAILABLE though the use was stored) becomes the same participant.
/// </summary>
public sealed class InviteRedemption
{
    public string Id { get; set; } = "";
    public string ParticipantId { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string Role { get; set; } = "";
    public string Kind { get; set; } = "";

    public static string IdOf(string codeHash, string clientId) => codeHash + ":" + clientId;
}

/// <summary>
/// Invites for guests (customers, partners, family): an organizer makes a code for a role and a kind, single-use or
/// with a use limit, and an expiry; whoever holds it redeems it for a token. Codes are 128 random bits, so a plain
/// SHA-256 of the code is what is stored and looked up: the code itself is shown once, to the organizer.
/// </summary>
public static class Invites
{
    public const int MaxUsesLimit = 100_000;
    public static readonly TimeSpan MaxValidity = TimeSpan.FromDays(90);
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(7);

    public sealed record CreateRequest(string? Role, string? Kind, int? MaxUses, TimeSpan? ValidFor);

    public sealed record Created(string Code, int MaxUses, DateTimeOffset ExpiresAt, string Role, string Kind);

    /// <summary>A client id is optional; one per attempt (kept across its resends) makes a resend safe.</summary>
    public sealed record RedeemRequest(string? Code, string? DisplayName, string? ClientId = null);

    public const int MaxClientIdLength = 64;

    /// <summary>The request's client id, or null when it sent none.</summary>
    public static string? ClientIdOf(string? clientId)
    {
        if (clientId is null)
        {
            return null;
        }

        if (clientId.Length is 0 or > MaxClientIdLength || !clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw JamException.InvalidInput($"clientId must be 1 to {MaxClientIdLength} letters, digits, '-' or '_'.");
        }

        return clientId;
    }

    public static InviteCreated DecideCreate(CreateRequest? request, string organizerId, string codeHash, DateTimeOffset now)
    {
        var role = request?.Role?.Trim().ToLowerInvariant() ?? Roles.Participant;
        if (!Roles.All.Contains(role))
        {
            throw JamException.InvalidInput($"role must be one of {string.Join(", ", Roles.All)}.");
        }

        var kind = request?.Kind?.Trim().ToLowerInvariant() ?? "guest";
        if (!ParticipantKinds.All.Contains(kind))
        {
            throw JamException.InvalidInput($"kind must be one of {string.Join(", ", ParticipantKinds.All)}.");
        }

        var maxUses = request?.MaxUses ?? 1;
        if (maxUses is < 1 or > MaxUsesLimit)
        {
            throw JamException.InvalidInput(string.Create(CultureInfo.InvariantCulture, $"maxUses must be 1 to {MaxUsesLimit}."));
        }

        var validFor = request?.ValidFor ?? DefaultValidity;
        if (validFor <= TimeSpan.Zero || validFor > MaxValidity)
        {
            throw JamException.InvalidInput($"validFor must be more than zero and at most {MaxValidity.TotalDays} days.");
        }

        return new InviteCreated(codeHash, role, kind, maxUses, now + validFor, organizerId, now);
    }

    /// <summary>The use of an invite, or a refusal that says as little as a guessed code would learn.</summary>
    public static InviteRedeemed DecideRedeem(InviteView? invite, string participantId, string displayName, DateTimeOffset now)
    {
        if (invite is null)
        {
            throw JamException.NotFound("This invite code is not valid.");
        }

        if (now >= invite.ExpiresAt)
        {
            throw new JamException(ErrorCodes.InviteExpired, "This invite has expired; ask the organizers for a new one.");
        }

        if (invite.Uses >= invite.MaxUses)
        {
            throw new JamException(ErrorCodes.InviteUsedUp, "This invite has been used as often as it may be.");
        }

        return new InviteRedeemed(invite.Id, participantId, displayName, now);
    }

    public static string NewCode()
    {
        var hex = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        return $"JAM-{hex[..8]}-{hex[8..16]}-{hex[16..24]}-{hex[24..]}";
    }

    /// <summary>The stored form of a code, the same for any spelling a person may type (case, spaces, dashes).</summary>
    public static string HashOf(string code)
    {
        var normal = new string(code.Where(char.IsAsciiLetterOrDigit).Select(char.ToUpperInvariant).ToArray());
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(normal)));
    }
}
