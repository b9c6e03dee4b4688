using System.Buffers;
using MessagePack;

namespace JamLoad;

/// <summary>SignalR's MessagePack hub protocol, the few messages a lean receiver sends and reads.</summary>
internal static class PackedHub
{
    /// <summary>[1, {}, "join", "JoinRoom", [roomId, 0], []] behind its length.</summary>
    public static byte[] JoinRoom(string roomId)
    {
        var body = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(body);
        writer.WriteArrayHeader(6);
        writer.Write(1);
        writer.WriteMapHeader(0);
        writer.Write("join");
        writer.Write("JoinRoom");
        writer.WriteArrayHeader(2);
        writer.Write(roomId);
        writer.Write(0L);
        writer.WriteArrayHeader(0);
        writer.Flush();
        var framed = new ArrayBufferWriter<byte>();
        WriteLength(framed, body.WrittenCount);
        framed.Write(body.WrittenSpan);
        return framed.WrittenSpan.ToArray();
    }

    /// <summary>The messages of a frame: each is a 7-bit varint length, then that many bytes.</summary>
    public static List<ReadOnlyMemory<byte>> Split(ReadOnlySpan<byte> frame)
    {
        var messages = new List<ReadOnlyMemory<byte>>();
        while (frame.Length > 0)
        {
            int length = 0, shift = 0, used = 0;
            byte b;
            do
            {
                b = frame[used++];
                length |= (b & 0x7f) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0 && used < 5);

            messages.Add(frame.Slice(used, length).ToArray());
            frame = frame[(used + length)..];
        }

        return messages;
    }

    public static HubRecord Parse(ReadOnlyMemory<byte> message)
    {
        var record = default(HubRecord);
        var reader = new MessagePackReader(message);
        var fields = reader.ReadArrayHeader();
        record.Type = reader.ReadInt32();
        switch (record.Type)
        {
            case 1: // [1, headers, invocationId, target, args, streamIds]
                reader.Skip();
                reader.Skip();
                record.Target = reader.ReadString();
                if (record.Target == "PostAdded" && reader.ReadArrayHeader() > 0)
                {
                    ReadPost(ref reader, ref record);
                }

                break;
            case 3 when fields >= 4: // [3, headers, invocationId, resultKind, result?]
                reader.Skip();
                reader.Skip();
                var kind = reader.ReadInt32();
                if (kind == 1)
                {
                    record.Error = reader.ReadString();
                }
                else if (kind == 3)
                {
                    record.LastSeq = ReadLong(ref reader, "lastSeq");
                }

                break;
        }

        return record;
    }

    private static void ReadPost(ref MessagePackReader reader, ref HubRecord record)
    {
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            if (key == "seq")
            {
                record.Seq = reader.ReadInt64();
            }
            else if (key == "body" && reader.ReadStringSequence() is { } body)
            {
                (record.SentAtMicros, record.Step) = PostBody.ReadStamp(body.IsSingleSegment ? body.FirstSpan : body.ToArray());
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static long ReadLong(ref MessagePackReader reader, string wanted)
    {
        var count = reader.ReadMapHeader();
        long value = 0;
        for (var i = 0; i < count; i++)
        {
            if (reader.ReadString() == wanted)
            {
                value = reader.ReadInt64();
            }
            else
            {
                reader.Skip();
            }
        }

        return value;
    }

    private static void WriteLength(IBufferWriter<byte> output, int length)
    {
        do
        {
            var b = (byte)(length & 0x7f);
            length >>= 7;
            if (length > 0)
            {
                b |= 0x80;
            }

            output.Write([b]);
        }
        while (length > 0);
    }
}
