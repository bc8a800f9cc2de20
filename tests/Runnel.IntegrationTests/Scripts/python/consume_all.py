"""KafkaConsumer without a group from the beginning of every partition until EXPECTED records arrived; prints the values."""
import sys
from kafka import KafkaConsumer, TopicPartition

bootstrap, topic, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=20000)
partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
consumer.assign(partitions)
consumer.seek_to_beginning(*partitions)
seen = 0
for record in consumer:
    print(record.value.decode())
    seen += 1
    if seen >= expected:
        break
consumer.close()
