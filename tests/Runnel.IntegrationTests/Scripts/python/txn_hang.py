"""confluent-kafka-python: opens a transaction, delivers records in it, prints "open" and waits to be killed."""
import sys
from confluent_kafka import Producer

bootstrap, topic, transactional_id, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": transactional_id, "transaction.timeout.ms": 3000})
producer.init_transactions(30)
producer.begin_transaction()
for i in range(count):
    producer.produce(topic, value=("hung-%d" % i).encode())
producer.flush(30)
print("open", flush=True)
sys.stdin.read()
