"""confluent-kafka-python (Debian, librdkafka 2.0.2): a committed and an aborted transaction, then a read_committed read.

Prints "committed-read <values>" with what a read_committed consumer saw, and "uncommitted-read <count>".
"""
import sys
from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

bootstrap, topic = sys.argv[1], sys.argv[2]
producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "python-txn", "transaction.timeout.ms": 60000})
producer.init_transactions(30)
producer.begin_transaction()
for i in range(5):
    producer.produce(topic, value=str(i).encode())
producer.commit_transaction(30)
producer.begin_transaction()
for i in range(100, 105):
    producer.produce(topic, value=str(i).encode())
# Delivered before the abort, so the aborted records are in the log (an abort purges what is still queued).
producer.flush(30)
producer.abort_transaction(30)
producer.begin_transaction()
for i in range(5, 8):
    producer.produce(topic, value=str(i).encode())
producer.commit_transaction(30)


def read(isolation):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "python-txn-reader-" + isolation, "isolation.level": isolation,
                         "enable.partition.eof": True, "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    values = []
    while True:
        message = consumer.poll(30)
        if message is None:
            raise SystemExit("timed out reading " + topic)
        if message.error():
            if message.error().code() == -191:  # _PARTITION_EOF
                break
            raise SystemExit(str(message.error()))
        values.append(message.value().decode())
    consumer.close()
    return values


print("committed-read", ",".join(sorted(read("read_committed"), key=int)))
print("uncommitted-read", len(read("read_uncommitted")))
