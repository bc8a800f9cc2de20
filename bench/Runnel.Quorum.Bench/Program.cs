using Runnel.Quorum.Bench;

// End-to-end figures (not tests) for a 3-voter quorum over loopback TCP, each voter with its own metadata log on disk
// (fsync before every acknowledgement), in one process:
//   throughput [seconds] [record bytes] [records per batch]: committed records per second and commit latency;
//   failover [runs]: from a crash of the leader (its loop and sockets stop, no resignation, as kill -9) to a new
//   leader with a higher epoch that has committed its own epoch start; median, min, max.
// Usage: dotnet run -c Release --project bench/Runnel.Quorum.Bench -- throughput 10 100 10 | failover 10
// (VOTERS=1 runs the same against a lone voter, for the cost of replication by comparison.)
var mode = args.Length > 0 ? args[0] : "throughput";
int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], System.Globalization.CultureInfo.InvariantCulture) : fallback;
await using var quorum = await LoopbackQuorum.StartAsync(int.Parse(Environment.GetEnvironmentVariable("VOTERS") ?? "3", System.Globalization.CultureInfo.InvariantCulture));
var leader = await quorum.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
if (mode == "failover")
{
    var times = new List<double>();
    for (var run = 0; run < Arg(1, 10); run++)
    {
        var elapsed = await quorum.CrashLeaderAsync();
        times.Add(elapsed.TotalMilliseconds);
        Console.WriteLine($"run {run + 1}: new leader after {elapsed.TotalMilliseconds:F0} ms");
    }
    times.Sort();
    Console.WriteLine($"leader crash to new leader: median {times[times.Count / 2]:F0} ms, min {times[0]:F0} ms, max {times[^1]:F0} ms over {times.Count} runs");
    return;
}
Console.WriteLine($"leader: node {leader.Id}");
foreach (var inFlight in new[] { 1, 16, 128, 512 })
{
    var result = await Throughput.RunAsync(leader, TimeSpan.FromSeconds(Arg(1, 10)), Arg(2, 100), Arg(3, 10), inFlight);
    Console.WriteLine($"{inFlight,4} batches in flight x {Arg(3, 10)} records of {Arg(2, 100)} B: {result.RecordsPerSecond,10:N0} committed records/s, "
        + $"commit latency p50 {result.P50Ms:F2} ms, p99 {result.P99Ms:F2} ms");
}
