using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Runnel.Client;
using Runnel.Client.Producer;

namespace Runnel.WebConsole.Api;

/// <summary>A test message to produce; a null partition lets the producer's partitioner choose.</summary>
internal sealed record ProduceBody(int? Partition, string? Key, string? Value, List<HeaderBody>? Headers);

/// <summary>One header of a test message.</summary>
internal sealed record HeaderBody(string Key, string? Value);

/// <summary>
/// The message browser and the test producer: <c>GET /ui/api/topics/{t}/messages?partition=&amp;offset=|timestamp=&amp;limit=</c>
/// reads up to <c>limit</c> records of one partition from an offset, from the first record at or after a timestamp
/// (ms), or by default the last <c>limit</c> records; <c>POST /ui/api/topics/{t}/messages</c> produces one record
/// (acks=all) and answers its partition and offset.
/// </summary>
internal static class MessagesApi
{
    private const int MaxLimit = 500;

    public static void Map(RouteGroupBuilder api, ConsoleBackend backend)
    {
        api.MapGet("/topics/{topic}/messages", (string topic, int? partition, long? offset, long? timestamp, int? limit, CancellationToken ct) => ApiResults.Run(async () =>
        {
            var count = Math.Clamp(limit ?? 50, 1, MaxLimit);
            var tp = new TopicPartition(topic, partition ?? 0);
            var admin = backend.Admin;
            var low = (await admin.ListOffsetsAsync([tp], OffsetSpec.Earliest, ct).ConfigureAwait(false))[tp].Offset;
            var end = (await admin.ListOffsetsAsync([tp], OffsetSpec.Latest, ct).ConfigureAwait(false))[tp].Offset;
            var start = offset is { } o ? Math.Clamp(o, low, end)
                : timestamp is { } t ? (await admin.ListOffsetsAsync([tp], OffsetSpec.ForTimestamp(t), ct).ConfigureAwait(false))[tp].Offset is var found and >= 0 ? found : end
                : Math.Max(low, end - count);
            var records = new List<object>();
            if (start < end)
            {
                await using var consumer = backend.NewConsumer();
                consumer.Assign([tp]);
                consumer.Seek(tp, start);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                deadline.CancelAfter(TimeSpan.FromSeconds(3));
                var next = start;
                try
                {
                    while (records.Count < count && next < end)
                    {
                        foreach (var record in await consumer.PollAsync(TimeSpan.FromMilliseconds(500), deadline.Token).ConfigureAwait(false))
                        {
                            if (record.Offset < start || records.Count >= count)
                                continue;
                            records.Add(RecordView.Of(record));
                            next = record.Offset + 1;
                        }
                        // Aborted or compacted records leave gaps; the consumer's position passes them.
                        next = Math.Max(next, consumer.Position(tp) ?? next);
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // What arrived within the deadline is shown.
                }
            }
            return Results.Json(new { topic, partition = tp.Partition, earliest = low, latest = end, start, records });
        }));
        api.MapPost("/topics/{topic}/messages", (string topic, ProduceBody body, CancellationToken ct) => ApiResults.Run(async () =>
        {
            var record = new ProducerRecord(topic, body.Key is null ? null : Encoding.UTF8.GetBytes(body.Key), body.Value is null ? null : Encoding.UTF8.GetBytes(body.Value))
            {
                Partition = body.Partition,
                Headers = [.. (body.Headers ?? []).Where(h => !string.IsNullOrEmpty(h.Key)).Select(h => new MessageHeader(h.Key, h.Value is null ? null : Encoding.UTF8.GetBytes(h.Value)))],
            };
            var delivered = await backend.Producer.ProduceAsync(record, ct).ConfigureAwait(false);
            return Results.Json(new { topic = delivered.Topic, partition = delivered.Partition, offset = delivered.Offset, timestamp = delivered.Timestamp });
        }));
    }
}
