using JamServer.Identity;
using JamServer.Infrastructure;

namespace JamServer.Tests.Identity;

public sealed class DemoSignInTests
{
    [Fact]
    public void A_name_role_and_kind_are_taken_case_insensitively()
    {
        Assert.Equal(("Ann", "moderator", "partner"), DemoSignIn.Validate(new DemoSignIn.Request(" Ann ", "Moderator", "PARTNER")));
    }

    [Fact]
    public void Role_and_kind_default_to_an_employee_participant()
    {
        Assert.Equal(("Bo", "participant", "employee"), DemoSignIn.Validate(new DemoSignIn.Request("Bo", null, null)));
    }

    [Theory]
    [InlineData("", "participant", "employee")]
    [InlineData("Ann", "admin", "employee")]
    [InlineData("Ann", "participant", "robot")]
    public void Anything_else_is_invalid_input(string name, string role, string kind)
    {
        var refused = Assert.Throws<JamException>(() => DemoSignIn.Validate(new DemoSignIn.Request(name, role, kind)));

        Assert.Equal(ErrorCodes.InvalidInput, refused.Code);
    }

    [Fact]
    public void A_name_longer_than_the_cap_is_invalid()
    {
        var refused = Assert.Throws<JamException>(() =>
            DemoSignIn.Validate(new DemoSignIn.Request(new string('n', DemoSignIn.MaxNameLength + 1), null, null)));

        Assert.Equal(ErrorCodes.InvalidInput, refused.Code);
    }
}
