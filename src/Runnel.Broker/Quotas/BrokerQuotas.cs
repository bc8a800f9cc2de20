using Runnel.Broker.Pipeline;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Quotas;

/// <summary>
/// The broker's client byte-rate quotas (Kafka's QuotaManagers): Produce counts the bytes of a request's record
/// batches against producer_byte_rate, Fetch the record bytes of its reply against consumer_byte_rate. A throttled client gets the time in throttle_time_ms; as KIP-219 has it,
/// Produce from v6 is answered at once and the connection reads no further request until the time has passed
/// (<see cref="ConnectionInfo.MutedUntil"/>), while older versions have their answer held back for that long.
/// request_percentage (KIP-124) counts the time the broker spends on a client's requests, in percent of one thread
/// (<see cref="ThrottleRequest"/>).
/// </summary>
internal sealed class BrokerQuotas(TimeProvider time)
{
    public ClientQuotaManager Produce { get; } = new(ClientQuotaType.Produce, time);

    public ClientQuotaManager Fetch { get; } = new(ClientQuotaType.Fetch, time);

    public ClientQuotaManager Request { get; } = new(ClientQuotaType.Request, time);

    /// <summary>
    /// Counts the time since <paramref name="decodingTimestamp"/> (the broker clock's), that is the time the broker
    /// spent decoding the request and running its handler until it first waited (Kafka's request thread time; waiting for acks or for fetch data is not counted), against
    /// the client's request_percentage. Over it, the reply carries the throttle time (the larger, when a byte quota
    /// throttled it too) and the connection is muted for that long, as Kafka 4 throttles every API; the reply itself is
    /// not held back.
    /// </summary>
    public ValueTask<IKafkaMessage?> ThrottleRequest(RequestContext context, ValueTask<IKafkaMessage?> reply, long decodingTimestamp)
    {
        var image = context.Broker.Quorum.Loader.Image.ClientQuotas;
        if (image.Entities.IsEmpty)
            return reply;
        var throttle = Request.RecordAndGetThrottleTime(image, UserOf(context.Connection.Principal), context.Header.ClientId ?? "", time.GetElapsedTime(decodingTimestamp).TotalSeconds * 100);
        if (throttle <= TimeSpan.Zero)
            return reply;
        var until = time.GetUtcNow() + throttle;
        if (context.Connection.MutedUntil is not { } muted || muted < until)
            context.Connection.MutedUntil = until;
        return SetThrottleTimeAsync(reply, (int)Math.Ceiling(throttle.TotalMilliseconds));

        static async ValueTask<IKafkaMessage?> SetThrottleTimeAsync(ValueTask<IKafkaMessage?> reply, int throttleMs)
        {
            var response = await reply.ConfigureAwait(false);
            if (response is IThrottledResponse throttled)
                throttled.ThrottleTimeMs = Math.Max(throttled.ThrottleTimeMs, throttleMs);
            return response;
        }
    }

    /// <summary>
    /// Counts the record bytes of a Fetch reply against consumer_byte_rate and throttles it (muting from v8, KIP-219).
    /// Unlike Kafka, which answers a throttled fetch with no records, the records read are still sent: the client is
    /// held back by the throttle time instead, which keeps the fetch session's state as the reply says.
    /// </summary>
    public async ValueTask<FetchResponse?> ThrottleFetchAsync(RequestContext context, ValueTask<FetchResponse?> reply)
    {
        var response = await reply.ConfigureAwait(false);
        if (response is null)
            return null;
        var bytes = response.Responses.Sum(t => t.Partitions.Sum(p => (long)(p.Records?.Length ?? 0)));
        var throttle = Fetch.RecordAndGetThrottleTime(context.Broker.Quorum.Loader.Image.ClientQuotas, UserOf(context.Connection.Principal), context.Header.ClientId ?? "", bytes);
        return await ThrottleAsync(context, new ValueTask<FetchResponse?>(response), throttle, muteAfterReply: context.Version >= 8, (r, ms) => r.ThrottleTimeMs = ms).ConfigureAwait(false);
    }

    /// <summary>The throttle for <paramref name="bytes"/> of produce from this request's client.</summary>
    public TimeSpan RecordProduce(RequestContext context, long bytes)
        => Produce.RecordAndGetThrottleTime(context.Broker.Quorum.Loader.Image.ClientQuotas, UserOf(context.Connection.Principal), context.Header.ClientId ?? "", bytes);

    /// <summary>
    /// Applies <paramref name="throttle"/> to a reply: sets its throttle time and either mutes the connection
    /// (<paramref name="muteAfterReply"/>, KIP-219) or waits on a timer before answering.
    /// </summary>
    public async ValueTask<T?> ThrottleAsync<T>(RequestContext context, ValueTask<T?> reply, TimeSpan throttle, bool muteAfterReply, Action<T, int> setThrottle)
        where T : class
    {
        // Muted at once, before this request's reply is ready: the read loop must not take the client's next pipelined
        // request meanwhile (Kafka reads none while one is being served, and none during the throttle after it).
        if (muteAfterReply && throttle > TimeSpan.Zero)
            context.Connection.MutedUntil = time.GetUtcNow() + throttle;
        var response = await reply.ConfigureAwait(false);
        if (response is null || throttle <= TimeSpan.Zero)
            return response;
        setThrottle(response, (int)Math.Ceiling(throttle.TotalMilliseconds));
        if (!muteAfterReply)
            await Task.Delay(throttle, time, context.Cancellation).ConfigureAwait(false);
        return response;
    }

    /// <summary>The user name of a "User:" principal (Kafka's quota entities name users without the type).</summary>
    private static string? UserOf(string principal) => principal.StartsWith("User:", StringComparison.Ordinal) ? principal[5..] : null;
}
