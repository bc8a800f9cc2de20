using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Net.Security;
using Xunit.Abstractions;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// Bad input before authentication: garbage where a TLS handshake belongs, and a flood of connections that start
/// frames and never finish them. The broker closes what it must, its memory stays within the pre-authentication
/// frame cap per connection, and a real client is served throughout.
/// </summary>
public sealed class PreAuthenticationAbuseTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public void Dispose() => _certificates.Dispose();

    private static ConnectionSecurity Sasl(TestCertificates certificates, bool tls) => new(
        tls ? new TlsClientSettings { Trusted = [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(certificates.CaPath)] } : null,
        new SaslCredentials("PLAIN", SecureListeners.User, SecureListeners.Password));

    /// <summary>Reads until the broker closes the connection; false if it is still open after the wait.</summary>
    private static async Task<bool> ClosedByBrokerAsync(NetworkStream stream, TimeSpan wait)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [Theory]
    [InlineData("random")]
    [InlineData("kafka")]
    public async Task Garbage_instead_of_a_TLS_handshake_closes_that_connection_only(string garbage)
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, "SASL_SSL"));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", int.Parse(broker.Bootstrap.Split(':')[1], CultureInfo.InvariantCulture));
        var stream = tcp.GetStream();
        // "kafka": a plaintext ApiVersions v0 request, what a client that forgot security.protocol sends.
        byte[] bytes = garbage == "random" ? RandomNumberGenerator.GetBytes(16 * 1024) : [0, 0, 0, 14, 0, 18, 0, 0, 0, 0, 0, 1, 0, 4, 0x6b, 0x63, 0x61, 0x74];
        await stream.WriteAsync(bytes);
        Assert.True(await ClosedByBrokerAsync(stream, TimeSpan.FromSeconds(15)), "the broker left the connection open");

        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = broker.Bootstrap, Security = Sasl(_certificates, tls: true) });
        await admin.CreateTopicsAsync([new NewTopic("after-garbage", 1, 1)]);
        Assert.Contains("after-garbage", await admin.ListTopicsAsync());
    }

    [Fact]
    public async Task A_flood_of_unfinished_frames_stays_within_the_cap_and_a_real_client_is_served()
    {
        var port = BrokerProcess.FreePort();
        var settings = SecureListeners.Settings(_certificates, "SASL_PLAINTEXT");
        settings["listeners"] = $"SASL_PLAINTEXT://127.0.0.1:{port}";
        settings["advertised.listeners"] = $"SASL_PLAINTEXT://127.0.0.1:{port}";
        await using var broker = await BrokerProcess.StartAsync(port: port, overrides: settings);
        var before = ResidentKiB(broker.ProcessId);

        const int connections = 200;
        const int declared = 500 * 1024;
        const int sent = 400 * 1024;
        var flood = new List<TcpClient>();
        try
        {
            var frame = new byte[4 + sent];
            BinaryPrimitives.WriteInt32BigEndian(frame, declared);
            for (var i = 0; i < connections; i++)
            {
                var tcp = new TcpClient();
                flood.Add(tcp);
                await tcp.ConnectAsync("127.0.0.1", port);
                await tcp.GetStream().WriteAsync(frame);
            }
            // One over the cap (sasl.server.max.receive.size, 512 KiB) is closed at its size prefix.
            using (var oversized = new TcpClient())
            {
                await oversized.ConnectAsync("127.0.0.1", port);
                var header = new byte[4];
                BinaryPrimitives.WriteInt32BigEndian(header, 600 * 1024);
                await oversized.GetStream().WriteAsync(header);
                Assert.True(await ClosedByBrokerAsync(oversized.GetStream(), TimeSpan.FromSeconds(15)));
            }

            await using (var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = broker.Bootstrap, Security = Sasl(_certificates, tls: false) }))
            {
                await admin.CreateTopicsAsync([new NewTopic("during-flood", 1, 1)]);
                Assert.Contains("during-flood", await admin.ListTopicsAsync());
            }
            var during = ResidentKiB(broker.ProcessId);
            output.WriteLine($"resident {before} KiB before, {during} KiB with {connections} connections holding {sent / 1024} KiB each");
            // What the connections sent is held (up to the cap each), not multiplied: well under twice what they sent.
            Assert.True(during - before < 2L * connections * sent / 1024, $"resident grew by {during - before} KiB");
        }
        finally
        {
            foreach (var tcp in flood)
                tcp.Dispose();
        }
    }

    private static long ResidentKiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
