using System.Text.Json.Nodes;
using Runnel.SchemaRegistry.Model;

namespace Runnel.SchemaRegistry.Store;

/// <summary>
/// The registry as the <c>_schemas</c> log has it so far, rebuilt by applying its records in offset order. Every
/// broker applies the same log with the same rules, so every broker has the same registry. Writers do not
/// coordinate: one that chose a version or id another writer took first finds its record refused here, on every
/// node alike, and retries. A SCHEMA record is refused when its (subject, version) already holds another schema, or
/// its id belongs to another schema. Thread-safe: one lock around apply and every read.
/// </summary>
internal sealed class RegistryState
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SortedDictionary<int, SchemaVersion>> _subjects = new(StringComparer.Ordinal);
    private readonly Dictionary<int, SchemaVersion> _byId = [];
    private readonly Dictionary<string, CompatibilityLevel> _compatibility = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _modes = new(StringComparer.Ordinal);
    private int _maxId;

    /// <summary>The key of the global config and mode (no subject in a URL is empty).</summary>
    private const string Global = "";

    /// <summary>Applies one record of the log. Unreadable records (another tool's NOOP, a future key type) are skipped.</summary>
    public void Apply(byte[]? keyBytes, byte[]? valueBytes)
    {
        var key = RegistryRecords.Parse(keyBytes);
        if (key is null)
            return;
        var value = RegistryRecords.Parse(valueBytes);
        var subject = (string?)key["subject"];
        lock (_lock)
        {
            switch ((string?)key["keytype"])
            {
                case RegistryRecords.Schema when subject is not null:
                    ApplySchema(subject, (int?)key["version"] ?? 0, value);
                    break;
                case RegistryRecords.Config:
                    if (value is not null && CompatibilityLevels.TryParse((string?)value["compatibilityLevel"], out var level))
                        _compatibility[subject ?? Global] = level;
                    else
                        _compatibility.Remove(subject ?? Global);
                    break;
                case RegistryRecords.Mode:
                    if ((string?)value?["mode"] is { } mode)
                        _modes[subject ?? Global] = mode;
                    else
                        _modes.Remove(subject ?? Global);
                    break;
                case RegistryRecords.DeleteSubject when subject is not null && value is not null:
                    SoftDeleteUpTo(subject, (int?)value["version"] ?? 0);
                    break;
                case RegistryRecords.ClearSubject when subject is not null && value is not null:
                    _maxId = Math.Max(_maxId, (int?)value["maxId"] ?? 0);
                    ClearUpTo(subject, (int?)value["version"] ?? 0);
                    break;
            }
        }
    }

    private void ApplySchema(string subject, int version, JsonObject? value)
    {
        _subjects.TryGetValue(subject, out var versions);
        if (value is null)
        {
            // A hard delete of one version.
            if (versions is not null && versions.Remove(version, out var removed))
            {
                Unindex(removed);
                if (versions.Count == 0)
                    _subjects.Remove(subject);
            }
            return;
        }
        var schema = RegistryRecords.ParseSchemaValue(value) with { Subject = subject, Version = version };
        if (versions is not null && versions.TryGetValue(version, out var existing))
        {
            // The same schema again flips its deleted flag; another schema at a taken version lost a race: refused.
            if (existing.Id == schema.Id && existing.SameContent(schema.SchemaType, schema.Schema, schema.References))
                versions[version] = schema;
            return;
        }
        if (_byId.TryGetValue(schema.Id, out var holder) && !holder.SameContent(schema.SchemaType, schema.Schema, schema.References))
            return;
        if (schema.Id <= 0 || version <= 0)
            return;
        if (versions is null)
            _subjects[subject] = versions = [];
        versions[version] = schema;
        _byId.TryAdd(schema.Id, schema);
        _maxId = Math.Max(_maxId, schema.Id);
    }

    private void SoftDeleteUpTo(string subject, int version)
    {
        if (!_subjects.TryGetValue(subject, out var versions))
            return;
        foreach (var (v, schema) in versions.Where(p => p.Key <= version).ToList())
            versions[v] = schema with { Deleted = true };
    }

    private void ClearUpTo(string subject, int version)
    {
        if (!_subjects.TryGetValue(subject, out var versions))
            return;
        foreach (var v in versions.Keys.Where(v => v <= version).ToList())
        {
            versions.Remove(v, out var removed);
            Unindex(removed!);
        }
        if (versions.Count == 0)
            _subjects.Remove(subject);
    }

    private void Unindex(SchemaVersion removed)
    {
        // The id stays while any other subject's version still carries the same schema.
        var other = _subjects.Values.SelectMany(v => v.Values).FirstOrDefault(s => s.Id == removed.Id && !(s.Subject == removed.Subject && s.Version == removed.Version));
        if (other is null)
            _byId.Remove(removed.Id);
        else
            _byId[removed.Id] = other;
    }

    /// <summary>The subjects with at least one version (a live one unless <paramref name="includeDeleted"/>).</summary>
    public IReadOnlyList<string> Subjects(bool includeDeleted)
    {
        lock (_lock)
            return [.. _subjects.Where(s => includeDeleted || s.Value.Values.Any(v => !v.Deleted)).Select(s => s.Key).Order(StringComparer.Ordinal)];
    }

    /// <summary>A subject's versions in order, soft-deleted ones only when asked; null when the subject has none at all.</summary>
    public IReadOnlyList<SchemaVersion>? Versions(string subject, bool includeDeleted)
    {
        lock (_lock)
            return _subjects.TryGetValue(subject, out var versions) ? [.. versions.Values.Where(v => includeDeleted || !v.Deleted)] : null;
    }

    public SchemaVersion? ById(int id)
    {
        lock (_lock)
            return _byId.GetValueOrDefault(id);
    }

    /// <summary>Every (subject, version) that carries the schema of an id.</summary>
    public IReadOnlyList<SchemaVersion> VersionsOfId(int id, bool includeDeleted)
    {
        lock (_lock)
            return [.. _subjects.Values.SelectMany(v => v.Values).Where(s => s.Id == id && (includeDeleted || !s.Deleted))];
    }

    /// <summary>The id a schema has anywhere already (the same text, type and references share one id), else null.</summary>
    public int? IdOf(string schemaType, string schema, IReadOnlyList<SchemaReference> references)
    {
        lock (_lock)
            return _byId.Values.FirstOrDefault(s => s.SameContent(schemaType, schema, references))?.Id;
    }

    /// <summary>The versions (of any subject) whose references name the given one: a version they use cannot be deleted.</summary>
    public IReadOnlyList<SchemaVersion> ReferencedBy(string subject, int version)
    {
        lock (_lock)
            return [.. _subjects.Values.SelectMany(v => v.Values).Where(s => s.References.Any(r => r.Subject == subject && r.Version == version))];
    }

    public int MaxId
    {
        get
        {
            lock (_lock)
                return _maxId;
        }
    }

    public CompatibilityLevel? Compatibility(string? subject)
    {
        lock (_lock)
            return _compatibility.TryGetValue(subject ?? Global, out var level) ? level : null;
    }

    public string? Mode(string? subject)
    {
        lock (_lock)
            return _modes.GetValueOrDefault(subject ?? Global);
    }
}
