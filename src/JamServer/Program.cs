using JamServer.Discussion;
using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Live;
using JamServer.Moderation;
using JamServer.Proposals;
using JamServer.Rooms;
using JamServer.Voting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Serilog;

if (args is ["tally", .. var tallyArgs])
{
    return await TallyCommand.RunAsync(tallyArgs);
}

var builder = WebApplication.CreateBuilder(args);
var jam = builder.Configuration.GetSection(JamOptions.Section).Get<JamOptions>() ?? new JamOptions();

builder.AddJamLogging().AddJamResilience().AddJamStore().AddJamRedis().AddJamAuth().AddJamHealth().AddJamDrain();
builder.AddJamTelemetry();
builder.Services.AddOptions<JamOptions>().Bind(builder.Configuration.GetSection(JamOptions.Section)).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<JamOptions>, JamOptionsValidation>();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddExceptionHandler<HttpErrors>().AddProblemDetails();
builder.Services.AddSignalR(o => o.MaximumReceiveMessageSize = JamHubProtocol.MaxMessageSize).AddHubOptions<JamHub>(o => o.AddFilter<HubErrorFilter>());
JamHubProtocol.DecorateAll(builder.Services);
builder.Services
    .AddSingleton(TimeProvider.System)
    .AddSingleton(new JamIdentity(jam.JamId, jam.NodeId))

    // First of the hosted services, which start in order: the others read the jam it creates and loads.
    .AddHostedService<JamSetup>()
    .AddSingleton<JamState>().AddSingleton<ChangePhase>().AddSingleton<RoomCatalog>().AddSingleton<RoomPresence>()
    .AddSingleton<JoinRoom>().AddSingleton<ParticipantRateLimits>().AddSingleton<HubErrorFilter>()

    // They stop in reverse order, each writing what it holds: the fan-out after the post writer, the live tally after
    // the ballot writer, so what a writer hands on as it stops still goes out.
    .AddSingleton<RoomFanout>().AddHostedService(s => s.GetRequiredService<RoomFanout>())
    .AddSingleton<PostWriter>().AddHostedService(s => s.GetRequiredService<PostWriter>())
    .AddSingleton<ProposeIdea>().AddSingleton<MergeProposals>().AddSingleton<ProposalCatalog>().AddSingleton<CountedBallots>()
    .AddSingleton<LiveTally>().AddHostedService(s => s.GetRequiredService<LiveTally>())
    .AddSingleton<BallotWriter>().AddHostedService(s => s.GetRequiredService<BallotWriter>())
    .AddSingleton<ShortlistPublisher>().AddHostedService(s => s.GetRequiredService<ShortlistPublisher>())
    .AddSingleton<TallyBroadcaster>().AddHostedService(s => s.GetRequiredService<TallyBroadcaster>())
    .AddHostedService<PhaseClock>().AddHostedService<PresenceBroadcaster>();
builder.AddJamModeration();
builder.AddJamAdmission();

var app = builder.Build();
// A hub connection is one request that lasts hours: its request-log state would be held per connection.
app.UseWhen(http => !http.Request.Path.StartsWithSegments("/hubs"), branch => branch.UseSerilogRequestLogging());
app.UseExceptionHandler();
app.UseJamWebClient();
app.UseCodedStatusPages();
app.UseHubDrain();
app.UseHubOriginCheck();
app.UseAuthentication();
app.UseHubTokenForgetting();
app.UseHubAdmission();
app.UseHubConnectionLimit();
app.UseAuthorization();

app.MapJamHealth();
app.MapJamMetrics();
ChangePhase.MapPhaseEndpoints(app);
app.MapRoomsEndpoint();
app.MapPostsEndpoint();
app.MapProposalsEndpoint();
app.MapMyBallotEndpoints();
app.MapShortlistEndpoints();
app.MapModerationEndpoints();
app.MapInviteEndpoints();
app.MapAuthConfigEndpoints();
if (jam.DemoMode)
{
    app.MapDemoSignIn();
}

app.MapHub<JamHub>("/hubs/jam");
// Without the built web client (a plain dotnet build), "/" says where things are.
if (!app.Environment.WebRootFileProvider.GetFileInfo("index.html").Exists)
{
    app.MapGet("/", () => Results.Text(
        $"JamServer is running the jam '{jam.JamId}'. The web client is not built here (./jam run builds it). API: /api/jam, /api/rooms, /api/proposals, /api/shortlist; live hub: /hubs/jam. See docs/protocol.md.\n"));
}

if (args is ["endpoints"])
{
    return EndpointAccess.Print(app);
}

await app.RunAsync();
return 0;
