namespace Runnel.Protocol;

/// <summary>What the protocol layer knows of one API: its version range, flexible versions and message factories.</summary>
public sealed class ApiDescriptor(
    ApiKey key,
    string name,
    short lowestVersion,
    short highestVersion,
    short requestFlexibleFrom,
    short responseFlexibleFrom,
    Func<Primitives.IKafkaMessage> createRequest,
    Func<Primitives.IKafkaMessage> createResponse)
{
    /// <summary>Marks an API none of whose versions is flexible.</summary>
    public const short NeverFlexible = short.MaxValue;

    public ApiKey Key { get; } = key;
    public string Name { get; } = name;
    public short LowestVersion { get; } = lowestVersion;
    public short HighestVersion { get; } = highestVersion;

    public bool IsRequestFlexible(short version) => version >= requestFlexibleFrom;

    public bool IsResponseFlexible(short version) => version >= responseFlexibleFrom;

    /// <summary>Request header v2 for flexible versions, else v1 (v0 only existed for ControlledShutdown v0).</summary>
    public short RequestHeaderVersion(short version) => IsRequestFlexible(version) ? (short)2 : (short)1;

    /// <summary>
    /// Response header v1 for flexible versions, else v0; ApiVersions always answers with v0 (KIP-511), because a
    /// client must be able to read the reply before it knows which versions the broker speaks.
    /// </summary>
    public short ResponseHeaderVersion(short version)
        => Key != ApiKey.ApiVersions && IsResponseFlexible(version) ? (short)1 : (short)0;

    public Primitives.IKafkaMessage CreateRequest() => createRequest();

    public Primitives.IKafkaMessage CreateResponse() => createResponse();

    public override string ToString() => $"{Name}({(short)Key}) v{LowestVersion}-{HighestVersion}";
}
