using Runnel.Broker.Pipeline;

namespace Runnel.Broker.Quotas;

/// <summary>
/// The broker's client byte-rate quotas (Kafka's QuotaManagers): Produce counts the bytes of a request's record
/// batches against producer_byte_rate. A throttled client gets the time in throttle_time_ms; as KIP-219 has it,
/// Produce from v6 is answered at once and the connection reads no further request until the time has passed
/// (<see cref="ConnectionInfo.MutedUntil"/>), while older versions have their answer held back for that long.
/// </summary>
internal sealed class BrokerQuotas(TimeProvider time)
{
    public ClientQuotaManager Produce { get; } = new(ClientQuotaType.Produce, time);

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
        var response = await reply.ConfigureAwait(false);
        if (response is null || throttle <= TimeSpan.Zero)
            return response;
        setThrottle(response, (int)Math.Ceiling(throttle.TotalMilliseconds));
        if (muteAfterReply)
            context.Connection.MutedUntil = time.GetUtcNow() + throttle;
        else
            await Task.Delay(throttle, time, context.Cancellation).ConfigureAwait(false);
        return response;
    }

    /// <summary>The user name of a "User:" principal (Kafka's quota entities name users without the type).</summary>
    private static string? UserOf(string principal) => principal.StartsWith("User:", StringComparison.Ordinal) ? principal[5..] : null;
}
