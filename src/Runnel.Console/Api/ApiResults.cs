using Microsoft.AspNetCore.Http;
using Runnel.Client;
using Runnel.Protocol;

namespace Runnel.WebConsole.Api;

/// <summary>Runs an endpoint's work and turns a refusal by the cluster into a JSON error the pages show.</summary>
internal static class ApiResults
{
    public static async Task<IResult> Run(Func<Task<IResult>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (RunnelException e)
        {
            var status = e.ErrorCode switch
            {
                ErrorCode.UnknownTopicOrPartition or ErrorCode.GroupIdNotFound => StatusCodes.Status404NotFound,
                ErrorCode.TopicAlreadyExists or ErrorCode.NonEmptyGroup => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status400BadRequest,
            };
            return Error(e.Message, status, ErrorCodes.Name(e.ErrorCode));
        }
        catch (ArgumentException e)
        {
            return Error(e.Message, StatusCodes.Status400BadRequest);
        }
    }

    public static IResult Error(string message, int status, string? code = null) => Results.Json(new { error = message, code }, statusCode: status);
}
