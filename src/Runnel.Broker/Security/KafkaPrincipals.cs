using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Runnel.Broker.Security;

/// <summary>
/// Principals as Kafka's DefaultKafkaPrincipalBuilder names them: "User:ANONYMOUS" without authentication, "User:" and
/// the SASL user name, or "User:" and a client certificate's subject in RFC 2253 form (what Java's
/// X500Principal.getName() returns, which ssl.principal.mapping.rules=DEFAULT keeps whole).
/// </summary>
internal static class KafkaPrincipals
{
    public const string Anonymous = "User:ANONYMOUS";

    public static string User(string name) => "User:" + name;

    private static readonly Dictionary<string, string> Keywords = new(StringComparer.Ordinal)
    {
        ["2.5.4.3"] = "CN",
        ["2.5.4.6"] = "C",
        ["2.5.4.7"] = "L",
        ["2.5.4.8"] = "ST",
        ["2.5.4.10"] = "O",
        ["2.5.4.11"] = "OU",
        ["2.5.4.9"] = "STREET",
        ["0.9.2342.19200300.100.1.25"] = "DC",
        ["0.9.2342.19200300.100.1.1"] = "UID",
    };

    /// <summary>
    /// RFC 2253: the most specific name first, RDNs joined by ',' and multi-valued parts by '+', the keywords Java
    /// knows (CN, C, L, ST, O, OU, STREET, DC, UID), any other attribute as its OID with the value's DER in hex.
    /// </summary>
    public static string Rfc2253(X500DistinguishedName name)
    {
        var rdns = new List<string>();
        var reader = new AsnReader(name.RawData, AsnEncodingRules.DER);
        var sequence = reader.ReadSequence();
        while (sequence.HasData)
        {
            var set = sequence.ReadSetOf();
            var parts = new List<string>();
            while (set.HasData)
            {
                var attribute = set.ReadSequence();
                var oid = attribute.ReadObjectIdentifier();
                var value = attribute.ReadEncodedValue();
                parts.Add(Keywords.TryGetValue(oid, out var keyword) && TryReadString(value, out var text)
                    ? $"{keyword}={Escape(text)}"
                    : $"{oid}=#{Convert.ToHexStringLower(value.Span)}");
            }
            rdns.Add(string.Join('+', parts));
        }
        rdns.Reverse();
        return string.Join(',', rdns);
    }

    private static bool TryReadString(ReadOnlyMemory<byte> encoded, out string text)
    {
        text = "";
        try
        {
            var reader = new AsnReader(encoded, AsnEncodingRules.BER);
            var tag = reader.PeekTag();
            if (tag.TagClass != TagClass.Universal)
                return false;
            var type = (UniversalTagNumber)tag.TagValue;
            if (type is not (UniversalTagNumber.UTF8String or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String
                or UniversalTagNumber.BMPString or UniversalTagNumber.T61String))
                return false;
            text = reader.ReadCharacterString(type);
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private static string Escape(string value)
    {
        var escaped = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is ',' or '+' or '"' or '\\' or '<' or '>' or ';' || (i == 0 && c is '#' or ' ') || (i == value.Length - 1 && c == ' '))
                escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
