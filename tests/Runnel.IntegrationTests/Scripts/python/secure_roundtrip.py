"""kafka-python over a secure listener: creates TOPIC, produces 50 records, consumes them in a group.

Arguments: bootstrap topic protocol mechanism|- cafile certfile|- keyfile|- user password
Prints "created", "produced 50", "consumed 50" (sorted values checked), or for a refused login "refused <ErrorClass>".
"""
import sys
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError

bootstrap, topic, protocol, mechanism, cafile, certfile, keyfile, user, password = sys.argv[1:10]
security = {"security_protocol": protocol}
if protocol.endswith("SSL"):
    security["ssl_cafile"] = cafile
    if certfile != "-":
        security["ssl_certfile"] = certfile
        security["ssl_keyfile"] = keyfile
if mechanism != "-":
    security["sasl_mechanism"] = mechanism
    security["sasl_plain_username"] = user
    security["sasl_plain_password"] = password

try:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000, **security)
except KafkaError as e:
    print("refused", type(e).__name__)
    sys.exit(0)
admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
admin.close()
print("created")

producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", **security)
for i in range(50):
    producer.send(topic, key=str(i % 5).encode(), value=("v%02d" % i).encode())
producer.flush()
producer.close()
print("produced 50")

consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="py-secure", auto_offset_reset="earliest", consumer_timeout_ms=20000, **security)
values = []
for record in consumer:
    values.append(record.value.decode())
    if len(values) >= 50:
        break
consumer.commit()
consumer.close()
assert sorted(values) == ["v%02d" % i for i in range(50)], values
print("consumed", len(values))
