using System.Security.Cryptography;
using System.Text;
using Runnel.Broker.Security;
using Runnel.Net.Security;

namespace Runnel.Broker.Tests.Security;

/// <summary>The SCRAM server against RFC 7677's SCRAM-SHA-256 example and a client computed here for SHA-512.</summary>
public sealed class ScramServerTests
{
    private const string ClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static ScramServer Rfc7677Server(string password = "pencil")
    {
        var credential = ScramCredential.FromPassword(ScramMechanism.Sha256, password, Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        return new ScramServer(ScramMechanism.Sha256, user => user == "user" ? credential : null, () => ServerNonce);
    }

    private static string Evaluate(ScramServer server, string message) => Encoding.UTF8.GetString(server.EvaluateResponse(Encoding.UTF8.GetBytes(message)));

    [Fact]
    public void The_RFC_7677_exchange_gives_its_server_messages()
    {
        var server = Rfc7677Server();
        Assert.Equal(ServerFirst, Evaluate(server, ClientFirst));
        Assert.False(server.IsComplete);
        Assert.Equal(ServerFinal, Evaluate(server, ClientFinal));
        Assert.True(server.IsComplete);
        Assert.Equal("user", server.Username);
    }

    [Fact]
    public void A_proof_made_with_another_password_fails()
    {
        var server = Rfc7677Server("not-pencil");
        Evaluate(server, ClientFirst);
        var e = Assert.Throws<SaslAuthenticationException>(() => Evaluate(server, ClientFinal));
        Assert.Contains("invalid credentials with SASL mechanism SCRAM-SHA-256", e.Message, StringComparison.Ordinal);
        Assert.False(server.IsComplete);
    }

    [Fact]
    public void An_unknown_user_fails_with_the_same_message_as_a_wrong_password()
    {
        var server = Rfc7677Server();
        var e = Assert.Throws<SaslAuthenticationException>(() => Evaluate(server, "n,,n=mallory,r=abc"));
        Assert.Equal("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256", e.Message);
    }

    [Theory]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")] // the client's nonce without the server's part
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0X,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")]
    public void The_final_message_must_repeat_the_combined_nonce(string clientFinal)
    {
        var server = Rfc7677Server();
        Evaluate(server, ClientFirst);
        Assert.Throws<SaslAuthenticationException>(() => Evaluate(server, clientFinal));
    }

    [Theory]
    [InlineData("y,,n=user,r=abc")]
    [InlineData("p=tls-unique,,n=user,r=abc")]
    [InlineData("n,,r=abc")]
    [InlineData("n,,n=user,r=")]
    [InlineData("n,,n=us=er,r=abc")]
    [InlineData("n,,n=user,r=abc,ext=1")]
    [InlineData("n,a=other,n=user,r=abc")]
    public void Client_first_messages_Kafka_refuses_are_refused(string clientFirst)
    {
        Assert.Throws<SaslAuthenticationException>(() => Evaluate(Rfc7677Server(), clientFirst));
    }

    [Fact]
    public void A_credential_below_4096_iterations_is_refused()
    {
        var weak = ScramCredential.FromPassword(ScramMechanism.Sha256, "pencil", [1, 2, 3], 4095);
        var server = new ScramServer(ScramMechanism.Sha256, _ => weak);
        Assert.Throws<SaslAuthenticationException>(() => Evaluate(server, ClientFirst));
    }

    [Fact]
    public void SHA_512_with_a_random_server_nonce_completes_for_a_client_that_knows_the_password()
    {
        var mechanism = ScramMechanism.Sha512;
        var credential = ScramCredential.Create(mechanism, "s3cret", 4096);
        var server = new ScramServer(mechanism, user => user == "a,b=c" ? credential : null);
        const string bare = "n=a=2Cb=3Dc,r=clientnonce";
        var serverFirst = Evaluate(server, "n,," + bare);
        var parts = serverFirst.Split(',').ToDictionary(p => p[..1], p => p[2..]);
        Assert.StartsWith("clientnonce", parts["r"], StringComparison.Ordinal);
        Assert.True(parts["r"].Length > "clientnonce".Length);
        Assert.Equal("4096", parts["i"]);

        var salted = mechanism.SaltedPassword("s3cret", Convert.FromBase64String(parts["s"]), 4096);
        var clientKey = HMACSHA512.HashData(salted, "Client Key"u8.ToArray());
        var withoutProof = $"c=biws,r={parts["r"]}";
        var authMessage = Encoding.UTF8.GetBytes($"{bare},{serverFirst},{withoutProof}");
        var signature = HMACSHA512.HashData(SHA512.HashData(clientKey), authMessage);
        var proof = clientKey.Zip(signature, (k, s) => (byte)(k ^ s)).ToArray();
        var serverFinal = Evaluate(server, $"{withoutProof},p={Convert.ToBase64String(proof)}");

        var serverKey = HMACSHA512.HashData(salted, "Server Key"u8.ToArray());
        Assert.Equal("v=" + Convert.ToBase64String(HMACSHA512.HashData(serverKey, authMessage)), serverFinal);
        Assert.Equal("a,b=c", server.Username);
    }
}
