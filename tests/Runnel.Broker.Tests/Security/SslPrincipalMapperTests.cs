using Runnel.Broker.Security;

namespace Runnel.Broker.Tests.Security;

/// <summary>ssl.principal.mapping.rules with the examples of Kafka's documentation and SslPrincipalMapperTest.</summary>
public sealed class SslPrincipalMapperTests
{
    [Theory]
    [InlineData("DEFAULT", "CN=Duke,OU=ServiceUsers,O=Org,C=US", "CN=Duke,OU=ServiceUsers,O=Org,C=US")]
    [InlineData("RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,DEFAULT", "CN=Duke,OU=ServiceUsers,O=Org,C=US", "Duke")]
    [InlineData("RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,DEFAULT", "CN=Duke,OU=JavaSoft,O=Sun Microsystems", "CN=Duke,OU=JavaSoft,O=Sun Microsystems")]
    [InlineData("RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT", "CN=Duke,OU=ServiceUsers,O=Org,C=US", "duke")]
    [InlineData("RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/U", "CN=Duke,OU=ServiceUsers,O=Org,C=US", "DUKE")]
    [InlineData("RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L", "CN=Kafka,OU=Dev,O=Org,L=Santa Clara,ST=CA,C=US", "kafka@dev")]
    [InlineData("RULE:^CN=([^,ADEFLTU,]+)(,.*|$)/$1/", "CN=xyz,OU=Dev", "xyz")]
    [InlineData("RULE:^CN=(.*?),OU=(.*?)$/$1$3/", "CN=a,OU=b", "a$3")]
    [InlineData("RULE:^CN=(.*?),OU=(.*?)$/$12/", "CN=a,OU=b", "a2")]
    [InlineData(@"RULE:^CN=(.*?),OU=(.*?)$/\$1 $2/", "CN=a,OU=b", "$1 b")]
    public void Rules_map_names_as_Kafka_does(string rules, string name, string expected)
        => Assert.Equal(expected, SslPrincipalMapper.Parse(rules).Name(name));

    [Fact]
    public void A_name_no_rule_matches_has_no_principal()
        => Assert.Null(SslPrincipalMapper.Parse("RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/").Name("CN=Duke,OU=Other"));

    [Theory]
    [InlineData("DEFAULT, RULE:^CN=(.*?)$/$1/X")]
    [InlineData("RULE:^CN=(.*?)$/$1")]
    [InlineData("BOGUS")]
    public void Invalid_rules_are_refused(string rules)
        => Assert.Throws<ArgumentException>(() => SslPrincipalMapper.Parse(rules));
}
