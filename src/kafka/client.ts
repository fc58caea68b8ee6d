/**
 * The one place that imports kafkajs. Everything else in the proxy talks to Kafka through the
 * small classes in src/kafka, which depend on this file only, so the client library could be
 * swapped without touching actors or HTTP code.
 */
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import type { Logger } from 'pino';
import type { Consumer, ConsumerConfig, KafkaConfig } from 'kafkajs';
import { forgetDeletedTopics, type HealableCluster } from './deleted-topics.ts';
import type { BrokerFactory } from './broker-lookup.ts';
import { encodeProduceInOnePass, type KafkaJSProduceProtocol } from './produce-encoding.ts';
import { decodeFetchInOnePass, type KafkaJSFetchProtocol } from './fetch-decoding.ts';
import type { InternalBroker, InternalCluster } from './internal-cluster.ts';
import { tapJoinGroup, type TappableCluster } from './member-id-tap.ts';

const { Kafka, logLevel, CompressionTypes, CompressionCodecs, ConfigResourceTypes, Partitioners } = kafkajs;

export type {
  Admin,
  Consumer,
  ConsumerConfig,
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
export { AssignerProtocol } from 'kafkajs';
export const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;
export const KafkaJSEncoder = createRequire(import.meta.url)('kafkajs/src/protocol/encoder.js') as { prototype: { writeVarIntBytes(value: unknown): unknown; writeVarInt(value: number): unknown } };

/** Builds a kafkajs client whose log lines go to the proxy's pino logger. */
export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const log = logger.child({ module: 'kafkajs' });
  const kafka = new Kafka({
    ...config,
    clientId: config.clientId ?? 'kafka-rest',
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ level, log: { message, ...extra } }) => {
        // kafkajs reports recoverable connection trouble at ERROR; the proxy reports outcomes itself.
        const line = { ...extra, timestamp: undefined, logger: undefined };
        if (isExpectedAnswer(message, extra)) log.debug(line, message);
        else if (level <= logLevel.ERROR) log.warn(line, message);
        else if (level === logLevel.WARN) log.warn(line, message);
        else log.debug(line, message);
      },
  });
  // Every client made from it (producers, consumers, admins, the fetcher) survives topic deletion.
  const create = clusterFactorySymbol(kafka);
  const factory = (kafka as unknown as Record<symbol, (options: object) => HealableCluster & BrokerFactory>)[create]!;
  (kafka as unknown as Record<symbol, unknown>)[create] = (options: object) => {
    const cluster = decodeFetchInOnePass(encodeProduceInOnePass(forgetDeletedTopics(factory.call(kafka, options)), produceProtocol()), fetchProtocol());
    clusterTap?.(cluster);
    return cluster;
  };
  return kafka;
}

/**
 * Error answers kafkajs logs like failures that are none: evicting a member that already left the
 * group (every stopped member is evicted in case its own LeaveGroup was lost), and a coordinator
 * still loading its state after a broker start, which kafkajs retries (a lasting failure is
 * reported by the request that gave up).
 */
function isExpectedAnswer(message: string, extra: Record<string, unknown>): boolean {
  if (extra.error === "The coordinator is loading and hence can't process requests for this group") return message.startsWith('Response ');
  return message.startsWith('Response LeaveGroup') && extra.error === 'The coordinator is not aware of this member';
}

/** Set only while createGroupMember builds a consumer (synchronously): its cluster is tapped. */
let clusterTap: ((cluster: object) => void) | null = null;

/**
 * A kafkajs consumer that reports its member id as soon as the coordinator assigns one (KIP-394's
 * MEMBER_ID_REQUIRED round), not only once the join completes. A member stopped or crashed
 * mid-join stays in the group as pending, holding the next rebalance up until its session
 * expires, and kafkajs does not leave for it: whoever knows the id can evict it.
 */
export function createGroupMember(kafka: Kafka, config: ConsumerConfig, onMemberId: (memberId: string) => void): Consumer {
  clusterTap = (cluster) => tapJoinGroup(cluster as TappableCluster, onMemberId);
  try {
    return kafka.consumer(config);
  } finally {
    clusterTap = null;
  }
}

function clusterFactorySymbol(kafka: Kafka): symbol {
  const create = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!create) throw new Error('this kafkajs version does not expose its cluster; pin kafkajs 2.2.4');
  return create;
}

export type {
  InternalAbortedTransaction,
  InternalBroker,
  InternalCluster,
  InternalFetchedMessage,
  InternalFetchedPartition,
  InternalRecordBatch,
} from './internal-cluster.ts';

// kafkajs internals behind the non-throwing fetch and the one-pass produce: request versions, errors.
const require = createRequire(import.meta.url);
const { requests } = require('kafkajs/src/protocol/requests/index.js') as { requests: { Fetch: unknown } };
const API_KEYS = require('kafkajs/src/protocol/requests/apiKeys.js') as { Fetch: number; Produce: number };
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error };
const { lookupCodec, lookupCodecByAttributes } = require('kafkajs/src/protocol/message/compression/index.js') as {
  lookupCodec(type: number): { compress(encoder: { buffer: Buffer }): Promise<Buffer> } | null;
  lookupCodecByAttributes(attributes: number): { decompress(buffer: Buffer): Promise<Buffer> } | null;
};

/** kafkajs's Produce request, for brokers that encode its body themselves (produce-encoding.ts). */
function produceProtocol(): KafkaJSProduceProtocol {
  return {
    apiKey: API_KEYS.Produce,
    // An encoder that holds the body as its buffer (its two fields), rather than a copy of it.
    encoder: (body) => Object.assign(Object.create(KafkaJSEncoder.prototype) as object, { buf: body, offset: body.length }),
    compress: async (codec, records) => {
      const compressor = lookupCodec(codec);
      if (!compressor) throw new Error(`no codec for compression ${codec}`);
      return compressor.compress({ buffer: records });
    },
  };
}

/** kafkajs's Fetch request and codecs, for brokers that decode its responses themselves (fetch-decoding.ts). */
function fetchProtocol(): KafkaJSFetchProtocol {
  return { apiKey: API_KEYS.Fetch, codecFor: (attributes) => lookupCodecByAttributes(attributes) };
}

/** The KafkaJSProtocolError for a Kafka error code (with its `type` and `retriable`). */
export function protocolError(code: number): Error {
  return createErrorFromCode(code);
}

interface ProtocolRequest {
  response: { decode(raw: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
}
interface KafkaJSBroker extends Omit<InternalBroker, 'fetch'> {
  lookupRequest(apiKey: number, definition: unknown): (request: object) => ProtocolRequest;
}

export function createInternalCluster(kafka: Kafka, options: { isolationLevel?: number } = {}): InternalCluster {
  const factory = (kafka as unknown as Record<symbol, (options: object) => KafkaJSCluster>)[clusterFactorySymbol(kafka)]!;
  const cluster = factory.call(kafka, { allowAutoTopicCreation: false, isolationLevel: options.isolationLevel });
  const wrap = (broker: KafkaJSBroker): InternalBroker => ({
    fetch: (request) => fetchKeepingPartitionErrors(broker, request),
    offsetCommit: (request) => broker.offsetCommit(request),
    offsetFetch: (request) => broker.offsetFetch(request),
    leaveGroup: (request) => broker.leaveGroup(request),
  });
  return {
    connect: () => cluster.connect(),
    disconnect: () => cluster.disconnect(),
    addMultipleTargetTopics: (topics) => cluster.addMultipleTargetTopics(topics),
    refreshMetadata: () => cluster.refreshMetadata(),
    findLeaderForPartitions: (topic, partitions) => cluster.findLeaderForPartitions(topic, partitions),
    findTopicPartitionMetadata: (topic) => cluster.findTopicPartitionMetadata(topic),
    findBroker: async (request) => wrap(await cluster.findBroker(request)),
    findGroupCoordinator: async (request) => wrap(await cluster.findGroupCoordinator(request)),
    fetchTopicsOffset: (topics) => cluster.fetchTopicsOffset(topics),
  };
}

type KafkaJSCluster = Omit<InternalCluster, 'findBroker' | 'findGroupCoordinator'> & {
  findBroker(request: { nodeId: string | number }): Promise<KafkaJSBroker>;
  findGroupCoordinator(request: { groupId: string }): Promise<KafkaJSBroker>;
};

/**
 * kafkajs's broker.fetch throws the first partition error it finds (without saying which
 * partition, except for OFFSET_OUT_OF_RANGE) and drops every other partition's records. This sends
 * the same request through the broker's own send path, minus that check.
 */
function fetchKeepingPartitionErrors(broker: KafkaJSBroker, request: Parameters<InternalBroker['fetch']>[0]): ReturnType<InternalBroker['fetch']> {
  const send = sendRequestOf(broker);
  const protocolRequest = broker.lookupRequest(API_KEYS.Fetch, requests.Fetch)(request);
  const keepErrors = { ...protocolRequest, response: { ...protocolRequest.response, parse: async (data: unknown) => data } };
  return send.call(broker, keepErrors) as ReturnType<InternalBroker['fetch']>;
}

function sendRequestOf(broker: KafkaJSBroker): (request: ProtocolRequest) => Promise<unknown> {
  const proto = Object.getPrototypeOf(broker) as Record<symbol, unknown>;
  const symbol = Object.getOwnPropertySymbols(proto).find((s) => s.description === 'private:Broker:sendRequest');
  if (!symbol || typeof proto[symbol] !== 'function') throw new Error('this kafkajs version hides its broker send; pin kafkajs 2.2.4');
  return proto[symbol] as (request: ProtocolRequest) => Promise<unknown>;
}

/**
 * Requests kafkajs has no API for (IncrementalAlterConfigs), sent through a kafkajs cluster of
 * their own on kafkajs's connections, so authentication, the request queue and timeouts are
 * kafkajs's. The body is encoded, and the response decoded, by the caller.
 */
export interface RawRequestCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /**
   * Sends the body to the broker `nodeId`, or with null to any broker (a connected one first, as
   * Java's admin picks its least loaded node), and answers the response body. Throws
   * UNSUPPORTED_VERSION when that broker does not take the request's version.
   */
  send(request: RawRequest, nodeId: number | null, body: Buffer): Promise<Buffer>;
}

export interface RawRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  /** For responses whose client throttles itself (KIP-219): the throttle time the body carries. */
  throttleTimeMs?: (body: Buffer) => number;
}

const Encoder = KafkaJSEncoder as unknown as new () => { writeBuffer(value: Buffer): unknown };
const { KafkaJSBrokerNotFound } = require('kafkajs/src/errors.js') as { KafkaJSBrokerNotFound: new (message: string) => Error };
const UNSUPPORTED_VERSION = 35;

type RawBroker = KafkaJSBroker & { versions: Record<number, { minVersion: number; maxVersion: number }> | null };
type RawCluster = KafkaJSCluster & {
  refreshMetadataIfNecessary(): Promise<void>;
  /** A connected broker, else the first that connects; undefined when none does. */
  brokerPool: { findConnectedBroker(): Promise<RawBroker | undefined> };
};

export function createRawRequestCluster(kafka: Kafka): RawRequestCluster {
  const factory = (kafka as unknown as Record<symbol, (options: object) => RawCluster>)[clusterFactorySymbol(kafka)]!;
  const cluster = factory.call(kafka, { allowAutoTopicCreation: false });
  const brokerFor = async (nodeId: number | null): Promise<RawBroker> => {
    await cluster.refreshMetadataIfNecessary();
    if (nodeId === null) {
      const any = await cluster.brokerPool.findConnectedBroker();
      if (!any) throw new KafkaJSBrokerNotFound('No broker of the cluster could be reached');
      return any;
    }
    // kafkajs's findBroker refreshes its metadata when it does not know the id yet; ask once more.
    return (await cluster.findBroker({ nodeId }).catch(() => cluster.findBroker({ nodeId }))) as RawBroker;
  };
  return {
    connect: () => cluster.connect(),
    disconnect: () => cluster.disconnect(),
    send: async (request, nodeId, body) => {
      const broker = await brokerFor(nodeId);
      const range = broker.versions?.[request.apiKey];
      if (!range || request.apiVersion < range.minVersion || request.apiVersion > range.maxVersion) {
        const error = protocolError(UNSUPPORTED_VERSION);
        error.message = `The broker does not support ${request.apiName} v${request.apiVersion}`;
        throw error;
      }
      const { apiKey, apiVersion, apiName, throttleTimeMs } = request;
      const protocolRequest = {
        request: { apiKey, apiVersion, apiName, encode: async () => new Encoder().writeBuffer(body) },
        response: {
          decode: async (payload: Buffer) => ({ payload, clientSideThrottleTime: throttleTimeMs?.(payload) ?? null }),
          parse: async (decoded: { payload: Buffer }) => decoded.payload,
        },
      };
      return (await sendRequestOf(broker).call(broker, protocolRequest as unknown as ProtocolRequest)) as Buffer;
    },
  };
}
