using Runnel.Protocol.Generator.Model;
using Runnel.Protocol.Generator.Parsing;

namespace Runnel.Protocol.Generator.Emit;

/// <summary>Emits the ApiKey enum, the API catalog (versions, flexible versions, factories) and the ErrorCode table.</summary>
internal static class CatalogEmitter
{
    public static void EmitApiCatalog(IReadOnlyList<MessageDefinition> messages, CodeBuilder code)
    {
        var requests = messages.Where(m => m.Kind == MessageKind.Request).OrderBy(m => m.ApiKey).ToList();
        var responses = messages.Where(m => m.Kind == MessageKind.Response).ToDictionary(m => m.ApiKey!.Value);
        code.Open("public enum ApiKey : short");
        foreach (var request in requests)
            code.Line($"{ApiName(request)} = {request.ApiKey},");
        code.Close();
        code.Line();
        code.Open("public static partial class ApiCatalog");
        code.Line("/// <summary>Every API this assembly can decode, ordered by key.</summary>");
        code.Line("public static IReadOnlyList<ApiDescriptor> All { get; } =");
        code.Line("[");
        foreach (var request in requests)
        {
            if (!responses.TryGetValue(request.ApiKey!.Value, out var response))
                throw new InvalidOperationException($"{request.Name} has no response");
            if (request.Versions != response.Versions)
                throw new InvalidOperationException($"{request.Name} and {response.Name} disagree on versions");
            code.Line($"    new(ApiKey.{ApiName(request)}, \"{ApiName(request)}\", {request.Versions.Low}, {request.Versions.High}, "
                + $"{FlexibleFrom(request)}, {FlexibleFrom(response)}, static () => new {request.Name}(), static () => new {response.Name}()),");
        }
        code.Line("];");
        code.Close();
    }

    private static string ApiName(MessageDefinition request) => request.Name[..^"Request".Length];

    private static string FlexibleFrom(MessageDefinition message)
        => message.FlexibleVersions.IsEmpty ? "ApiDescriptor.NeverFlexible" : message.FlexibleVersions.Low.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static void EmitErrorCodes(IReadOnlyList<ErrorDefinition> errors, CodeBuilder code)
    {
        code.Open("public enum ErrorCode : short");
        foreach (var error in errors)
            code.Line($"{PascalCase(error.Name)} = {error.Code},");
        code.Close();
        code.Line();
        code.Open("public static partial class ErrorCodes");
        code.Line("private static readonly ErrorCodeInfo[] Table =");
        code.Line("[");
        foreach (var error in errors)
            code.Line($"    new(ErrorCode.{PascalCase(error.Name)}, \"{error.Name}\", {(error.Retriable ? "true" : "false")}),");
        code.Line("];");
        code.Close();
    }

    private static string PascalCase(string upperSnake)
        => string.Concat(upperSnake.Split('_').Select(w => w[..1] + w[1..].ToLowerInvariant()));
}
