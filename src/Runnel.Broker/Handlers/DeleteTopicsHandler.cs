using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DeleteTopics v0-6: by name (v0-5) or by name or id (v6). Deletion is refused with TOPIC_DELETION_DISABLED when
/// delete.topic.enable is false; an unknown name gives UNKNOWN_TOPIC_OR_PARTITION, an unknown id UNKNOWN_TOPIC_ID.
/// With an authorizer, a topic needs DELETE (TOPIC_AUTHORIZATION_FAILED); one named by id that the principal may not
/// DESCRIBE answers TOPIC_AUTHORIZATION_FAILED without its name.
/// </summary>
internal sealed class DeleteTopicsHandler : ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse>
{
    public override ApiKey Key => ApiKey.DeleteTopics;

    public override short MinVersion => 0;

    public override short MaxVersion => 6;

    protected override async ValueTask<DeleteTopicsResponse?> HandleAsync(RequestContext context, DeleteTopicsRequest request)
    {
        var topics = context.Broker.Topics;
        var requested = context.Version >= 6
            ? request.Topics.Select(t => (t.Name, t.TopicId))
            : request.TopicNames.Select(name => ((string?)name, Guid.Empty));
        var response = new DeleteTopicsResponse();
        foreach (var (name, id) in requested)
        {
            var reply = new DeleteTopicsResponse.DeletableTopicResult { Name = name, TopicId = id };
            var topic = name is not null ? topics.Find(name) : topics.Find(id);
            if (topic is null && name is null)
            {
                reply.ErrorCode = (short)ErrorCode.UnknownTopicId;
            }
            else if (name is null && !context.AuthorizeTopic(AclOperation.Describe, topic!.Name))
            {
                // Kafka hides the name from a client that may not describe the topic; the id is not secret.
                reply.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
            }
            else if (!context.AuthorizeTopic(AclOperation.Delete, topic?.Name ?? name!))
            {
                reply.Name = topic?.Name ?? name;
                reply.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
            }
            else
            {
                var result = await topics.DeleteAsync(topic?.Name ?? name!).ConfigureAwait(false);
                reply.Name = topic?.Name ?? name;
                reply.TopicId = topic?.Id ?? id;
                reply.ErrorCode = (short)result.Error;
                reply.ErrorMessage = result.Message;
            }
            response.Responses.Add(reply);
        }
        return response;
    }
}
