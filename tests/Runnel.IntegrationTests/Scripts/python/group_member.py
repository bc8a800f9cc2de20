"""A kafka-python group member: prints its assignment after each rebalance and every record it consumes,
commits after each poll, and leaves the group cleanly when told "stop" on stdin (or when stdin closes).
Usage: group_member.py BOOTSTRAP TOPIC GROUP [session_timeout_ms]"""
import sys
import threading
from kafka import KafkaConsumer, ConsumerRebalanceListener
from kafka.errors import CommitFailedError

bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
session_ms = int(sys.argv[4]) if len(sys.argv) > 4 else 6000
stop = threading.Event()


def watch_stdin():
    for line in sys.stdin:
        if line.strip() == "stop":
            break
    stop.set()


class Printer(ConsumerRebalanceListener):
    def on_partitions_revoked(self, revoked):
        pass

    def on_partitions_assigned(self, assigned):
        print("assigned " + ",".join(str(p.partition) for p in sorted(assigned, key=lambda p: p.partition)), flush=True)


threading.Thread(target=watch_stdin, daemon=True).start()
consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                         enable_auto_commit=False, session_timeout_ms=session_ms,
                         heartbeat_interval_ms=max(100, session_ms // 10), max_poll_interval_ms=30000)
consumer.subscribe([topic], listener=Printer())
while not stop.is_set():
    batches = consumer.poll(timeout_ms=200)
    for tp, records in batches.items():
        for record in records:
            print("record", record.partition, record.offset, record.value.decode(), flush=True)
    if batches:
        try:
            consumer.commit()
            print("committed", flush=True)
        except CommitFailedError:
            # A rebalance took the partitions; their new owner re-reads from the last commit (at least once).
            print("commit-failed", flush=True)
consumer.close()
print("closed", flush=True)
