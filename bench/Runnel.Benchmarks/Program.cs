using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Runnel.Benchmarks -- --filter '*Batch*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Runnel.Benchmarks.Records.RecordBatchBenchmarks).Assembly).Run(args);
