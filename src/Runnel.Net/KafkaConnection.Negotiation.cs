using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Net;

/// <summary>ApiVersions first, as every Kafka client does, with the KIP-511 downgrade for older peers.</summary>
public sealed partial class KafkaConnection
{
    private async Task<ApiVersionTable> NegotiateAsync(CancellationToken cancellationToken)
    {
        var version = ApiCatalog.Get(ApiKey.ApiVersions).HighestVersion;
        var request = new ApiVersionsRequest
        {
            ClientSoftwareName = _options.SoftwareName,
            ClientSoftwareVersion = _options.SoftwareVersion,
        };
        for (var attempt = 0; ; attempt++)
        {
            var response = (ApiVersionsResponse)await SendAsync(ApiKey.ApiVersions, version, request, new ApiVersionsResponse(), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response.ErrorCode == (short)ErrorCode.UnsupportedVersion && attempt == 0)
            {
                // KIP-511: the error reply lists the highest ApiVersions version the peer speaks.
                var entry = response.ApiKeys.Find(k => k.ApiKey == (short)ApiKey.ApiVersions);
                version = entry is null ? (short)0 : Math.Min(entry.MaxVersion, (short)(version - 1));
                continue;
            }
            if (response.ErrorCode != 0)
            {
                var code = (ErrorCode)response.ErrorCode;
                throw new KafkaConnectionException($"ApiVersions with {Name} failed with {ErrorCodes.Name(code)}") { ErrorCode = code };
            }
            return new ApiVersionTable(response, Name, _options.SupportedVersions);
        }
    }
}
