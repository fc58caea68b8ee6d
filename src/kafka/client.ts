/**
 * The one place that imports kafkajs. Everything else in the proxy talks to Kafka through the
 * small classes in src/kafka, which depend on this file only, so the client library could be
 * swapped without touching actors or HTTP code.
 */
import kafkajs from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from 'kafkajs';

const { Kafka, logLevel, CompressionTypes, CompressionCodecs, ConfigResourceTypes, Partitioners } = kafkajs;

export type {
  Admin,
  Consumer,
  ITopicMetadata,
  KafkaConfig,
  Message,
  Producer,
  ProducerBatch,
  ProducerConfig,
  RecordMetadata,
  TopicMessages,
} from 'kafkajs';
export type Kafka = InstanceType<typeof Kafka>;
export { CompressionTypes, CompressionCodecs, ConfigResourceTypes, Partitioners };

/** Builds a kafkajs client whose log lines go to the proxy's pino logger. */
export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const log = logger.child({ module: 'kafkajs' });
  return new Kafka({
    ...config,
    clientId: config.clientId ?? 'kafka-rest',
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ level, log: { message, ...extra } }) => {
        // kafkajs reports recoverable connection trouble at ERROR; the proxy reports outcomes itself.
        const line = { ...extra, timestamp: undefined, logger: undefined };
        if (level <= logLevel.ERROR) log.warn(line, message);
        else if (level === logLevel.WARN) log.warn(line, message);
        else log.debug(line, message);
      },
  });
}
