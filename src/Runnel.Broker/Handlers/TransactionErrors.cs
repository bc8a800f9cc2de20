using Runnel.Protocol;

namespace Runnel.Broker.Handlers;

/// <summary>Error codes of the transaction APIs as each version understands them.</summary>
internal static class TransactionErrors
{
    /// <summary>
    /// PRODUCER_FENCED came with InitProducerId v4, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn v2; older versions
    /// get INVALID_PRODUCER_EPOCH, which their clients treat the same way (as Kafka's KafkaApis maps it).
    /// </summary>
    public static short ForVersion(ErrorCode error, short version, short fencedSince)
        => (short)(error == ErrorCode.ProducerFenced && version < fencedSince ? ErrorCode.InvalidProducerEpoch : error);
}
