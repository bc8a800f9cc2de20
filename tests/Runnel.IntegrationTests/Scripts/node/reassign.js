// KafkaJS 2.2.4 admin: alterPartitionReassignments and listPartitionReassignments.
//   reassign <bootstrap> <topic> <partition> <replicas,...>: starts the move, lists it at once ("listed <json>"), then
//     lists every 100 ms (at most 60 s) until it is gone ("completed <ms>").
//   bad <bootstrap> <topic>: sends refused moves and prints "<case> <error type>" for each.
const { Kafka, logLevel } = require('kafkajs');

const [mode, bootstrap, topic] = process.argv.slice(2, 5);
const kafka = new Kafka({ clientId: 'runnel-kafkajs-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING });

const listed = async admin => (await admin.listPartitionReassignments({ topics: [{ topic, partitions: [0] }] })).topics;

async function reassign(admin, partition, replicas) {
  const started = Date.now();
  await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition, replicas }] }] });
  console.log(`listed ${JSON.stringify(await listed(admin))}`);
  while (Date.now() - started < 60000) {
    if ((await listed(admin)).length === 0) {
      console.log(`completed ${Date.now() - started}`);
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error('the reassignment did not complete within 60 s');
}

async function bad(admin) {
  const cases = [
    ['unknown-broker', topic, 0, [1, 9]],
    ['empty', topic, 0, []],
    ['duplicate', topic, 0, [2, 2]],
    ['unknown-partition', topic, 5, [1, 2]],
    ['unknown-topic', 'no-such-topic', 0, [1, 2]],
  ];
  for (const [name, t, partition, replicas] of cases) {
    try {
      await admin.alterPartitionReassignments({ topics: [{ topic: t, partitionAssignment: [{ partition, replicas }] }] });
      console.log(`${name} accepted`);
    } catch (e) {
      console.log(`${name} ${(e.errors || [e]).map(x => x.type).join(',')}`);
    }
  }
}

(async () => {
  const admin = kafka.admin();
  await admin.connect();
  if (mode === 'reassign') await reassign(admin, parseInt(process.argv[5], 10), process.argv[6].split(',').map(Number));
  else await bad(admin);
  await admin.disconnect();
})().catch(e => { console.error(e); process.exit(1); });
