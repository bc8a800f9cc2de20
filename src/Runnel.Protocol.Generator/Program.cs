using Runnel.Protocol.Generator;

// Usage: dotnet run --project src/Runnel.Protocol.Generator [-- --check] [--root <repository root>]
var check = args.Contains("--check");
var rootIndex = Array.IndexOf(args, "--root");
var root = rootIndex >= 0 && rootIndex + 1 < args.Length ? args[rootIndex + 1] : GeneratorRun.FindRepositoryRoot(Environment.CurrentDirectory);
return GeneratorRun.Run(root, check, Console.Out, Console.Error);
