using System.Text;
using Runnel.Net.Security;

namespace Runnel.Net.Tests.Security;

/// <summary>The SCRAM client against RFC 7677's SCRAM-SHA-256 example.</summary>
public sealed class ScramClientTests
{
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static ScramClient Client(string password = "pencil") => new(ScramMechanism.Sha256, "user", password, clientNonce: "rOprNGfwEbeRWgbNEkqO");

    private static string Next(ScramClient client, string challenge) => Encoding.UTF8.GetString(client.Next(Encoding.UTF8.GetBytes(challenge))!);

    [Fact]
    public void The_RFC_7677_exchange_gives_its_client_messages_and_verifies_the_server()
    {
        var client = Client();
        Assert.Equal("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", Next(client, ""));
        Assert.Equal("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", Next(client, ServerFirst));
        Assert.False(client.IsComplete);
        Assert.Null(client.Next(Encoding.UTF8.GetBytes(ServerFinal)));
        Assert.True(client.IsComplete);
    }

    [Fact]
    public void A_server_signature_made_without_the_credential_is_refused()
    {
        var client = Client("not-pencil");
        Next(client, "");
        Next(client, ServerFirst);
        Assert.Throws<SaslClientException>(() => client.Next(Encoding.UTF8.GetBytes(ServerFinal)));
        Assert.False(client.IsComplete);
    }

    [Theory]
    [InlineData("r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOxyz,s=not*base64,i=4096")]
    [InlineData("e=unknown-user")]
    public void A_server_first_message_that_breaks_the_rules_is_refused(string serverFirst)
    {
        var client = Client();
        Next(client, "");
        Assert.Throws<SaslClientException>(() => client.Next(Encoding.UTF8.GetBytes(serverFirst)));
    }

    [Fact]
    public void A_username_with_comma_and_equals_is_escaped()
    {
        var client = new ScramClient(ScramMechanism.Sha512, "a,b=c", "pw", clientNonce: "n0nce");
        Assert.Equal("n,,n=a=2Cb=3Dc,r=n0nce", Encoding.UTF8.GetString(client.Next([])!));
    }
}
