#!/usr/bin/env node
// Rewinds a consumer group to the start of a topic (the group must have no live members), so
// the service rebuilds its store by replaying it. Usage: reset-offsets.mjs <groupId> <topic>
import kafkajs from 'kafkajs';

const [groupId, topic] = process.argv.slice(2);
if (!groupId || !topic) {
  console.error('usage: reset-offsets.mjs <groupId> <topic>');
  process.exit(2);
}
const kafka = new kafkajs.Kafka({ clientId: 'sightline-replay', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: kafkajs.logLevel.WARN });
const admin = kafka.admin();
await admin.connect();
await admin.resetOffsets({ groupId, topic, earliest: true });
await admin.disconnect();
console.log(`${groupId}: offsets of ${topic} reset to the earliest`);
