namespace Runnel.Storage.Tests;

/// <summary>A clock the test moves by hand; starts at a fixed instant so runs are deterministic.</summary>
internal sealed class TestClock : TimeProvider
{
    private DateTimeOffset _now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public long NowMs => _now.ToUnixTimeMilliseconds();

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(long ms) => _now = _now.AddMilliseconds(ms);
}
