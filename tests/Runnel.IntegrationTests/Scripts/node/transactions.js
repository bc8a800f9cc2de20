// KafkaJS 2.2.4 transactions: commit one, abort one, then read with readUncommitted=false (read_committed).
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic] = [process.argv[2], process.argv[3]];
const kafka = new Kafka({ clientId: 'runnel-kafkajs-txn', brokers: [bootstrap], logLevel: logLevel.ERROR });

(async () => {
  const producer = kafka.producer({ transactionalId: 'kafkajs-txn', maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  const send = async (values, commit) => {
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: values.map(v => ({ value: `${v}` })) });
    if (commit) await transaction.commit(); else await transaction.abort();
  };
  await send([0, 1, 2, 3], true);
  await send([100, 101], false);
  await send([4, 5], true);
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'kafkajs-txn-reader', readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read only ${seen.join(',')}`)), 30000);
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value.toString());
        if (seen.length === 6) { clearTimeout(timer); resolve(); }
      },
    });
  });
  await consumer.disconnect();
  console.log(`committed-read ${seen.map(Number).sort((a, b) => a - b).join(',')}`);
})().catch(e => { console.error(e); process.exit(1); });
