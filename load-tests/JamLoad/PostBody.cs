using System.Buffers.Text;
using System.Text;

namespace JamLoad;

/// <summary>A load post's body starts with "@{sent at, unix µs}#{step} ", then words up to a realistic length.</summary>
public static class PostBody
{
    private static readonly string[] Words =
        ["idea", "customers", "water", "pilot", "cost", "cities", "grid", "learning", "partners", "privacy", "trust",
         "scale", "data", "health", "energy", "jam", "teams", "proposal", "prototype", "impact"];

    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public static string Make(int step, Random random)
    {
        var length = random.Next(80, 600);
        var text = new StringBuilder(length + 32).Append('@').Append(NowMicros()).Append('#').Append(step).Append(' ');
        while (text.Length < length)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(' ');
        }

        return text.ToString();
    }

    public static (long SentAtMicros, int Step) ReadStamp(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2 || body[0] != (byte)'@'
            || !Utf8Parser.TryParse(body[1..], out long micros, out var used)
            || body.Length <= used + 2 || body[used + 1] != (byte)'#'
            || !Utf8Parser.TryParse(body[(used + 2)..], out int step, out _))
        {
            return (0, -1);
        }

        return (micros, step);
    }
}
