using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Runnel.Benchmarks -- --filter '*Batch*' --job short
// On a shared, busy machine add --iterationCount 15 --warmupCount 8: three iterations are too few to average out noise.
BenchmarkSwitcher.FromAssembly(typeof(Runnel.Benchmarks.Records.RecordBatchBenchmarks).Assembly).Run(args);
