namespace Runnel.Broker.Configuration;

/// <summary>Kafka's authorizer keys (StandardAuthorizer's), with Kafka's names and defaults.</summary>
public static class AuthorizerConfigs
{
    public const string ClassName = "authorizer.class.name";
    public const string SuperUsers = "super.users";
    public const string AllowEveryoneIfNoAclFound = "allow.everyone.if.no.acl.found";

    /// <summary>The KRaft authorizer Kafka ships; the only one Runnel implements.</summary>
    public const string StandardAuthorizer = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

    /// <summary>Kafka's ZooKeeper-era authorizer, taken as <see cref="StandardAuthorizer"/> (its ACL semantics are the same).</summary>
    public const string LegacyAclAuthorizer = "kafka.security.authorizer.AclAuthorizer";

    public static IReadOnlyList<ConfigDefinition> All { get; } =
    [
        new(ClassName, ConfigType.String, "", $"the authorizer: empty (none, every request allowed) or {StandardAuthorizer}") { Allowed = ["", StandardAuthorizer, LegacyAclAuthorizer] },
        new(SuperUsers, ConfigType.String, "", "principals allowed everything, separated by semicolons (User:admin;User:broker)"),
        new(AllowEveryoneIfNoAclFound, ConfigType.Boolean, "false", "allow a request on a resource no ACL names"),
    ];
}
