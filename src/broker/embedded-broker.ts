/**
 * The broker the proxy runs for itself when `bootstrap.servers` is not set: its jars fetched on
 * first use, on 9092 when that port is free (so a native client finds it where it expects a
 * broker), creating topics with `embedded.broker.num.partitions` partitions on first use.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { portInUse } from './free-port.ts';
import { ensureKafkaJars } from './kafka-jars.ts';
import { LocalBroker } from './local-broker.ts';

/** Where Kafka clients look for a broker when told nothing else. */
export const KAFKA_DEFAULT_PORT = 9092;

export async function startEmbeddedBroker(config: Config, logger: Logger, signal: AbortSignal): Promise<LocalBroker> {
  await ensureKafkaJars({ log: (line) => logger.info(line) });
  const port = config.embeddedBrokerPort ?? (await defaultPort(logger));
  logger.info({ dir: config.embeddedBrokerDir, port }, 'bootstrap.servers is not set: starting an embedded Kafka broker');
  const broker = await LocalBroker.start({
    dir: config.embeddedBrokerDir,
    port,
    autoCreateTopics: true,
    properties: { 'num.partitions': String(config.embeddedBrokerNumPartitions) },
    signal,
    onNotice: (message) => logger.warn(message),
  });
  logger.info(
    { bootstrapServers: broker.bootstrapServers, brokerPid: broker.pid, dir: broker.dir },
    `embedded Kafka broker ready: native Kafka clients connect with bootstrap.servers=${broker.bootstrapServers}`,
  );
  return broker;
}

/** 9092 when free; otherwise any free port, said once (an explicit embedded.broker.port is strict instead). */
async function defaultPort(logger: Logger): Promise<number | undefined> {
  if (!(await portInUse('127.0.0.1', KAFKA_DEFAULT_PORT))) return KAFKA_DEFAULT_PORT;
  logger.warn(`port ${KAFKA_DEFAULT_PORT} is in use (another Kafka broker?): the embedded broker takes a free port instead; set embedded.broker.port to choose one`);
  return undefined;
}
