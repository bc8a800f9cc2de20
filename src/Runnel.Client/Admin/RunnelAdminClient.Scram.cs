using System.Security.Cryptography;
using System.Text;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Admin;

/// <summary>The SCRAM mechanisms (Kafka's ScramMechanism ids).</summary>
public enum ScramMechanism : sbyte
{
    ScramSha256 = 1,
    ScramSha512 = 2,
}

/// <summary>One credential of a user as the cluster describes it: the mechanism and its iteration count.</summary>
public sealed record ScramCredentialInfo(ScramMechanism Mechanism, int Iterations);

/// <summary>The outcome for one user of <see cref="RunnelAdminClient.AlterUserScramCredentialsAsync"/>.</summary>
public sealed record UserResult(string User, ErrorCode Error, string? ErrorMessage)
{
    public bool Succeeded => Error == ErrorCode.None;

    public override string ToString() => string.IsNullOrEmpty(ErrorMessage) ? $"{User}: {ErrorCodes.Name(Error)}" : $"{User}: {ErrorCodes.Name(Error)}: {ErrorMessage}";
}

/// <summary>A credential to create or replace (its password is salted here and never sent) or to delete.</summary>
public abstract record ScramCredentialAlteration(string User, ScramMechanism Mechanism);

/// <summary>Creates or replaces <see cref="ScramCredentialAlteration.User"/>'s credential for the mechanism.</summary>
public sealed record ScramCredentialUpsertion(string User, ScramMechanism Mechanism, string Password, int Iterations = 4096)
    : ScramCredentialAlteration(User, Mechanism);

/// <summary>Deletes <see cref="ScramCredentialAlteration.User"/>'s credential for the mechanism.</summary>
public sealed record ScramCredentialDeletion(string User, ScramMechanism Mechanism) : ScramCredentialAlteration(User, Mechanism);

/// <summary>
/// SCRAM users (Kafka's Admin.alterUserScramCredentials and describeUserScramCredentials, KIP-554). As Kafka's
/// AdminClient does, an upsertion's password is salted here (a random 32-byte salt, PBKDF2 with the mechanism's HMAC),
/// and only the salt and salted password go to the cluster.
/// </summary>
public sealed partial class RunnelAdminClient
{
    /// <summary>
    /// Creates, replaces or deletes credentials; one result per user named (UNACCEPTABLE_CREDENTIAL for too few or too
    /// many iterations, RESOURCE_NOT_FOUND for deleting a credential that does not exist, DUPLICATE_RESOURCE for a
    /// user named twice). Any broker takes the request and forwards it to the active controller.
    /// </summary>
    public async Task<IReadOnlyList<UserResult>> AlterUserScramCredentialsAsync(IEnumerable<ScramCredentialAlteration> alterations,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alterations);
        var request = new AlterUserScramCredentialsRequest();
        foreach (var alteration in alterations)
        {
            switch (alteration)
            {
                case ScramCredentialDeletion d:
                    request.Deletions.Add(new() { Name = d.User, Mechanism = (sbyte)d.Mechanism });
                    break;
                case ScramCredentialUpsertion u:
                    var salt = RandomNumberGenerator.GetBytes(32);
                    request.Upsertions.Add(new()
                    {
                        Name = u.User,
                        Mechanism = (sbyte)u.Mechanism,
                        Iterations = u.Iterations,
                        Salt = salt,
                        SaltedPassword = SaltedPassword(u.Mechanism, u.Password, salt, u.Iterations),
                    });
                    break;
            }
        }
        var connection = await _cluster.AnyAsync(cancellationToken).ConfigureAwait(false);
        var response = await connection.SendAsync<AlterUserScramCredentialsResponse>(ApiKey.AlterUserScramCredentials, request, cancellationToken).ConfigureAwait(false);
        return [.. response.Results.Select(r => new UserResult(r.User, (ErrorCode)r.ErrorCode, r.ErrorMessage))];
    }

    /// <summary>
    /// The credentials of the named users, or (null or empty) of every user: mechanisms and iterations only. Throws
    /// <see cref="RunnelException"/> naming the first user the cluster could not describe (RESOURCE_NOT_FOUND).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ScramCredentialInfo>>> DescribeUserScramCredentialsAsync(IEnumerable<string>? users = null,
        CancellationToken cancellationToken = default)
    {
        var request = new DescribeUserScramCredentialsRequest
        {
            Users = users is null ? null : [.. users.Select(u => new DescribeUserScramCredentialsRequest.UserName { Name = u })],
        };
        var connection = await _cluster.AnyAsync(cancellationToken).ConfigureAwait(false);
        var response = await connection.SendAsync<DescribeUserScramCredentialsResponse>(ApiKey.DescribeUserScramCredentials, request, cancellationToken).ConfigureAwait(false);
        RunnelException.ThrowIfError(response.ErrorCode, "Describing SCRAM users", response.ErrorMessage);
        var described = new SortedDictionary<string, IReadOnlyList<ScramCredentialInfo>>(StringComparer.Ordinal);
        foreach (var result in response.Results)
        {
            RunnelException.ThrowIfError(result.ErrorCode, $"Describing SCRAM user {result.User}", result.ErrorMessage);
            described[result.User] = [.. result.CredentialInfos.Select(c => new ScramCredentialInfo((ScramMechanism)c.Mechanism, c.Iterations))];
        }
        return described;
    }

    /// <summary>Hi(password, salt, i) of RFC 5802: PBKDF2 over the UTF-8 password (Kafka applies no SASLprep).</summary>
    private static byte[] SaltedPassword(ScramMechanism mechanism, string password, byte[] salt, int iterations)
        => (mechanism == ScramMechanism.ScramSha256 ? Net.Security.ScramMechanism.Sha256 : Net.Security.ScramMechanism.Sha512)
            .SaltedPassword(password, salt, iterations);
}
