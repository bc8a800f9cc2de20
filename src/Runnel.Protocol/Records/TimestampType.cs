namespace Runnel.Protocol.Records;

/// <summary>Bit 3 of a batch's attributes: whose clock the timestamps come from.</summary>
public enum TimestampType : byte
{
    /// <summary>The producer's timestamps, kept as sent (each record's base + delta).</summary>
    CreateTime = 0,

    /// <summary>The broker's append time, stored once as the batch's maxTimestamp and reported for every record.</summary>
    LogAppendTime = 1,
}
