namespace Runnel.Protocol;

/// <summary>Lookup over the generated list of APIs.</summary>
public static partial class ApiCatalog
{
    private static readonly ApiDescriptor?[] ByKey = BuildIndex();

    private static ApiDescriptor?[] BuildIndex()
    {
        var index = new ApiDescriptor?[All.Max(a => (int)a.Key) + 1];
        foreach (var api in All)
            index[(int)api.Key] = api;
        return index;
    }

    /// <summary>The API for a key from the wire, or null when this assembly has no schema for it.</summary>
    public static ApiDescriptor? Find(short key) => key >= 0 && key < ByKey.Length ? ByKey[key] : null;

    public static ApiDescriptor Get(ApiKey key) => Find((short)key) ?? throw new ArgumentOutOfRangeException(nameof(key));
}
