using BenchmarkDotNet.Running;
using Runnel.Storage.Benchmarks;

// dotnet run -c Release --project bench/Runnel.Storage.Benchmarks -- --filter '*'      (BenchmarkDotNet)
// dotnet run -c Release --project bench/Runnel.Storage.Benchmarks -- --interleaved     (paired runs, median ratios)
// Set RUNNEL_BENCH_DIR to put the files on the disk under test (default: a temp dir).
if (args is ["--interleaved", ..])
    await Interleaved.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15).ConfigureAwait(false);
else
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
