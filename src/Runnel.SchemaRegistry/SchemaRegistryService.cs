using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.SchemaRegistry.Compatibility;
using Runnel.SchemaRegistry.Formats;
using Runnel.SchemaRegistry.Model;
using Runnel.SchemaRegistry.Store;

namespace Runnel.SchemaRegistry;

/// <summary>
/// The registry's operations (what Confluent's REST API calls), over the state the <c>_schemas</c> log builds. Reads
/// first sync with the log (so a read on any broker sees every write acknowledged before it); writes are decided on
/// the synced state, appended, and confirmed once read back, retried when another node's write took the version or
/// id first. Writes of this node are serialised by one lock, so they do not race each other.
/// </summary>
public sealed partial class SchemaRegistryService : IAsyncDisposable
{
    private const int WriteAttempts = 5;

    private readonly RegistryState _state = new();
    private readonly RegistryLog _log;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public SchemaRegistryService(SchemaRegistryOptions options, ILoggerFactory? loggerFactory = null)
    {
        _log = new RegistryLog(options, _state, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Runnel.SchemaRegistry"));
    }

    /// <summary>Waits until the registry has read its log as far as it was when called.</summary>
    public Task SyncAsync(CancellationToken cancellationToken) => _log.SyncAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> SubjectsAsync(bool includeDeleted, CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken).ConfigureAwait(false);
        return _state.Subjects(includeDeleted);
    }

    public async Task<IReadOnlyList<SchemaVersion>> VersionsAsync(string subject, bool includeDeleted, CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken).ConfigureAwait(false);
        var versions = _state.Versions(subject, includeDeleted);
        if (versions is null || versions.Count == 0)
            throw RegistryException.SubjectNotFound(subject);
        return versions;
    }

    /// <summary>One version ("latest" or a number), a soft-deleted one only when asked.</summary>
    public async Task<SchemaVersion> VersionAsync(string subject, string version, bool includeDeleted, CancellationToken cancellationToken)
    {
        var number = ParseVersion(version);
        var versions = await VersionsAsync(subject, includeDeleted, cancellationToken).ConfigureAwait(false);
        var found = number is null ? versions[^1] : versions.FirstOrDefault(v => v.Version == number);
        return found ?? throw RegistryException.VersionNotFound(subject, number ?? 0);
    }

    public async Task<SchemaVersion> SchemaByIdAsync(int id, CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken).ConfigureAwait(false);
        return _state.ById(id) ?? throw RegistryException.SchemaNotFound();
    }

    public async Task<IReadOnlyList<SchemaVersion>> VersionsOfIdAsync(int id, bool includeDeleted, CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken).ConfigureAwait(false);
        if (_state.ById(id) is null)
            throw RegistryException.SchemaNotFound();
        return _state.VersionsOfId(id, includeDeleted);
    }

    /// <summary>The ids of the live versions whose references name <paramref name="target"/>.</summary>
    public async Task<IReadOnlyList<int>> ReferencedByAsync(SchemaVersion target, CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken).ConfigureAwait(false);
        return [.. _state.ReferencedBy(target.Subject, target.Version).Where(v => !v.Deleted).Select(v => v.Id).Distinct()];
    }

    /// <summary>POST /subjects/{s}: the version of the subject that has this schema.</summary>
    public async Task<SchemaVersion> LookupAsync(string subject, string schemaType, string schema, IReadOnlyList<SchemaReference> references, bool includeDeleted, CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken).ConfigureAwait(false);
        var versions = _state.Versions(subject, includeDeleted);
        if (versions is null || versions.Count == 0)
            throw RegistryException.SubjectNotFound(subject);
        var parsed = Parse(schemaType, schema, references);
        return versions.LastOrDefault(v => v.SameContent(parsed.SchemaType, parsed.Canonical, parsed.References))
            ?? throw RegistryException.SchemaNotFound();
    }

    /// <summary>
    /// Registers a schema under a subject: the existing version when the subject has it already, else a new version
    /// after the compatibility check, with the id the same schema has anywhere, or a new one.
    /// </summary>
    public async Task<SchemaVersion> RegisterAsync(string subject, string schemaType, string schema, IReadOnlyList<SchemaReference> references, CancellationToken cancellationToken)
    {
        ValidateSubject(subject);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; attempt < WriteAttempts; attempt++)
            {
                await SyncAsync(cancellationToken).ConfigureAwait(false);
                CheckWritable(subject);
                var parsed = Parse(schemaType, schema, references);
                var all = _state.Versions(subject, includeDeleted: true) ?? [];
                var live = all.Where(v => !v.Deleted).ToList();
                if (live.LastOrDefault(v => v.SameContent(parsed.SchemaType, parsed.Canonical, parsed.References)) is { } existing)
                    return existing;
                var level = EffectiveCompatibility(subject);
                var messages = CompatibilityChecker.Check(level, parsed, [.. live.Select(v => Parse(v.SchemaType, v.Schema, v.References))]);
                if (messages.Count > 0)
                    throw RegistryException.Incompatible(subject, messages);
                var id = _state.IdOf(parsed.SchemaType, parsed.Canonical, parsed.References) ?? _state.MaxId + 1;
                var version = all.Count == 0 ? 1 : all[^1].Version + 1;
                var record = new SchemaVersion(subject, version, id, parsed.SchemaType, parsed.Canonical, parsed.References, Deleted: false);
                await _log.WriteAsync([(RegistryRecords.SchemaKey(subject, version), RegistryRecords.SchemaValue(record))], cancellationToken).ConfigureAwait(false);
                var stored = _state.Versions(subject, includeDeleted: true)?.FirstOrDefault(v => v.Version == version);
                if (stored is not null && stored.Id == id && stored.SameContent(record.SchemaType, record.Schema, record.References))
                    return stored;
                await RepairLostWriteAsync(subject, version, stored, cancellationToken).ConfigureAwait(false);
            }
            throw RegistryException.Store($"registering under '{subject}' lost to concurrent writes {WriteAttempts} times");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Our record was refused (another node's write took the version or the id first). Its key must not outlive the
    /// winner's in the compacted topic: rewrite the winner's value under it, or a tombstone when no version is there.
    /// </summary>
    private Task RepairLostWriteAsync(string subject, int version, SchemaVersion? winner, CancellationToken cancellationToken) =>
        _log.WriteAsync([(RegistryRecords.SchemaKey(subject, version), winner is null ? null : RegistryRecords.SchemaValue(winner))], cancellationToken);

    private ParsedSchema Parse(string schemaType, string schema, IReadOnlyList<SchemaReference> references)
    {
        var resolved = new List<string>();
        ResolveReferences(references, resolved, []);
        return ParsedSchema.Parse(schemaType, schema, references, resolved);
    }

    /// <summary>The text of every schema the references reach, dependencies first; a missing one is 42201 as Confluent's.</summary>
    private void ResolveReferences(IReadOnlyList<SchemaReference> references, List<string> resolved, HashSet<(string, int)> seen)
    {
        foreach (var reference in references)
        {
            if (!seen.Add((reference.Subject, reference.Version)))
                continue;
            var target = _state.Versions(reference.Subject, includeDeleted: true)?.FirstOrDefault(v => v.Version == reference.Version)
                ?? throw RegistryException.InvalidSchema($"reference {reference.Name} to subject '{reference.Subject}' version {reference.Version} not found");
            ResolveReferences(target.References, resolved, seen);
            resolved.Add(target.Schema);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _log.DisposeAsync().ConfigureAwait(false);
        _writeLock.Dispose();
    }
}
