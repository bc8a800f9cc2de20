"""KafkaProducer with acks=all: send COUNT values "prefix-i" round-robin (no key), print each partition and offset."""
import sys
from kafka import KafkaProducer

bootstrap, topic, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all", linger_ms=5, retries=10)
futures = [producer.send(topic, value=f"{prefix}-{i}".encode()) for i in range(count)]
producer.flush()
for future in futures:
    meta = future.get(timeout=30)
    print(meta.partition, meta.offset)
producer.close()
