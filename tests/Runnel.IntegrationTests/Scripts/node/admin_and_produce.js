// KafkaJS 2.2.4: admin createTopics and fetchTopicMetadata, then a producer sending keyed, gzip-compressed messages.
const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

const [bootstrap, topic, count] = [process.argv[2], process.argv[3], parseInt(process.argv[4], 10)];
const kafka = new Kafka({ clientId: 'runnel-kafkajs', brokers: [bootstrap], logLevel: logLevel.ERROR });

(async () => {
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  console.log(`created ${created}`);
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = metadata.topics[0].partitions;
  console.log(`partitions ${partitions.length} leaders ${partitions.map(p => p.leader).join(',')}`);
  await admin.disconnect();

  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++) messages.push({ key: `key-${i % 10}`, value: `value-${i}`, headers: { source: 'kafkajs' } });
  const results = await producer.send({ topic, compression: CompressionTypes.GZIP, messages, acks: -1 });
  for (const r of results) console.log(`result ${r.partition} ${r.errorCode} ${r.baseOffset}`);
  await producer.disconnect();
})().catch(e => { console.error(e); process.exit(1); });
