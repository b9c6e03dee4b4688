using JamServer.Identity;
using Microsoft.Extensions.Options;

namespace JamServer.Infrastructure;

/// <summary>
/// Serves the built web client (src/JamServer.Web, built into wwwroot by ./jam) at "/", with the security headers a
/// page that shows other people's text needs: no inline script, no framing, no sniffing.
/// </summary>
public static class WebClient
{
    /// <summary>
    /// With sign-in at a provider the page also talks to the provider's origin: the sign-in library reads its discovery
    /// document and trades the code for tokens there (the sign-in itself is a navigation, which the policy leaves alone).
    /// </summary>
    public static string ContentSecurityPolicy(AuthOptions auth)
    {
        var connect = auth.HasBrowserSignIn ? "'self' " + new Uri(auth.Authority!).GetLeftPart(UriPartial.Authority) : "'self'";
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            + $"connect-src {connect}; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
    }

    public static WebApplication UseJamWebClient(this WebApplication app)
    {
        var policy = ContentSecurityPolicy(app.Services.GetRequiredService<IOptions<AuthOptions>>().Value);
        app.Use((http, next) =>
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = policy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            return next(http);
        });
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // The page is asked for again after a deploy; its assets have their content's hash in their names.
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl =
                file.Context.Request.Path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable" : "no-cache",
        });
        return app;
    }
}
