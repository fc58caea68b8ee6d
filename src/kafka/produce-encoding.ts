/**
 * Teaches a kafkajs cluster's brokers to encode their Produce requests with
 * `encodeProduceRequest` (one pass, one Buffer) instead of kafkajs's own encoder. Everything
 * else stays kafkajs's: the version negotiated with the broker, the connection and its request
 * queue, the response and its errors, and the producer above it (leaders, idempotent sequence
 * numbers, retries) and its compression codecs. Versions before 3 (message sets, brokers older
 * than 0.11) are still encoded by kafkajs.
 */
import { encodeProduceRequest, type ProduceRequest } from './produce-request.ts';

interface ProtocolRequest {
  request: { apiVersion: number; encode(): Promise<unknown> };
}

/** The parts of kafkajs 2.2.4's Broker this needs (kafkajs is pinned exactly). */
export interface ProducingBroker {
  produce(request: ProduceRequest): Promise<unknown>;
  lookupRequest(apiKey: number, definitions: unknown): (request: ProduceRequest) => ProtocolRequest;
}

export interface ProducingCluster {
  brokerPool: { createBroker(options: object): ProducingBroker };
}

/** What kafkajs gives for this: the Produce request's definitions, its broker's send, its encoder. */
export interface KafkaJSProduceProtocol {
  apiKey: number;
  definitions: unknown;
  send(broker: ProducingBroker, request: ProtocolRequest): Promise<unknown>;
  /** A kafkajs encoder holding `body`, as a request's encode() answers one. */
  encoder(body: Buffer): unknown;
  /** Compresses a batch's records with kafkajs's codec `codec` (its CompressionTypes number). */
  compress(codec: number, records: Buffer): Promise<Buffer>;
}

const FIRST_RECORD_BATCH_VERSION = 3;

export function encodeProduceInOnePass<C extends ProducingCluster>(cluster: C, kafkajs: KafkaJSProduceProtocol): C {
  const pool = cluster.brokerPool;
  const createBroker = pool.createBroker.bind(pool);
  pool.createBroker = (options) => {
    const broker = createBroker(options);
    broker.produce = (request) => {
      // kafkajs's broker.produce defaults.
      const full: ProduceRequest = { ...request, acks: request.acks ?? -1, timeout: request.timeout ?? 30_000, compression: request.compression ?? 0 };
      const protocolRequest = broker.lookupRequest(kafkajs.apiKey, kafkajs.definitions)(full);
      if (protocolRequest.request.apiVersion >= FIRST_RECORD_BATCH_VERSION) {
        const compress = (records: Buffer) => kafkajs.compress(full.compression!, records);
        protocolRequest.request.encode = async () => kafkajs.encoder(await encodeProduceRequest(full, { compress }));
      }
      return kafkajs.send(broker, protocolRequest);
    };
    return broker;
  };
  return cluster;
}
