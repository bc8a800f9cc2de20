"""Streaming ingest: read JSON events from a WebSocket and forward each one to a topic, in order."""
import sys
import websocket
from kafka import KafkaProducer

url, bootstrap, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ws = websocket.create_connection(url, timeout=30)
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_in_flight_requests_per_connection=1)
for _ in range(count):
    message = ws.recv()
    producer.send(topic, value=message.encode())
producer.flush()
producer.close()
ws.close()
print("forwarded", count)
