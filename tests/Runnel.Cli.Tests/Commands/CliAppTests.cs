using Runnel.Cli.Tests.Support;

namespace Runnel.Cli.Tests.Commands;

public class CliAppTests
{
    [Fact]
    public async Task No_command_prints_usage_and_fails_as_bad_usage()
    {
        var result = await CliRun.RunAsync();
        Assert.Equal(CliApp.BadUsage, result.ExitCode);
        Assert.Contains("Usage: runnel <command>", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_for_a_command_lists_its_kafka_spellings()
    {
        var result = await CliRun.RunAsync("consume", "--help");
        Assert.Equal(CliApp.Ok, result.ExitCode);
        Assert.Contains("--from-beginning", result.Out, StringComparison.Ordinal);
        Assert.Contains("--bootstrap-server, --bootstrap-servers, --broker-list, -b", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_commands_and_options_are_usage_errors()
    {
        Assert.Equal(CliApp.BadUsage, (await CliRun.RunAsync("frobnicate")).ExitCode);
        var result = await CliRun.RunAsync("topic", "--list", "--wat");
        Assert.Equal(CliApp.BadUsage, result.ExitCode);
        Assert.StartsWith("runnel topic: Unknown option '--wat'.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_reads_where_it_left_off_so_explicit_positions_are_a_usage_error()
    {
        var result = await CliRun.RunAsync("consume", "--topic", "t", "--group", "g1", "--partition", "0");
        Assert.Equal(CliApp.BadUsage, result.ExitCode);
        Assert.Contains("--group reads where the group left off", result.Error, StringComparison.Ordinal);
        var noGroup = await CliRun.RunAsync("group", "describe");
        Assert.Equal(CliApp.BadUsage, noGroup.ExitCode);
    }

    [Fact]
    public async Task An_unreachable_broker_is_a_clear_failure()
    {
        var result = await CliRun.RunAsync("topic", "list", "--bootstrap-server", "127.0.0.1:1");
        Assert.Equal(CliApp.Failed, result.ExitCode);
        Assert.Contains("No bootstrap server answered (127.0.0.1:1)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_with_an_invalid_config_names_the_key_and_fails()
    {
        var result = await CliRun.RunAsync("server", "--override", "num.partitions=many");
        Assert.Equal(CliApp.Failed, result.ExitCode);
        Assert.Contains("num.partitions", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_with_a_missing_properties_file_fails()
    {
        var result = await CliRun.RunAsync("server", Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.properties"));
        Assert.Equal(CliApp.Failed, result.ExitCode);
        Assert.Contains("cannot read", result.Error, StringComparison.Ordinal);
    }
}
