// KafkaJS 2.2.4 group consumer: eachMessage prints "partition offset value" until `count` messages arrived,
// with the default auto-commit, then disconnects (which commits what was consumed and leaves the group).
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, group, count] = [process.argv[2], process.argv[3], process.argv[4], parseInt(process.argv[5], 10)];
const kafka = new Kafka({ clientId: 'runnel-kafkajs-group', brokers: [bootstrap], logLevel: logLevel.ERROR });

(async () => {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let finish;
  const done = new Promise(resolve => { finish = resolve; });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      console.log(`${partition} ${message.offset} ${message.value.toString()}`);
      if (++seen >= count) finish();
    },
  });
  await done;
  await consumer.disconnect();
  console.log('done');
})().catch(e => { console.error(e); process.exit(1); });
