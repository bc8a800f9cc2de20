namespace Runnel.Protocol.Tests.Messages;

/// <summary>One recorded frame of a real client's conversation (size prefix removed).</summary>
public sealed record CaptureFrame(string Scenario, short ApiKey, short ApiVersion, bool IsRequest, string File)
{
    public byte[] Bytes => System.IO.File.ReadAllBytes(CaptureFixtures.PathOf(File));

    public override string ToString() => File;
}

/// <summary>The capture index (Fixtures/captures/index.tsv): kcat, kafka-python and KafkaJS sessions.</summary>
public static class CaptureFixtures
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures");

    public static string PathOf(string file) => Path.Combine(Directory, file);

    public static IReadOnlyList<CaptureFrame> All { get; } = Load();

    private static List<CaptureFrame> Load()
        => File.ReadAllLines(Path.Combine(Directory, "index.tsv"))
            .Select(line => line.Split('\t'))
            .Where(cols => cols.Length == 7)
            .Select(cols => new CaptureFrame(cols[0], short.Parse(cols[3], System.Globalization.CultureInfo.InvariantCulture),
                short.Parse(cols[4], System.Globalization.CultureInfo.InvariantCulture), cols[5] == "request", cols[6]))
            .ToList();
}
