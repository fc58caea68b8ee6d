/**
 * Teaches a kafkajs cluster's brokers to encode their Produce requests with
 * `encodeProduceRequest` (one pass, one Buffer) instead of kafkajs's own encoder. Everything
 * else stays kafkajs's: the version negotiated with the broker, the request's arguments (with
 * broker.produce's defaults), the connection and its request queue, the response and its errors,
 * the producer above it (leaders, idempotent sequence numbers, retries) and its compression
 * codecs. Versions before 3 (message sets, brokers older than 0.11) are still encoded by kafkajs.
 */
import { interceptApi, type BrokerFactory } from './broker-lookup.ts';
import { encodeProduceRequest, type ProduceRequest } from './produce-request.ts';

export interface KafkaJSProduceProtocol {
  apiKey: number;
  /** A kafkajs encoder holding `body`, as a request's encode() answers one. */
  encoder(body: Buffer): unknown;
  /** Compresses a batch's records with kafkajs's codec `codec` (its CompressionTypes number). */
  compress(codec: number, records: Buffer): Promise<Buffer>;
}

const FIRST_RECORD_BATCH_VERSION = 3;

export function encodeProduceInOnePass<C extends BrokerFactory>(cluster: C, kafkajs: KafkaJSProduceProtocol): C {
  return interceptApi(cluster, kafkajs.apiKey, (built, args) => {
    if (built.request.apiVersion < FIRST_RECORD_BATCH_VERSION) return built;
    const request = args as unknown as ProduceRequest;
    const compress = (records: Buffer) => kafkajs.compress(request.compression ?? 0, records);
    return { ...built, request: { ...built.request, encode: async () => kafkajs.encoder(await encodeProduceRequest(request, { compress })) } };
  });
}
