using System.Globalization;

namespace Runnel.Storage.Tests;

/// <summary>
/// Seeded random operations against a simple model of the log (a list of batches, a start offset and the durable
/// end), through the fault layer: append, read, roll, flush, truncate, DeleteRecords, retention, a full disk,
/// failing writes, crashes with and without torn write-back, and clean restarts. Every step is checked against the
/// model, and the failing seed and step are printed. STORAGE_FUZZ_SEED replays one seed; STORAGE_FUZZ_STEPS runs longer.
/// </summary>
public sealed class RandomOperationTests
{
    private static readonly int Steps = int.TryParse(Environment.GetEnvironmentVariable("STORAGE_FUZZ_STEPS"), CultureInfo.InvariantCulture, out var s) ? s : 400;

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        if (int.TryParse(Environment.GetEnvironmentVariable("STORAGE_FUZZ_SEED"), CultureInfo.InvariantCulture, out var seed))
            data.Add(seed);
        else
            for (var i = 1; i <= 12; i++)
                data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Log_matches_the_model(int seed)
    {
        var run = new ModelRun(seed);
        try
        {
            for (var step = 0; step < Steps; step++)
            {
                run.Step = step;
                run.DoRandomOperation();
                if (Environment.GetEnvironmentVariable("STORAGE_FUZZ_TRACE") is not null)
                    Console.Error.WriteLine($"{step}: {run.History.LastOrDefault()} -> {run.Describe()} :: {run.DrainMessages()}");
                run.CheckBounds();
                if (step % 25 == 0)
                    run.CheckEverything();
            }
            run.CheckEverything();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"Seed {seed} failed at step {run.Step} after: {string.Join(", ", run.History.TakeLast(8))}; {run.Describe()}", e);
        }
        finally
        {
            run.Dispose();
        }
    }
}
