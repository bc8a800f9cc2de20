using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// ConsumerGroupDescribe v0 (KIP-848; see <see cref="GroupCoordinator.DescribeConsumerGroup"/>): per group its state,
/// group and assignment epochs, assignor, and members with epochs, subscriptions and current and target assignments.
/// Authorized operations when asked. With an authorizer, a group needs DESCRIBE (GROUP_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class ConsumerGroupDescribeHandler : ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>
{
    public override ApiKey Key => ApiKey.ConsumerGroupDescribe;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<ConsumerGroupDescribeResponse?> HandleAsync(RequestContext context, ConsumerGroupDescribeRequest request)
    {
        var response = new ConsumerGroupDescribeResponse();
        foreach (var groupId in request.GroupIds)
        {
            if (!context.AuthorizeGroup(AclOperation.Describe, groupId))
            {
                response.Groups.Add(new ConsumerGroupDescribeResponse.DescribedGroup { GroupId = groupId, ErrorCode = (short)ErrorCode.GroupAuthorizationFailed });
                continue;
            }
            var described = context.Broker.Groups.DescribeConsumerGroup(groupId);
            if (request.IncludeAuthorizedOperations && described.ErrorCode == 0)
                described.AuthorizedOperations = context.AuthorizedOperations(AclResourceType.Group, groupId, GroupCoordinator.AllGroupOperations);
            response.Groups.Add(described);
        }
        return new(response);
    }
}
