/**
 * A native kafkajs group member for the consumer-group tests: it joins, reads `expectRecords`
 * records without committing, and stays in the group until the caller disconnects it.
 */
import kafkajs from 'kafkajs';
import { bootstrapServers } from './cluster.ts';

const { Kafka, logLevel } = kafkajs;
export type NativeConsumer = ReturnType<InstanceType<typeof Kafka>['consumer']>;

/** Resolves once the member has read `expectRecords` records (or joined, for 0), with its member id. */
export async function nativeMember(groupId: string, topic: string, expectRecords: number, clientId: string): Promise<{ consumer: NativeConsumer; memberId: string }> {
  const kafka = new Kafka({ brokers: [bootstrapServers()], clientId, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId });
  let memberId = '';
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => (memberId = payload.memberId));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  const allSeen = new Promise<void>((resolve) => {
    if (expectRecords === 0) consumer.on(consumer.events.GROUP_JOIN, () => resolve());
    void consumer.run({
      autoCommit: false,
      eachMessage: async () => {
        if (++seen === expectRecords) resolve();
      },
    });
  });
  await allSeen;
  return { consumer, memberId };
}
