"""KafkaConsumer with auto_offset_reset='earliest' iterating a subscribed topic until `count` records arrive."""
import sys
from kafka import KafkaConsumer

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                         enable_auto_commit=False, consumer_timeout_ms=20000)
seen = 0
for record in consumer:
    print(record.partition, record.offset, record.key.decode() if record.key else "", record.value.decode())
    seen += 1
    if seen >= count:
        break
consumer.close()
