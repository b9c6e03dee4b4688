using System.Text.Json;
using Microsoft.AspNetCore.Authorization;

namespace JamServer.Identity;

/// <summary>
/// `dotnet JamServer.dll endpoints`: the app's endpoints as mapped with the node's settings, each with its methods and
/// the authorization it declares, printed as JSON without starting the server. The role matrix test compares them with
/// its table, so an endpoint mapped without a rule in that table fails the build's tests.
/// </summary>
public static class EndpointAccess
{
    public sealed record Entry(string Route, IReadOnlyList<string> Methods, bool RequiresAuthentication, IReadOnlyList<string> Policies, IReadOnlyList<string> Roles);

    public static IReadOnlyList<Entry> List(IEndpointRouteBuilder app) =>
        app.DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .Select(endpoint =>
            {
                var authorize = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>();
                var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
                return new Entry(
                    "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/'),
                    endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Order(StringComparer.Ordinal).ToArray() ?? [],
                    authorize.Count > 0 && !anonymous,
                    authorize.Select(a => a.Policy).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToArray(),
                    authorize.SelectMany(a => (a.Roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        .Distinct().Order(StringComparer.Ordinal).ToArray());
            })
            .OrderBy(e => e.Route, StringComparer.Ordinal)
            .ToArray();

    public static int Print(IEndpointRouteBuilder app)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(List(app), JsonSerializerOptions.Web));
        return 0;
    }
}
