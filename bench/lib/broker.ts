/**
 * The one local Kafka broker a benchmark script starts for itself: LocalBroker in `<dir>/kafka`
 * (no auto-created topics), its pid for the CPU meters, and a connected kafkajs admin, each
 * registered in the script's resources as it comes up so the clean-up takes it down. Used by
 * every bench/ script that needs a broker.
 */
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { Admin, Kafka } from 'kafkajs';
import { LocalBroker } from '../../src/broker/local-broker.ts';
import { log } from './harness.ts';
import { childPids } from './proc.ts';

const { Kafka: KafkaClient, logLevel } = kafkajs;

export interface BenchBroker {
  broker: LocalBroker;
  /** null if it could not be found (its CPU then reads 0). */
  brokerPid: number | null;
  kafka: Kafka;
  admin: Admin;
}

export async function startBroker(dir: string, clientId: string, resources: { broker?: LocalBroker; admin?: Admin }): Promise<BenchBroker> {
  log('starting Kafka broker…');
  const broker = await LocalBroker.start({ dir: join(dir, 'kafka'), autoCreateTopics: false });
  resources.broker = broker;
  // LocalBroker does not expose its pid; its java is this process's only java child.
  const brokerPid = childPids(process.pid, 'java')[0] ?? null;
  const kafka = new KafkaClient({ clientId, brokers: [broker.bootstrapServers], logLevel: logLevel.WARN });
  const admin = kafka.admin();
  resources.admin = admin;
  await admin.connect();
  return { broker, brokerPid, kafka, admin };
}
