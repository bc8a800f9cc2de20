"""KafkaProducer: send each line of a file (key = the part before ':'), flush, print the partition of each key."""
import sys
from kafka import KafkaProducer

bootstrap, topic, path = sys.argv[1], sys.argv[2], sys.argv[3]
compression = sys.argv[4] if len(sys.argv) > 4 else None
producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=5, compression_type=compression)
futures = []
with open(path) as lines:
    for line in lines:
        key, value = line.rstrip("\n").split(":", 1)
        futures.append((key, producer.send(topic, key=key.encode(), value=value.encode())))
producer.flush()
for key, future in futures:
    meta = future.get(timeout=30)
    print(key, meta.partition, meta.offset)
producer.close()
