// KafkaJS 2.2.4 with an idempotent producer (InitProducerId, then sequence-numbered batches).
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, count] = [process.argv[2], process.argv[3], parseInt(process.argv[4], 10)];
const kafka = new Kafka({ clientId: 'runnel-kafkajs-idempotent', brokers: [bootstrap], logLevel: logLevel.ERROR });

(async () => {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let round = 0; round < 10; round++) {
    const messages = [];
    for (let i = round * count / 10; i < (round + 1) * count / 10; i++) messages.push({ key: `k${i % 7}`, value: `${i}` });
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
  console.log('sent');
})().catch(e => { console.error(e); process.exit(1); });
