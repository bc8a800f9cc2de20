using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Runnel.Broker.Configuration;
using Runnel.Broker.Quotas;

namespace Runnel.Broker.Transport;

/// <summary>
/// Kafka's ConnectionQuotas, applied at accept:
/// <list type="bullet">
/// <item><c>max.connections</c> for the broker and <c>listener.name.&lt;name&gt;.max.connections</c> for one listener:
/// at either limit the listener accepts nothing more (connecting clients wait in the socket's backlog) until a
/// connection ends (<see cref="WaitForSlotAsync"/>);</item>
/// <item><c>max.connection.creation.rate</c> for the broker and per listener: a new connection that takes the rate
/// (over <see cref="QuotaSamples"/> samples of one second, Kafka's quota window) above a limit holds the listener's
/// accepting back for Kafka's throttle time, <c>(rate - limit) / limit * window</c>;</item>
/// <item><c>max.connections.per.ip</c> and <c>max.connections.per.ip.overrides</c> (<c>host:count</c>): a connection
/// beyond its address's limit is closed at once (<see cref="TryAdmit"/>; the caller logs it).</item>
/// </list>
/// The inter-broker listener and the controller listeners are bound by their own listener limits only, never by the
/// broker-wide ones, so clients cannot crowd out replication and the quorum (Kafka protects the inter-broker
/// listener the same way; it also closes another listener's least recently used connection to make room, which
/// Runnel does not). Counts drop in <see cref="Release"/>.
/// </summary>
internal sealed class ConnectionQuotas
{
    public const string MaxConnections = "max.connections";
    public const string MaxConnectionCreationRate = "max.connection.creation.rate";
    public const int QuotaSamples = 11;

    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly int _perIpDefault;
    private readonly Dictionary<IPAddress, int> _perIpOverrides = [];
    private readonly ConcurrentDictionary<IPAddress, int> _perIp = new();
    private readonly Limits _broker;
    private readonly Dictionary<string, Limits> _listeners = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _protected = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _lock = new();
    private TaskCompletionSource _released = NewSignal();

    public ConnectionQuotas(BrokerConfig config, TimeProvider time)
    {
        _time = time;
        _started = time.GetTimestamp();
        _broker = new Limits(config.GetInt(MaxConnections), config.GetInt(MaxConnectionCreationRate));
        foreach (var listener in config.Listeners)
        {
            _listeners[listener.Name] = new Limits(ListenerInt(config, listener.Name, MaxConnections), ListenerInt(config, listener.Name, MaxConnectionCreationRate));
        }
        _protected.UnionWith(config.GetList("controller.listener.names"));
        if (config.GetString("inter.broker.listener.name") is { Length: > 0 } interBroker && config.Listeners.Count > 1)
            _protected.Add(interBroker);

        _perIpDefault = config.GetInt("max.connections.per.ip");
        foreach (var entry in config.GetList("max.connections.per.ip.overrides"))
        {
            var colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
                throw new ConfigException("max.connections.per.ip.overrides", $"'{entry}' must look like host:count");
            var host = entry[..colon].Trim();
            var addresses = IPAddress.TryParse(host, out var address) ? [address] : Dns.GetHostAddresses(host);
            foreach (var a in addresses)
                _perIpOverrides[Normal(a)] = limit;
        }
    }

    /// <summary>Connections open on the broker, for tests.</summary>
    public int Open
    {
        get
        {
            lock (_lock)
                return _broker.Open;
        }
    }

    /// <summary>
    /// Waits until <paramref name="listener"/> may take one more connection and reserves it: while the listener or the
    /// broker is at its connection limit, then for as long as the creation rate's throttle says. The reservation is
    /// given back with <see cref="Release"/> (the connection ended, or the accept failed).
    /// </summary>
    public async ValueTask WaitForSlotAsync(string listener, CancellationToken cancellation)
    {
        var limits = LimitsOf(listener);
        var bounded = !_protected.Contains(listener);
        while (true)
        {
            Task released;
            lock (_lock)
            {
                if (limits.Open < limits.MaxConnections && (!bounded || _broker.Open < _broker.MaxConnections))
                {
                    limits.Open++;
                    _broker.Open++;
                    break;
                }
                released = _released.Task;
            }
            await released.WaitAsync(cancellation).ConfigureAwait(false);
        }
        var now = (long)_time.GetElapsedTime(_started).TotalMilliseconds;
        TimeSpan throttle;
        lock (_lock)
        {
            throttle = limits.RecordCreation(now);
            if (bounded)
                throttle = TimeSpan.FromTicks(Math.Max(throttle.Ticks, _broker.RecordCreation(now).Ticks));
        }
        if (throttle > TimeSpan.Zero)
            await Task.Delay(throttle, _time, cancellation).ConfigureAwait(false);
    }

    /// <summary>Gives back the slot <see cref="WaitForSlotAsync"/> reserved on <paramref name="listener"/>.</summary>
    public void Release(string listener)
    {
        TaskCompletionSource released;
        lock (_lock)
        {
            LimitsOf(listener).Open--;
            _broker.Open--;
            released = _released;
            _released = NewSignal();
        }
        released.TrySetResult();
    }

    /// <summary>The per-address limit for <paramref name="address"/>.</summary>
    public int LimitOf(IPAddress address) => _perIpOverrides.TryGetValue(Normal(address), out var limit) ? limit : _perIpDefault;

    /// <summary>Counts a new connection from <paramref name="address"/>; false (and nothing counted) when it is over its address's limit.</summary>
    public bool TryAdmit(IPAddress address)
    {
        address = Normal(address);
        var limit = LimitOf(address);
        while (true)
        {
            var open = _perIp.GetOrAdd(address, 0);
            if (open >= limit)
                return false;
            if (_perIp.TryUpdate(address, open + 1, open))
                return true;
        }
    }

    /// <summary>Uncounts a connection <see cref="TryAdmit"/> admitted.</summary>
    public void Release(IPAddress address)
    {
        address = Normal(address);
        while (_perIp.TryGetValue(address, out var open))
        {
            if (open <= 1 ? _perIp.TryRemove(new KeyValuePair<IPAddress, int>(address, open)) : _perIp.TryUpdate(address, open - 1, open))
                return;
        }
    }

    private Limits LimitsOf(string listener)
    {
        lock (_lock)
        {
            if (!_listeners.TryGetValue(listener, out var limits))
                _listeners[listener] = limits = new Limits(int.MaxValue, int.MaxValue);
            return limits;
        }
    }

    private static int ListenerInt(BrokerConfig config, string listener, string key)
    {
        var value = config.PrefixedValue(listener, key);
        return value is null ? int.MaxValue : int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);
    }

    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One scope's limits, its open count and its creation rate; guarded by the owner's lock.</summary>
    private sealed class Limits(int maxConnections, int maxCreationRate)
    {
        private readonly SampledRate _created = new(QuotaSamples, TimeSpan.FromSeconds(1));

        public int MaxConnections { get; } = maxConnections;

        public int Open { get; set; }

        /// <summary>Records a connection made at <paramref name="nowMs"/> and returns how long to hold accepting back.</summary>
        public TimeSpan RecordCreation(long nowMs)
        {
            if (maxCreationRate == int.MaxValue)
                return TimeSpan.Zero;
            _created.Record(1, nowMs);
            var observed = _created.PerSecond(nowMs);
            if (observed <= maxCreationRate)
                return TimeSpan.Zero;
            var throttleMs = (observed - maxCreationRate) / maxCreationRate * _created.WindowMs(nowMs);
            return TimeSpan.FromMilliseconds(Math.Min(throttleMs, QuotaSamples * _created.SampleWindow.TotalMilliseconds));
        }
    }
}
