using JamServer.Moderation.Sentiment;
using Microsoft.Extensions.Options;

namespace JamServer.Moderation;

public static class ModerationSetup
{
    /// <summary>Guidelines, flags and hiding, the sentiment scorer, and the moderators' figures fed with every post.</summary>
    public static WebApplicationBuilder AddJamModeration(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ModerationOptions>().Bind(builder.Configuration.GetSection(ModerationOptions.Section)).ValidateOnStart();
        builder.Services
            .AddSingleton<IValidateOptions<ModerationOptions>, ModerationOptionsValidation>()
            .AddSingleton<Guidelines>().AddSingleton<PostModerator>()
            .AddSingleton<LanguageDetector>().AddSingleton<ISentimentScorer, LexiconSentimentScorer>()
            .AddSingleton(s => new ModerationAnalytics(s.GetRequiredService<IOptions<ModerationOptions>>().Value))
            .AddSingleton<ModerationFeed>().AddHostedService(s => s.GetRequiredService<ModerationFeed>());
        return builder;
    }

    public static WebApplication MapModerationEndpoints(this WebApplication app)
    {
        Guidelines.MapGuidelinesEndpoint(app);
        app.MapFlagsEndpoint();
        app.MapAuditEndpoint();
        app.MapModeratePostEndpoints();
        app.MapSentimentEndpoint();
        app.MapThemesEndpoint();
        app.MapAlertEndpoints();
        return app;
    }
}
