"""KafkaAdminClient: create, list and delete topics, printing what the broker reports."""
import sys
from kafka.admin import KafkaAdminClient, NewTopic

bootstrap, topic = sys.argv[1], sys.argv[2]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="runnel-test-admin")
admin.create_topics([NewTopic(name=topic, num_partitions=4, replication_factor=1, topic_configs={"retention.ms": "3600000"})])
print("created", topic)
print("listed", topic in admin.list_topics())
described = admin.describe_topics([topic])
print("partitions", len(described[0]["partitions"]))
try:
    admin.create_topics([NewTopic(name=topic, num_partitions=1, replication_factor=1)])
    print("duplicate-accepted")
except Exception as e:
    print("duplicate-refused", type(e).__name__)
admin.delete_topics([topic])
print("listed-after-delete", topic in admin.list_topics())
admin.close()
