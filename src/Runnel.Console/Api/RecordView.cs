using System.Text;
using Runnel.Client.Consumer;

namespace Runnel.WebConsole.Api;

/// <summary>
/// A record as the pages show it: key and value as UTF-8 text when they are valid UTF-8, else base64 (the encoding
/// says which; the page pretty-prints text that parses as JSON), and the headers likewise.
/// </summary>
internal static class RecordView
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static object Of(ConsumeResult r) => new
    {
        topic = r.Topic,
        partition = r.Partition,
        offset = r.Offset,
        timestamp = r.Timestamp,
        timestampType = r.TimestampType.ToString(),
        key = Bytes(r.Key),
        value = Bytes(r.Value),
        headers = r.Headers.Select(h => new { key = h.Key, value = Bytes(h.Value) }),
    };

    private static object? Bytes(byte[]? bytes)
    {
        if (bytes is null)
            return null;
        try
        {
            return new { text = StrictUtf8.GetString(bytes), encoding = "utf-8", size = bytes.Length };
        }
        catch (DecoderFallbackException)
        {
            return new { text = Convert.ToBase64String(bytes), encoding = "base64", size = bytes.Length };
        }
    }
}
