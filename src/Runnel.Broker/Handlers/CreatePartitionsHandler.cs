using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>CreatePartitions v0-3: grows topics; explicit assignments may only name this node. With an authorizer, a topic needs ALTER (TOPIC_AUTHORIZATION_FAILED).</summary>
internal sealed class CreatePartitionsHandler : ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse>
{
    public override ApiKey Key => ApiKey.CreatePartitions;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    protected override async ValueTask<CreatePartitionsResponse?> HandleAsync(RequestContext context, CreatePartitionsRequest request)
    {
        var response = new CreatePartitionsResponse();
        foreach (var topic in request.Topics)
        {
            var nodeId = context.Broker.NodeId;
            var result = !context.AuthorizeTopic(AclOperation.Alter, topic.Name)
                ? new Topics.TopicResult(ErrorCode.TopicAuthorizationFailed, "The topic authorization is failed.")
                : topic.Assignments is { } assignments && assignments.Any(a => a.BrokerIds.Count != 1 || a.BrokerIds[0] != nodeId)
                ? new Topics.TopicResult(ErrorCode.InvalidReplicaAssignment, $"Replica assignments may only name broker {nodeId}, once per partition.")
                : await context.Broker.Topics.AddPartitionsAsync(topic.Name, topic.Count, request.ValidateOnly).ConfigureAwait(false);
            response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult
            {
                Name = topic.Name,
                ErrorCode = (short)result.Error,
                ErrorMessage = result.Message,
            });
        }
        return response;
    }
}
