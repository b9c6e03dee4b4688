using JamServer.Identity;
using JamServer.Infrastructure;

namespace JamServer.Tests.Identity;

public sealed class InviteRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static InviteView Invite(int maxUses = 1, int uses = 0, double hoursLeft = 1) =>
        new() { Id = "h", Role = "participant", Kind = "guest", MaxUses = maxUses, Uses = uses, ExpiresAt = Now.AddHours(hoursLeft) };

    [Fact]
    public void An_invite_defaults_to_one_guest_participant_for_a_week()
    {
        var created = Invites.DecideCreate(new Invites.CreateRequest(null, null, null, null), "org", "h", Now);

        Assert.Equal(new InviteCreated("h", "participant", "guest", 1, Now.AddDays(7), "org", Now), created);
    }

    [Theory]
    [InlineData("king", null, null)]
    [InlineData(null, "alien", null)]
    [InlineData(null, null, 0)]
    [InlineData(null, null, 100_001)]
    public void An_invite_needs_a_known_role_and_kind_and_a_sane_use_limit(string? role, string? kind, int? maxUses) =>
        Assert.Equal(ErrorCodes.InvalidInput,
            Assert.Throws<JamException>(() => Invites.DecideCreate(new(role, kind, maxUses, null), "org", "h", Now)).Code);

    [Fact]
    public void A_redeemed_invite_counts_until_its_limit_and_its_expiry()
    {
        Assert.Equal(new InviteRedeemed("h", "p-1", "Ann", Now), Invites.DecideRedeem(Invite(maxUses: 2, uses: 1), "p-1", "Ann", Now));
        Assert.Equal(ErrorCodes.InviteUsedUp, Assert.Throws<JamException>(() => Invites.DecideRedeem(Invite(uses: 1), "p-1", "Ann", Now)).Code);
        Assert.Equal(ErrorCodes.InviteExpired, Assert.Throws<JamException>(() => Invites.DecideRedeem(Invite(hoursLeft: 0), "p-1", "Ann", Now)).Code);
        Assert.Equal(ErrorCodes.NotFound, Assert.Throws<JamException>(() => Invites.DecideRedeem(null, "p-1", "Ann", Now)).Code);
    }

    [Fact]
    public void A_code_is_found_however_it_is_typed_and_codes_do_not_repeat()
    {
        var code = Invites.NewCode();

        Assert.Equal(Invites.HashOf(code), Invites.HashOf(" " + code.ToLowerInvariant().Replace("-", " ") + " "));
        Assert.NotEqual(code, Invites.NewCode());
        Assert.DoesNotContain(code.Replace("-", "")[4..], Invites.HashOf(code), StringComparison.OrdinalIgnoreCase);
    }
}
