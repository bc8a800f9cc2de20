using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Runnel.WebConsole.Api;

/// <summary>
/// <c>GET /ui/api/topics/{t}/tail</c>: a live tail as Server-Sent Events. A group-less consumer assigned every
/// partition starts at their ends; once there, one <c>ready</c> event (the partitions and their end offsets), then a
/// <c>record</c> event for each record as its fetch returns (long polls of 250 ms, so a record shows well within a
/// second) and a comment line after an empty poll, which also notices a browser that went away. Ends with the
/// request or the host.
/// </summary>
internal static class TailApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Map(RouteGroupBuilder api, ConsoleBackend backend, IHostApplicationLifetime lifetime)
        => api.MapGet("/topics/{topic}/tail", async (string topic, HttpContext context) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
            var ct = stop.Token;
            await using var consumer = backend.NewConsumer();
            IReadOnlyList<Client.TopicPartition> partitions;
            try
            {
                partitions = await consumer.AssignAllPartitionsAsync(topic, ct).ConfigureAwait(false);
                await consumer.SeekToEndAsync(cancellationToken: ct).ConfigureAwait(false);
            }
            catch (Client.RunnelException e)
            {
                await ApiResults.Error(e.Message, StatusCodes.Status404NotFound).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
            var response = context.Response;
            response.Headers.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            try
            {
                var ready = partitions.Select(p => new { partition = p.Partition, offset = consumer.Position(p) });
                await WriteAsync(response, "ready", JsonSerializer.Serialize(ready, Json), ct).ConfigureAwait(false);
                while (!ct.IsCancellationRequested)
                {
                    var records = await consumer.PollAsync(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                    foreach (var record in records)
                        await WriteAsync(response, "record", JsonSerializer.Serialize(RecordView.Of(record), Json), ct).ConfigureAwait(false);
                    if (records.Count == 0)
                    {
                        await response.WriteAsync(": idle\n\n", ct).ConfigureAwait(false);
                        await response.Body.FlushAsync(ct).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The browser left or the host stops.
            }
        }).ExcludeFromDescription();

    private static async Task WriteAsync(HttpResponse response, string name, string json, CancellationToken ct)
    {
        await response.WriteAsync($"event: {name}\ndata: {json}\n\n", ct).ConfigureAwait(false);
        await response.Body.FlushAsync(ct).ConfigureAwait(false);
    }
}
