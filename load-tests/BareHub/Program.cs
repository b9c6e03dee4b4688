using System.Collections.Concurrent;
using JamLoad.Wire;
using BareHub;
using Microsoft.AspNetCore.SignalR;

// The baseline: what SignalR alone does on this machine with JamServer's message shapes.
// No auth, no persistence, no Redis; a per-room counter stands in for the store.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSignalR(o => o.MaximumReceiveMessageSize = 32 * 1024).AddMessagePackProtocol();
builder.Services.AddSingleton<RoomCounters>();
var app = builder.Build();
app.MapHub<BareJamHub>("/hubs/jam");
app.MapGet("/health/ready", () => "Healthy");
await app.RunAsync();

namespace BareHub
{
    public sealed class RoomCounters
    {
        private readonly ConcurrentDictionary<string, StrongBox> _rooms = new(StringComparer.Ordinal);

        public long Next(string roomId) => Interlocked.Increment(ref _rooms.GetOrAdd(roomId, _ => new StrongBox()).Value);

        public long Last(string roomId) => _rooms.TryGetValue(roomId, out var box) ? Interlocked.Read(ref box.Value) : 0;

        public sealed class StrongBox
        {
#pragma warning disable CA1051 // Interlocked needs a field.
            public long Value;
#pragma warning restore CA1051
        }
    }

    public sealed class BareJamHub(RoomCounters rooms) : Hub
    {
        public async Task<JoinRoomResult> JoinRoom(string roomId, long afterSeq)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, roomId);
            return new JoinRoomResult(roomId, [], Math.Max(afterSeq, rooms.Last(roomId)), false);
        }

        public async Task<PostAck> Post(PostRequest request)
        {
            var seq = rooms.Next(request.RoomId);
            var id = Guid.CreateVersion7().ToString("N");
            var post = new PostDto(id, request.RoomId, id, request.ParentId, 0, seq, "bare", "Bare", request.Body, DateTime.UtcNow);
            await Clients.Group(request.RoomId).SendAsync("PostAdded", post);
            return new PostAck(id, seq);
        }
    }
}
