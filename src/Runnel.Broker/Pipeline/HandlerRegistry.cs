using Runnel.Protocol;

namespace Runnel.Broker.Pipeline;

/// <summary>The handlers of this broker in a table indexed by API key, built once at start-up.</summary>
internal sealed class HandlerRegistry
{
    private readonly ApiHandler?[] _byKey;

    public HandlerRegistry(IEnumerable<ApiHandler> handlers)
    {
        All = handlers.OrderBy(h => h.Key).ToList();
        _byKey = new ApiHandler?[All.Count == 0 ? 0 : (int)All[^1].Key + 1];
        foreach (var handler in All)
        {
            var api = ApiCatalog.Get(handler.Key);
            if (handler.MinVersion < api.LowestVersion || handler.MaxVersion > api.HighestVersion || handler.MinVersion > handler.MaxVersion)
                throw new InvalidOperationException($"{handler.Key} handler serves v{handler.MinVersion}-{handler.MaxVersion}, the codec knows {api}");
            if (_byKey[(int)handler.Key] is not null)
                throw new InvalidOperationException($"two handlers for {handler.Key}");
            _byKey[(int)handler.Key] = handler;
        }
    }

    public IReadOnlyList<ApiHandler> All { get; }

    public ApiHandler? Find(short key) => key >= 0 && key < _byKey.Length ? _byKey[key] : null;
}
