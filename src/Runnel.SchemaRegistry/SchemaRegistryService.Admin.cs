using Runnel.SchemaRegistry.Compatibility;
using Runnel.SchemaRegistry.Model;
using Runnel.SchemaRegistry.Store;

namespace Runnel.SchemaRegistry;

/// <summary>Deletes, configs, modes and compatibility tests.</summary>
public sealed partial class SchemaRegistryService
{
    /// <summary>DELETE /subjects/{s}: soft (the versions stay, marked deleted) or, once soft-deleted, permanent.</summary>
    public async Task<IReadOnlyList<int>> DeleteSubjectAsync(string subject, bool permanent, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SyncAsync(cancellationToken).ConfigureAwait(false);
            CheckWritable(subject);
            var all = _state.Versions(subject, includeDeleted: true);
            if (all is null || all.Count == 0)
                throw RegistryException.SubjectNotFound(subject);
            var live = all.Where(v => !v.Deleted).ToList();
            if (!permanent)
            {
                if (live.Count == 0)
                    throw RegistryException.SubjectSoftDeleted(subject);
                CheckNotReferenced(live);
                await _log.WriteAsync([(RegistryRecords.SubjectKey(RegistryRecords.DeleteSubject, subject),
                    RegistryRecords.Bytes(new System.Text.Json.Nodes.JsonObject { ["subject"] = subject, ["version"] = all[^1].Version }))], cancellationToken).ConfigureAwait(false);
                return [.. live.Select(v => v.Version)];
            }
            if (live.Count > 0)
                throw RegistryException.SubjectNotSoftDeleted(subject);
            CheckNotReferenced(all);
            var records = new List<(byte[], byte[]?)>
            {
                (RegistryRecords.SubjectKey(RegistryRecords.ClearSubject, subject),
                    RegistryRecords.Bytes(new System.Text.Json.Nodes.JsonObject { ["subject"] = subject, ["version"] = all[^1].Version, ["maxId"] = _state.MaxId })),
            };
            records.AddRange(all.Select(v => (RegistryRecords.SchemaKey(subject, v.Version), (byte[]?)null)));
            await _log.WriteAsync(records, cancellationToken).ConfigureAwait(false);
            return [.. all.Select(v => v.Version)];
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>DELETE /subjects/{s}/versions/{v}: soft, or permanent for a soft-deleted version.</summary>
    public async Task<int> DeleteVersionAsync(string subject, string version, bool permanent, CancellationToken cancellationToken)
    {
        var number = ParseVersion(version);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SyncAsync(cancellationToken).ConfigureAwait(false);
            CheckWritable(subject);
            var all = _state.Versions(subject, includeDeleted: true);
            if (all is null || all.Count == 0)
                throw RegistryException.SubjectNotFound(subject);
            var target = number is null ? all.LastOrDefault(v => !v.Deleted) : all.FirstOrDefault(v => v.Version == number);
            if (target is null)
                throw RegistryException.VersionNotFound(subject, number ?? 0);
            if (!permanent && target.Deleted)
                throw RegistryException.VersionSoftDeleted(subject, target.Version);
            if (permanent && !target.Deleted)
                throw RegistryException.VersionNotSoftDeleted(subject, target.Version);
            CheckNotReferenced([target]);
            var value = permanent ? null : RegistryRecords.SchemaValue(target with { Deleted = true });
            await _log.WriteAsync([(RegistryRecords.SchemaKey(subject, target.Version), value)], cancellationToken).ConfigureAwait(false);
            return target.Version;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void CheckNotReferenced(IEnumerable<SchemaVersion> versions)
    {
        foreach (var version in versions)
        {
            if (_state.ReferencedBy(version.Subject, version.Version).FirstOrDefault(r => !r.Deleted) is { } user)
                throw RegistryException.ReferenceExists($"One or more references exist to the schema {{subject={version.Subject},version={version.Version}}} (from {user.Subject} version {user.Version})");
        }
    }

    /// <summary>The level a subject's registrations are checked at: its own, else the global one, else BACKWARD.</summary>
    public CompatibilityLevel EffectiveCompatibility(string? subject) =>
        (subject is null ? null : _state.Compatibility(subject)) ?? _state.Compatibility(null) ?? CompatibilityLevels.Default;

    /// <summary>GET /config[/{s}]: a subject's own level (null when it has none), or the global one.</summary>
    public async Task<CompatibilityLevel?> CompatibilityAsync(string? subject, CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken).ConfigureAwait(false);
        return subject is null ? EffectiveCompatibility(null) : _state.Compatibility(subject);
    }

    /// <summary>PUT /config[/{s}] with a level, or DELETE /config/{s} with null (the subject falls back to the global level).</summary>
    public async Task SetCompatibilityAsync(string? subject, CompatibilityLevel? level, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var value = level is { } l ? RegistryRecords.Bytes(new System.Text.Json.Nodes.JsonObject { ["compatibilityLevel"] = CompatibilityLevels.Name(l) }) : null;
            await _log.WriteAsync([(RegistryRecords.SubjectKey(RegistryRecords.Config, subject), value)], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<string?> ModeAsync(string? subject, CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken).ConfigureAwait(false);
        return subject is null ? _state.Mode(null) ?? "READWRITE" : _state.Mode(subject);
    }

    public async Task SetModeAsync(string? subject, string? mode, CancellationToken cancellationToken)
    {
        if (mode is not null && !RegistryModes.All.Contains(mode))
            throw RegistryException.InvalidMode(mode);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var value = mode is null ? null : RegistryRecords.Bytes(new System.Text.Json.Nodes.JsonObject { ["mode"] = mode });
            await _log.WriteAsync([(RegistryRecords.SubjectKey(RegistryRecords.Mode, subject), value)], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// POST /compatibility/subjects/{s}/versions/{v}: whether the schema may follow that version under the subject's
    /// level (without a version: every version the level names). Incompatibilities come back as messages.
    /// </summary>
    public async Task<IReadOnlyList<string>> TestCompatibilityAsync(string subject, string? version, string schemaType, string schema, IReadOnlyList<SchemaReference> references, CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken).ConfigureAwait(false);
        var parsed = Parse(schemaType, schema, references);
        var live = _state.Versions(subject, includeDeleted: false) ?? [];
        IReadOnlyList<SchemaVersion> against;
        if (version is null)
        {
            against = live;
        }
        else
        {
            if (live.Count == 0)
                throw RegistryException.SubjectNotFound(subject);
            var number = ParseVersion(version);
            var target = number is null ? live[^1] : live.FirstOrDefault(v => v.Version == number) ?? throw RegistryException.VersionNotFound(subject, number.Value);
            against = [target];
        }
        var level = EffectiveCompatibility(subject);
        if (version is not null && CompatibilityLevels.IsTransitive(level))
            level = level switch
            {
                CompatibilityLevel.BackwardTransitive => CompatibilityLevel.Backward,
                CompatibilityLevel.ForwardTransitive => CompatibilityLevel.Forward,
                _ => CompatibilityLevel.Full,
            };
        return CompatibilityChecker.Check(level, parsed, [.. against.Select(v => Parse(v.SchemaType, v.Schema, v.References))]);
    }

    private void CheckWritable(string subject)
    {
        var mode = _state.Mode(subject) ?? _state.Mode(null) ?? "READWRITE";
        if (mode is "READONLY" or "READONLY_OVERRIDE")
            throw new RegistryException(42205, $"Subject {subject} is in read-only mode");
    }

    private static void ValidateSubject(string subject)
    {
        if (string.IsNullOrWhiteSpace(subject) || subject.Any(char.IsControl))
            throw new RegistryException(42208, $"The specified subject '{subject}' is not valid.");
    }

    /// <summary>A version in a path: "latest" or -1 is null (the newest), else 1..2^31-1; anything else is 42202.</summary>
    internal static int? ParseVersion(string version)
    {
        if (version == "latest" || version == "-1")
            return null;
        return int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw RegistryException.InvalidVersion(version);
    }
}
