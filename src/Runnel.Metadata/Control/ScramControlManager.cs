using System.Security.Cryptography;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>
/// SCRAM credentials (Kafka's ScramControlManager). A request's deletions and upsertions are decided per user: a user
/// named twice (in either list, any mechanism) is DUPLICATE_RESOURCE; an empty name UNACCEPTABLE_CREDENTIAL; an
/// unknown mechanism UNSUPPORTED_SASL_MECHANISM; iterations outside 4096..16384 UNACCEPTABLE_CREDENTIAL; deleting a
/// credential the image does not hold RESOURCE_NOT_FOUND. An upsertion carries the client's salted password; the
/// controller keeps only StoredKey and ServerKey derived from it. The records of every accepted user commit together.
/// </summary>
public static class ScramControlManager
{
    public const int MinIterations = 4096;
    public const int MaxIterations = 16384;

    private const string Duplicate = "A user credential cannot be altered twice in the same request";

    public static ControllerResult<AlterUserScramCredentialsResponse> Alter(MetadataImage image, AlterUserScramCredentialsRequest request)
    {
        var deletions = new Dictionary<string, AlterUserScramCredentialsRequest.ScramCredentialDeletion>(StringComparer.Ordinal);
        var upsertions = new Dictionary<string, AlterUserScramCredentialsRequest.ScramCredentialUpsertion>(StringComparer.Ordinal);
        var errors = new Dictionary<string, ApiError>(StringComparer.Ordinal);
        // Kafka answers in this order too: accepted deletions, accepted upsertions, then the refused users.
        foreach (var deletion in request.Deletions)
        {
            if (errors.ContainsKey(deletion.Name))
                continue;
            if (deletions.Remove(deletion.Name))
                errors[deletion.Name] = new ApiError(ErrorCode.DuplicateResource, Duplicate);
            else if (ValidateDeletion(image, deletion) is { Succeeded: false } error)
                errors[deletion.Name] = error;
            else
                deletions[deletion.Name] = deletion;
        }
        foreach (var upsertion in request.Upsertions)
        {
            if (errors.ContainsKey(upsertion.Name))
                continue;
            if (deletions.Remove(upsertion.Name) | upsertions.Remove(upsertion.Name))
                errors[upsertion.Name] = new ApiError(ErrorCode.DuplicateResource, Duplicate);
            else if (ValidateUpsertion(upsertion) is { Succeeded: false } error)
                errors[upsertion.Name] = error;
            else
                upsertions[upsertion.Name] = upsertion;
        }
        var records = new List<IKafkaMessage>();
        var response = new AlterUserScramCredentialsResponse();
        foreach (var deletion in deletions.Values)
        {
            records.Add(new RemoveUserScramCredentialRecord { Name = deletion.Name, Mechanism = deletion.Mechanism });
            response.Results.Add(Result(deletion.Name, ApiError.None));
        }
        foreach (var upsertion in upsertions.Values)
        {
            var mechanism = (ScramMechanismType)upsertion.Mechanism;
            records.Add(new UserScramCredentialRecord
            {
                Name = upsertion.Name,
                Mechanism = upsertion.Mechanism,
                Salt = upsertion.Salt,
                StoredKey = Hash(mechanism).Digest(Hash(mechanism).Hmac(upsertion.SaltedPassword, "Client Key"u8.ToArray())),
                ServerKey = Hash(mechanism).Hmac(upsertion.SaltedPassword, "Server Key"u8.ToArray()),
                Iterations = upsertion.Iterations,
            });
            response.Results.Add(Result(upsertion.Name, ApiError.None));
        }
        foreach (var (user, error) in errors)
            response.Results.Add(Result(user, error));
        return new(records, response);
    }

    /// <summary>DescribeUserScramCredentials against <paramref name="image"/>: mechanisms and iterations, never salts or keys.</summary>
    public static DescribeUserScramCredentialsResponse Describe(MetadataImage image, IReadOnlyList<string>? users)
    {
        var response = new DescribeUserScramCredentialsResponse();
        if (users is null || users.Count == 0)
        {
            foreach (var (user, credentials) in image.Scram.Users)
                response.Results.Add(Described(user, credentials));
            return response;
        }
        foreach (var group in users.GroupBy(u => u, StringComparer.Ordinal))
        {
            // Kafka's DescribeUserScramCredentials: a user named twice is DUPLICATE_RESOURCE, an unknown one RESOURCE_NOT_FOUND.
            if (group.Count() > 1)
                response.Results.Add(new() { User = group.Key, ErrorCode = (short)ErrorCode.DuplicateResource, ErrorMessage = $"Cannot describe SCRAM credentials for the same user twice in a single request: {group.Key}" });
            else if (image.Scram.Users.TryGetValue(group.Key, out var credentials))
                response.Results.Add(Described(group.Key, credentials));
            else
                response.Results.Add(new() { User = group.Key, ErrorCode = (short)ErrorCode.ResourceNotFound, ErrorMessage = $"Attempt to describe a user credential that does not exist: {group.Key}" });
        }
        return response;
    }

    private static DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult Described(string user,
        IReadOnlyDictionary<ScramMechanismType, ScramCredentialData> credentials) => new()
        {
            User = user,
            CredentialInfos = [.. credentials.Select(c => new DescribeUserScramCredentialsResponse.CredentialInfo { Mechanism = (sbyte)c.Key, Iterations = c.Value.Iterations })],
        };

    private static ApiError ValidateDeletion(MetadataImage image, AlterUserScramCredentialsRequest.ScramCredentialDeletion deletion)
    {
        var error = ValidateNameAndMechanism(deletion.Name, deletion.Mechanism);
        if (!error.Succeeded)
            return error;
        return image.Scram.Find(deletion.Name, (ScramMechanismType)deletion.Mechanism) is null
            ? new ApiError(ErrorCode.ResourceNotFound, "Attempt to delete a user credential that does not exist")
            : ApiError.None;
    }

    private static ApiError ValidateUpsertion(AlterUserScramCredentialsRequest.ScramCredentialUpsertion upsertion)
    {
        var error = ValidateNameAndMechanism(upsertion.Name, upsertion.Mechanism);
        if (!error.Succeeded)
            return error;
        if (upsertion.Iterations < MinIterations)
            return new ApiError(ErrorCode.UnacceptableCredential, "Too few iterations");
        if (upsertion.Iterations > MaxIterations)
            return new ApiError(ErrorCode.UnacceptableCredential, "Too many iterations");
        return ApiError.None;
    }

    private static ApiError ValidateNameAndMechanism(string name, sbyte mechanism)
    {
        if (name.Length == 0)
            return new ApiError(ErrorCode.UnacceptableCredential, "Username must not be empty");
        if (!ScramMechanisms.IsKnown(mechanism))
            return new ApiError(ErrorCode.UnsupportedSaslMechanism, "Unknown SCRAM mechanism");
        return ApiError.None;
    }

    private static AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult Result(string user, ApiError error)
        => new() { User = user, ErrorCode = (short)error.Error, ErrorMessage = error.Message };

    /// <summary>RFC 5802's functions for a known mechanism (validated before any credential is made).</summary>
    private static Net.Security.ScramMechanism Hash(ScramMechanismType mechanism)
        => mechanism == ScramMechanismType.ScramSha256 ? Net.Security.ScramMechanism.Sha256 : Net.Security.ScramMechanism.Sha512;
}
