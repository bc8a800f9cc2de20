// KafkaJS 2.2.4 over a secure listener: creates the topic, produces 50 records, consumes them in a group.
// Arguments: bootstrap topic protocol mechanism|- cafile certfile|- keyfile|- user password
// Prints "created", "produced 50", "consumed 50", or for a refused login "refused <error name>".
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, protocol, mechanism, cafile, certfile, keyfile, user, password] = process.argv.slice(2, 11);
const config = { clientId: 'runnel-kafkajs-secure', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } };
if (protocol.endsWith('SSL')) {
  config.ssl = { ca: [fs.readFileSync(cafile, 'utf-8')] };
  if (certfile !== '-') {
    config.ssl.cert = fs.readFileSync(certfile, 'utf-8');
    config.ssl.key = fs.readFileSync(keyfile, 'utf-8');
  }
}
if (mechanism !== '-') config.sasl = { mechanism: mechanism.toLowerCase(), username: user, password };
const kafka = new Kafka(config);

(async () => {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  } catch (e) {
    console.log('refused', e.name);
    return;
  }
  await admin.disconnect();
  console.log('created');

  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ key: `${i % 5}`, value: `v${String(i).padStart(2, '0')}` })) });
  await producer.disconnect();
  console.log('produced 50');

  const consumer = kafka.consumer({ groupId: 'js-secure', sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  let finish;
  const done = new Promise(resolve => { finish = resolve; });
  await consumer.run({ eachMessage: async ({ message }) => { values.push(message.value.toString()); if (values.length >= 50) finish(); } });
  await done;
  await consumer.disconnect();
  const expected = Array.from({ length: 50 }, (_, i) => `v${String(i).padStart(2, '0')}`);
  if (JSON.stringify(values.sort()) !== JSON.stringify(expected)) throw new Error(`unexpected values ${values}`);
  console.log('consumed', values.length);
})().catch(e => { console.error(e); process.exit(1); });
