using System.Text;
using MessagePack;

namespace JamServer.IntegrationTests.Support;

/// <summary>
/// Malformed input made from one seeded <see cref="Random"/>, so a failure repeats with the same seed. Nothing it makes
/// names a phase, so a fuzzed phase change cannot succeed.
/// </summary>
public sealed class FuzzInputs(Random random)
{
    public static readonly string[] HubMethods =
        ["JoinRoom", "LeaveRoom", "AcceptGuidelines", "Post", "ProposeIdea", "Flag", "HidePost", "RestorePost", "MergeProposals", "Vote", "Unvote"];

    /// <summary>Methods no client may call: not on the hub, or the hub's own plumbing.</summary>
    public static readonly string[] NotHubMethods =
        ["NoSuchMethod", "post", "OnConnectedAsync", "OnDisconnectedAsync", "Dispose", "ToString", "GetType", "RequireModerator", "CastAsync", "PostAdded"];

    private static readonly string[] Fields =
        ["roomId", "parentId", "body", "clientId", "threadId", "title", "summary", "reason", "phase", "code", "displayName", "role", "kind", "maxUses", "validFor", "type", "target", "arguments", "invocationId", "__proto__", "$type"];

    private static readonly string[] Texts =
    [
        "", " ", "\t\n", "water", "oceans", "no-such-room", "p-00000000000000000000000000000000", "prop-x", "spam", "organizer",
        "moderator", "guest", "-1", "0", "9223372036854775808", "1e400", "NaN", "null", "true", "[]", "{}", "'; drop table mt_events; --",
        "<script>alert(1)</script>", "../../etc/passwd", "%00", "\u0000", "\u0007bell", "\u202eevil", "\ufeffbom", "\uffff", "\ud83c\udf0a",
        "Zalgo\u0301\u0302\u0303\u0304\u0305\u0306", "Cafe\u0301", "\u1100\u1161", "emoji \ud83d\ude00 text", "line\r\nbreak",
    ];

    public Random Random => random;

    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    /// <summary>A string: from the pool, random characters (no lone surrogates), or long.</summary>
    public string Text() => random.Next(6) switch
    {
        0 or 1 or 2 => Pick(Texts),
        3 => new string(Enumerable.Range(0, random.Next(1, 40)).Select(_ => SafeChar()).ToArray()),
        4 => new string(Pick(new[] { 'x', 'é', '\u0301', ' ' }), random.Next(100, 6000)),
        _ => Pick(Texts) + Pick(Texts),
    };

    public string Text(int maxLength)
    {
        var text = Text();
        return text.Length > maxLength ? text[..maxLength] : text;
    }

    /// <summary>A value for the .NET client to send: below the message size limit, at most <paramref name="depth"/> deep.</summary>
    public object? Value(int depth = 0) => random.Next(depth > 4 ? 7 : 10) switch
    {
        0 => null,
        1 => random.Next(int.MinValue, int.MaxValue),
        2 => Pick(new object[] { long.MaxValue, long.MinValue, -1L, 0L, double.MaxValue, 1.5, -0.0 }),
        3 => random.Next(2) == 0,
        4 or 5 or 6 => Text(2000),
        7 => Enumerable.Range(0, random.Next(0, random.Next(2) == 0 ? 5 : 1500)).Select(i => (object)i).ToArray(),
        8 => Enumerable.Range(0, random.Next(0, 5)).Select(_ => Value(depth + 1)).ToArray(),
        _ => Request(depth),
    };

    /// <summary>An object with fields a real request has, of random types, and some it does not.</summary>
    public Dictionary<string, object?> Request(int depth = 0) =>
        Enumerable.Range(0, random.Next(0, 6)).Select(_ => Pick(Fields)).Distinct().ToDictionary(f => f, _ => Value(depth + 1));

    /// <summary>Half the time any arguments; half the time the method's own shape with odd values, to reach the checks behind binding.</summary>
    public object?[] Arguments(string method)
    {
        if (random.Next(2) == 0)
        {
            return Enumerable.Range(0, random.Next(0, 5)).Select(_ => Value()).ToArray();
        }

        object? Id() => random.Next(8) == 0 ? null : Text(300);
        object? Long() => Pick(new object[] { -1L, 0L, 1L, long.MaxValue, long.MinValue, (long)random.Next() });
        Dictionary<string, object?> Shaped(params string[] fields) =>
            fields.Where(_ => random.Next(8) != 0).ToDictionary(f => f, _ => random.Next(6) == 0 ? Value(3) : Text(6000));
        return method switch
        {
            "JoinRoom" => [Id(), Long()],
            "LeaveRoom" or "Vote" or "Unvote" => [Id()],
            "Post" => [Shaped("roomId", "parentId", "body", "clientId")],
            "ProposeIdea" => [Shaped("roomId", "threadId", "title", "summary", "clientId")],
            "Flag" or "HidePost" or "RestorePost" => [Id(), Id()],
            "MergeProposals" => [Id(), Id(), Id()],
            _ => [Value()],
        };
    }

    /// <summary>A JSON value as text, possibly broken, deep, large, or holding escapes that are not valid Unicode.</summary>
    public string Json(int depth = 0)
    {
        switch (random.Next(depth > 3 ? 8 : 13))
        {
            case 0: return "null";
            case 1: return random.Next(2) == 0 ? "true" : "false";
            case 2: return Pick(new[] { "0", "-1", "1e400", "-1e400", "9223372036854775808", "1.5", "0x10", "01", "-", "NaN", "Infinity" });
            case 3: return JsonString(Text());
            case 4: return "\"" + Pick(new[] { "\\ud800", "x\\udc00y", "\\ud83c\\u0041", "\\u0000", "\\uZZZZ", "\\", "\\x41", "\t" }) + "\"";
            case 5: return "\"unterminated";
            case 6: return Pick(new[] { "", "{", "[", "}", "]", ",", "{\"a\":}", "[1,]", "{\"a\" 1}", "{'a':1}", "\u001e" });
            case 7: return "\"" + Encoding.Latin1.GetString([0xed, 0xa0, 0x80, 0xff, 0xc3]) + "\"";
            case 8: return "[" + string.Join(",", Enumerable.Range(0, random.Next(1, 4)).Select(_ => Json(depth + 1))) + "]";
            case 9: return "{" + string.Join(",", Enumerable.Range(0, random.Next(1, 5)).Select(_ => JsonString(Pick(Fields)) + ":" + Json(depth + 1))) + "}";
            case 10:
                var deep = random.Next(65, 3000);
                return new string('[', deep) + new string(']', random.Next(2) == 0 ? deep : deep / 2);
            case 11: return "[" + string.Join(",", Enumerable.Repeat("1", random.Next(1000, 12_000))) + "]";
            default: return "{\"a\":1,\"a\":2,\"" + new string('k', random.Next(1, 5000)) + "\":" + Json(depth + 1) + "}";
        }
    }

    /// <summary>A frame for a raw JSON hub connection after its handshake.</summary>
    public byte[] JsonFrame()
    {
        var target = random.Next(3) == 0 ? Pick(NotHubMethods) : Pick(HubMethods);
        var text = random.Next(9) switch
        {
            0 => null,
            1 => Json(),
            2 => $"{{\"type\":{Json(4)},\"target\":{Json(4)}}}",
            3 => $"{{\"type\":1,\"invocationId\":{Json(4)},\"target\":\"{target}\",\"arguments\":{Json()}}}",
            4 => $"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"{target}\",\"arguments\":[{Json(1)},{Json(1)}]}}",
            5 => $"{{\"type\":{random.Next(-1, 12)},\"invocationId\":\"1\",\"target\":\"{target}\",\"arguments\":[],\"streamIds\":{Json(3)},\"result\":{Json(3)},\"error\":{Json(3)},\"item\":{Json(3)}}}",
            6 => $"{{\"type\":1,\"target\":\"{target}\",\"arguments\":[" + new string('x', random.Next(40_000, 70_000)) + "]}",
            7 => $"{{\"type\":4,\"invocationId\":\"s1\",\"target\":\"{target}\",\"arguments\":[],\"streamIds\":[\"a\"]}}",
            _ => $"{{\"type\":1,\"invocationId\":\"1\",\"target\":{JsonString(target)},\"arguments\":{Json(3)}}}{Json(3)}",
        };
        if (text is null)
        {
            return Bytes();
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        return random.Next(5) == 0 ? bytes : [.. bytes, 0x1e];
    }

    /// <summary>A frame for a raw MessagePack hub connection after its handshake.</summary>
    public byte[] MessagePackFrame()
    {
        var target = random.Next(3) == 0 ? Pick(NotHubMethods) : Pick(HubMethods);
        return random.Next(6) switch
        {
            0 => Bytes(),
            1 => RawHub.LengthPrefixed(Bytes()),
            2 => RawHub.LengthPrefixed(RawHub.Pack((ref MessagePackWriter w) => WriteValue(ref w, 0))),
            3 => RawHub.LengthPrefixed(RawHub.Pack((ref MessagePackWriter w) =>
            {
                w.WriteArrayHeader(5);
                w.Write(1);
                w.WriteMapHeader(0);
                w.Write("1");
                w.Write(target);
                WriteValue(ref w, 0);
            })),
            4 => RawHub.LengthPrefixed(RawHub.Pack((ref MessagePackWriter w) =>
            {
                w.WriteArrayHeader(random.Next(0, 8));
                for (var i = 0; i < 3; i++)
                {
                    WriteValue(ref w, 2);
                }
            })),
            _ => RawHub.LengthPrefixed(RawHub.Pack((ref MessagePackWriter w) =>
            {
                w.WriteArrayHeader(5);
                w.Write(1);
                w.WriteMapHeader(0);
                w.Write("1");
                w.Write(target);
                w.WriteArrayHeader(random.Next(1, 4));
                for (var i = 0; i < 3; i++)
                {
                    WriteValue(ref w, 1);
                }
            })),
        };
    }

    /// <summary>Random bytes, sometimes many.</summary>
    public byte[] Bytes()
    {
        var bytes = new byte[random.Next(4) == 0 ? random.Next(1000, 40_000) : random.Next(1, 64)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A query string: known keys and others, values of every kind, some not valid UTF-8 once decoded.</summary>
    public string Query()
    {
        string[] keys = ["after", "limit", "roomId", "from", "to", "window", "top", "access_token", "negotiateVersion", "id", ""];
        string[] values =
        [
            "", "-1", "0", "1", "1000", "1001", "999999999999999999999", "abc", "1.5", "%00", "%ED%A0%80", "%FF", "%", "%zz", "water",
            "2026-11-27T00:00:00Z", "2026-13-45", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "+", "%2B1", new string('9', 5000),
        ];
        return "?" + string.Join("&", Enumerable.Range(0, random.Next(1, 6)).Select(_ => Pick(keys) + (random.Next(6) == 0 ? "" : "=" + Pick(values))));
    }

    private void WriteValue(ref MessagePackWriter w, int depth)
    {
        switch (random.Next(depth > 3 ? 9 : 13))
        {
            case 0: w.WriteNil(); break;
            case 1: w.Write(random.Next(int.MinValue, int.MaxValue)); break;
            case 2: w.Write(ulong.MaxValue); break;
            case 3: w.Write(Text(3000)); break;
            case 4: w.WriteString(new byte[] { 0xed, 0xa0, 0x80, 0xff, 0xfe, 0xc3 }); break;
            case 5: w.Write(new byte[] { 1, 2, 3 }); break;
            case 6: w.WriteExtensionFormat(new ExtensionResult((sbyte)random.Next(-128, 128), new byte[random.Next(0, 16)])); break;
            case 7: w.Write(random.NextDouble()); break;
            case 8:
                // A header that promises more than follows.
                w.WriteArrayHeader(int.MaxValue);
                break;
            case 9:
                w.WriteArrayHeader(random.Next(0, 4));
                for (var i = 0; i < 3; i++)
                {
                    WriteValue(ref w, depth + 1);
                }

                break;
            case 10:
                var fields = random.Next(0, 4);
                w.WriteMapHeader(fields);
                for (var i = 0; i < fields; i++)
                {
                    if (random.Next(4) == 0)
                    {
                        w.Write(random.Next());
                    }
                    else
                    {
                        w.Write(Pick(Fields));
                    }

                    WriteValue(ref w, depth + 1);
                }

                break;
            case 11:
                var deep = random.Next(100, 2000);
                for (var i = 0; i < deep; i++)
                {
                    w.WriteArrayHeader(1);
                }

                w.WriteNil();
                break;
            default:
                var count = random.Next(100, 3000);
                w.WriteArrayHeader(count);
                for (var i = 0; i < count; i++)
                {
                    w.Write(i);
                }

                break;
        }
    }

    private char SafeChar()
    {
        while (true)
        {
            var c = (char)random.Next(0, 0x3000);
            if (!char.IsSurrogate(c))
            {
                return c;
            }
        }
    }

    private static string JsonString(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
