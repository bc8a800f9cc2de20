using System.Security.Cryptography;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Metadata.Records;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Tests;

public sealed class ScramControlManagerTests
{
    private static readonly byte[] Salt = RandomNumberGenerator.GetBytes(32);

    private static AlterUserScramCredentialsRequest.ScramCredentialUpsertion Upsert(string user, sbyte mechanism = 1, int iterations = 4096) => new()
    {
        Name = user,
        Mechanism = mechanism,
        Iterations = iterations,
        Salt = Salt,
        SaltedPassword = Rfc2898DeriveBytes.Pbkdf2("secret"u8, Salt, iterations, mechanism == 2 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256, mechanism == 2 ? 64 : 32),
    };

    private static AlterUserScramCredentialsRequest.ScramCredentialDeletion Delete(string user, sbyte mechanism = 1) => new() { Name = user, Mechanism = mechanism };

    private static MetadataImage Apply(MetadataImage image, ControllerResult<AlterUserScramCredentialsResponse> result)
        => ImageTests.Replay(image, [.. result.Records]);

    private static Dictionary<string, ErrorCode> Errors(AlterUserScramCredentialsResponse response)
        => response.Results.ToDictionary(r => r.User, r => (ErrorCode)r.ErrorCode);

    [Fact]
    public void An_upsertion_keeps_the_salt_stored_key_and_server_key_derived_from_the_salted_password()
    {
        var upsertion = Upsert("alice", 2, 8192);
        var result = ScramControlManager.Alter(MetadataImage.Empty, new() { Upsertions = [upsertion] });
        Assert.Equal(ErrorCode.None, Errors(result.Response)["alice"]);
        var image = Apply(MetadataImage.Empty, result);
        var stored = image.Scram.Find("alice", ScramMechanismType.ScramSha512)!;
        Assert.Equal(Salt, stored.Salt);
        Assert.Equal(8192, stored.Iterations);
        Assert.Equal(SHA512.HashData(HMACSHA512.HashData(upsertion.SaltedPassword, "Client Key"u8.ToArray())), stored.StoredKey);
        Assert.Equal(HMACSHA512.HashData(upsertion.SaltedPassword, "Server Key"u8.ToArray()), stored.ServerKey);
        Assert.Null(image.Scram.Find("alice", ScramMechanismType.ScramSha256));
    }

    [Fact]
    public void Refusals_are_per_user_with_kafkas_errors_and_the_accepted_users_still_commit()
    {
        var result = ScramControlManager.Alter(MetadataImage.Empty, new()
        {
            Deletions = [Delete("ghost"), Delete("twice")],
            Upsertions = [Upsert("ok"), Upsert("few", iterations: 4095), Upsert("many", iterations: 16385), Upsert("odd", mechanism: 3), Upsert(""), Upsert("twice")],
        });
        var errors = Errors(result.Response);
        Assert.Equal(ErrorCode.None, errors["ok"]);
        Assert.Equal(ErrorCode.ResourceNotFound, errors["ghost"]);
        Assert.Equal(ErrorCode.UnacceptableCredential, errors["few"]);
        Assert.Equal(ErrorCode.UnacceptableCredential, errors["many"]);
        Assert.Equal(ErrorCode.UnsupportedSaslMechanism, errors["odd"]);
        Assert.Equal(ErrorCode.UnacceptableCredential, errors[""]);
        // "twice" was first refused as unknown, so its second mention is not looked at (as in Kafka).
        Assert.Equal(ErrorCode.ResourceNotFound, errors["twice"]);
        Assert.Equal("Too few iterations", result.Response.Results.Single(r => r.User == "few").ErrorMessage);
        var record = Assert.IsType<UserScramCredentialRecord>(Assert.Single(result.Records));
        Assert.Equal("ok", record.Name);
    }

    [Fact]
    public void A_user_named_twice_in_one_request_is_a_duplicate_even_for_another_mechanism()
    {
        var image = Apply(MetadataImage.Empty, ScramControlManager.Alter(MetadataImage.Empty, new() { Upsertions = [Upsert("bob")] }));
        var result = ScramControlManager.Alter(image, new() { Deletions = [Delete("bob")], Upsertions = [Upsert("bob", 2), Upsert("carol"), Upsert("carol", 2)] });
        Assert.Equal(ErrorCode.DuplicateResource, Errors(result.Response)["bob"]);
        Assert.Equal(ErrorCode.DuplicateResource, Errors(result.Response)["carol"]);
        Assert.Empty(result.Records);
    }

    [Fact]
    public void A_deletion_removes_the_credential_and_describe_shows_mechanisms_and_iterations_only()
    {
        var image = Apply(MetadataImage.Empty, ScramControlManager.Alter(MetadataImage.Empty, new() { Upsertions = [Upsert("bob"), Upsert("dave", 2, 5000)] }));
        image = Apply(image, ScramControlManager.Alter(image, new() { Upsertions = [Upsert("bob", 2)] }));
        var all = ScramControlManager.Describe(image, null);
        Assert.Equal(["bob", "dave"], all.Results.Select(r => r.User));
        Assert.Equal([(1, 4096), (2, 4096)], all.Results[0].CredentialInfos.Select(c => ((int)c.Mechanism, c.Iterations)));

        var deleted = ScramControlManager.Alter(image, new() { Deletions = [Delete("bob", 1)] });
        Assert.Equal(ErrorCode.None, Errors(deleted.Response)["bob"]);
        image = Apply(image, deleted);
        Assert.Null(image.Scram.Find("bob", ScramMechanismType.ScramSha256));
        Assert.NotNull(image.Scram.Find("bob", ScramMechanismType.ScramSha512));

        var named = ScramControlManager.Describe(image, ["dave", "nobody", "dave2", "dave2"]);
        Assert.Equal(5000, Assert.Single(named.Results.Single(r => r.User == "dave").CredentialInfos).Iterations);
        Assert.Equal((short)ErrorCode.ResourceNotFound, named.Results.Single(r => r.User == "nobody").ErrorCode);
        Assert.Equal((short)ErrorCode.DuplicateResource, named.Results.Single(r => r.User == "dave2").ErrorCode);
    }

    [Fact]
    public void Credentials_survive_a_snapshot_and_an_unknown_removal_is_refused_on_replay()
    {
        var image = Apply(MetadataImage.Empty, ScramControlManager.Alter(MetadataImage.Empty, new() { Upsertions = [Upsert("bob"), Upsert("dave", 2)] }));
        var loaded = MetadataSnapshot.Read(image.Offset + 1, MetadataSnapshot.Write(image, 1));
        Assert.Equal(image.Scram.Find("dave", ScramMechanismType.ScramSha512)!.StoredKey, loaded.Scram.Find("dave", ScramMechanismType.ScramSha512)!.StoredKey);
        Assert.Equal(2, loaded.Scram.Users.Count);
        Assert.Throws<InvalidDataException>(() => ImageTests.Replay(loaded, new RemoveUserScramCredentialRecord { Name = "bob", Mechanism = 2 }));
        Assert.Equal(MetadataRecordType.RemoveUserScramCredential, MetadataRecordSerde.TypeOf(new RemoveUserScramCredentialRecord()));
    }
}
