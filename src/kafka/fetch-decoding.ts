/**
 * Teaches a kafkajs cluster's brokers to decode Fetch v11 responses with `decodeFetchResponseV11`
 * (one pass, headers kept in order) instead of kafkajs's decoder. Everything else stays kafkajs's:
 * the request, the connection, `parse` (which raises the partitions' errors for kafkajs's
 * consumer), and the consumer above it. Other versions and legacy record sets keep kafkajs's
 * decoding.
 */
import { interceptApi, type BrokerFactory } from './broker-lookup.ts';
import { decodeFetchResponseV11, type Codec } from './fetch-response.ts';

export interface KafkaJSFetchProtocol {
  apiKey: number;
  /** kafkajs's codec for a record batch's attributes; null when uncompressed. */
  codecFor(attributes: number): Codec;
}

const ONE_PASS_VERSION = 11;

export function decodeFetchInOnePass<C extends BrokerFactory>(cluster: C, kafkajs: KafkaJSFetchProtocol): C {
  return interceptApi(cluster, kafkajs.apiKey, (built) => {
    if (built.request.apiVersion !== ONE_PASS_VERSION) return built;
    const { decode } = built.response;
    return { ...built, response: { ...built.response, decode: async (raw) => (await decodeFetchResponseV11(raw, kafkajs.codecFor)) ?? decode(raw) } };
  });
}
