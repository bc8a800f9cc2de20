namespace Runnel.SchemaRegistry.Model;

/// <summary>
/// A request the registry refuses, with Confluent's error code (its first three digits are the HTTP status: 40401
/// subject not found -> 404) and message, sent as <c>{"error_code":40401,"message":"..."}</c>.
/// </summary>
public sealed class RegistryException(int errorCode, string message) : Exception(message)
{
    public int ErrorCode { get; } = errorCode;

    /// <summary>The HTTP status: the code itself when it has three digits (409), else its first three digits.</summary>
    public int HttpStatus => ErrorCode < 1000 ? ErrorCode : ErrorCode / 100;

    public static RegistryException SubjectNotFound(string subject) => new(40401, $"Subject '{subject}' not found.");

    public static RegistryException VersionNotFound(string subject, int version) => new(40402, $"Version {version} not found.");

    public static RegistryException SchemaNotFound(string detail = "Schema not found") => new(40403, detail);

    public static RegistryException SubjectSoftDeleted(string subject) => new(40404, $"Subject '{subject}' was soft deleted.Set permanent=true to delete permanently");

    public static RegistryException SubjectNotSoftDeleted(string subject) => new(40405, $"Subject '{subject}' was not deleted first before being permanently deleted");

    public static RegistryException VersionSoftDeleted(string subject, int version) => new(40406, $"Subject '{subject}' Version {version} was soft deleted.Set permanent=true to delete permanently");

    public static RegistryException VersionNotSoftDeleted(string subject, int version) => new(40407, $"Subject '{subject}' Version {version} was not deleted first before being permanently deleted");

    public static RegistryException SubjectCompatibilityNotConfigured(string subject) => new(40408, $"Subject '{subject}' does not have subject-level compatibility configured");

    public static RegistryException SubjectModeNotConfigured(string subject) => new(40409, $"Subject '{subject}' does not have subject-level mode configured");

    public static RegistryException Incompatible(string subject, IEnumerable<string> messages) =>
        new(409, $"Schema being registered is incompatible with an earlier schema for subject \"{subject}\", details: [{string.Join(", ", messages)}]");

    public static RegistryException InvalidSchema(string detail) => new(42201, $"Invalid schema {detail}");

    public static RegistryException InvalidVersion(string version) => new(42202, $"The specified version '{version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");

    public static RegistryException InvalidCompatibility(string level) => new(42203, $"Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive, not '{level}'");

    public static RegistryException InvalidMode(string mode) => new(42204, $"Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE and IMPORT, not '{mode}'");

    public static RegistryException OperationNotPermitted(string detail) => new(42205, detail);

    public static RegistryException ReferenceExists(string detail) => new(42206, detail);

    public static RegistryException Store(string detail) => new(50001, $"Error while storing the schema: {detail}");

    public static RegistryException Timeout(string detail) => new(50002, detail);
}
