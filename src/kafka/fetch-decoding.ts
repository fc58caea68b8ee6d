/**
 * Teaches a kafkajs cluster's brokers to decode Fetch v11 responses with `decodeFetchResponseV11`
 * (one pass, headers kept in order) instead of kafkajs's decoder. Everything else stays kafkajs's:
 * the request, the connection, `parse` (which raises the partitions' errors for kafkajs's
 * consumer), and the consumer above it. Other versions and legacy record sets keep kafkajs's
 * decoding.
 */
import { interceptLookups, type LookupBroker, type RequestLookup } from './broker-lookup.ts';
import { decodeFetchResponseV11, type Codec } from './fetch-response.ts';

interface ProtocolRequest {
  request: { apiVersion: number };
  response: { decode(raw: Buffer): Promise<unknown> };
}

export interface DecodingCluster {
  brokerPool: { createBroker(options: object): LookupBroker };
}

export interface KafkaJSFetchProtocol {
  apiKey: number;
  /** kafkajs's codec for a record batch's attributes; null when uncompressed. */
  codecFor(attributes: number): Codec;
}

const ONE_PASS_VERSION = 11;

export function decodeFetchInOnePass<C extends DecodingCluster>(cluster: C, kafkajs: KafkaJSFetchProtocol): C {
  const pool = cluster.brokerPool;
  const createBroker = pool.createBroker.bind(pool);
  const decodeFetch =
    (lookup: RequestLookup): RequestLookup =>
    (apiKey, definitions) => {
      const build = lookup(apiKey, definitions);
      if (apiKey !== kafkajs.apiKey) return build;
      return (request) => {
        const built = build(request) as ProtocolRequest;
        if (built.request.apiVersion !== ONE_PASS_VERSION) return built;
        const { decode } = built.response;
        return { ...built, response: { ...built.response, decode: async (raw: Buffer) => (await decodeFetchResponseV11(raw, kafkajs.codecFor)) ?? decode(raw) } };
      };
    };
  pool.createBroker = (options) => {
    const broker = createBroker(options);
    interceptLookups(broker, decodeFetch);
    return broker;
  };
  return cluster;
}
