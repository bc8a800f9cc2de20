# python3-confluent-kafka's schema_registry client with Debian's python3-avro (confluent_kafka's own Avro serde needs
# fastavro, which Debian does not package): registers a schema, checks compatibility, writes Avro records in
# Confluent's framing (magic 0, 4-byte schema id, Avro body) with confluent_kafka's Producer, then reads a topic and
# decodes each record with the writer schema fetched by the id it carries.
# Usage: schema_registry_avro.py REGISTRY_URL BOOTSTRAP PRODUCE_TOPIC READ_TOPIC READ_COUNT
import io
import json
import struct
import sys

import avro.io
import avro.schema
from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

url, bootstrap, produce_topic, read_topic, read_count = sys.argv[1:6]
registry = SchemaRegistryClient({"url": url})
schema_text = json.dumps({"type": "record", "name": "Reading", "namespace": "sensors",
                          "fields": [{"name": "sensor", "type": "string"}, {"name": "celsius", "type": "double"}]})
subject = produce_topic + "-value"
schema_id = registry.register_schema(subject, Schema(schema_text, "AVRO"))
latest = registry.get_latest_version(subject)
print("registered", schema_id, latest.version, latest.schema_id == schema_id)

# BACKWARD (the default): a new required field is refused, one with a default accepted.
required = json.loads(schema_text)
required["fields"].append({"name": "unit", "type": "string"})
with_default = json.loads(schema_text)
with_default["fields"].append({"name": "unit", "type": "string", "default": "C"})
print("compatible", registry.test_compatibility(subject, Schema(json.dumps(required), "AVRO")),
      registry.test_compatibility(subject, Schema(json.dumps(with_default), "AVRO")))
try:
    registry.register_schema(subject, Schema(json.dumps(required), "AVRO"))
    print("refused none")
except SchemaRegistryError as e:
    print("refused", e.http_status_code, e.error_code)

writer = avro.io.DatumWriter(avro.schema.parse(schema_text))
producer = Producer({"bootstrap.servers": bootstrap})
for i in range(5):
    body = io.BytesIO()
    body.write(struct.pack(">bI", 0, schema_id))
    writer.write({"sensor": "s%d" % i, "celsius": 20.5 + i}, avro.io.BinaryEncoder(body))
    producer.produce(produce_topic, value=body.getvalue())
if producer.flush(30) != 0:
    raise SystemExit("records not delivered")
print("produced 5")

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "py-avro-readers", "auto.offset.reset": "earliest"})
consumer.subscribe([read_topic])
readers = {}
seen = 0
while seen < int(read_count):
    message = consumer.poll(30)
    if message is None:
        raise SystemExit("timed out reading " + read_topic)
    if message.error():
        raise SystemExit(str(message.error()))
    magic, writer_id = struct.unpack(">bI", message.value()[:5])
    if writer_id not in readers:
        readers[writer_id] = avro.io.DatumReader(avro.schema.parse(registry.get_schema(writer_id).schema_str))
    record = readers[writer_id].read(avro.io.BinaryDecoder(io.BytesIO(message.value()[5:])))
    print("read", magic, writer_id, record["name"], record["age"])
    seen += 1
consumer.close()
