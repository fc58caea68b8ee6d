/**
 * The simple consumer, an extension from Confluent's v1 API that its users still ask for:
 * `GET /topics/{t}/partitions/{p}/messages?offset=&count=` reads `count` records of one partition
 * from `offset` without creating a consumer instance or joining a group. The Accept header picks
 * the embedded format (binary by default); records come in the v1 shape (no topic field).
 */
import type Router from '@koa/router';
import { codecFor } from '../../codecs/index.ts';
import type { EmbeddedFormat } from '../../codecs/embedded-format.ts';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import type { ClusterMetadata } from '../../kafka/cluster-metadata.ts';
import type { FetcherPool } from '../../kafka/fetcher-pool.ts';
import type { PartitionFetcher } from '../../kafka/partition-fetcher.ts';
import type { FetchedRecord, TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import { produces } from '../content.ts';
import { MediaType } from '../media-types.ts';
import { partitionParam } from './params.ts';
import type { ProxyMetrics } from '../../observability/metrics.ts';
import { recordSize } from '../../actors/consumer/record-buffer.ts';

const MAX_COUNT = 10_000;

const OFFERS = [
  { type: MediaType.V2_BINARY, qs: 1 },
  { type: MediaType.V2, qs: 1 },
  { type: MediaType.V2_JSON, qs: 0.1 },
];

export interface SimpleConsumerOptions {
  metadata: ClusterMetadata;
  /** A read takes one for itself: its long polls hold up no one else's requests. */
  fetchers: FetcherPool;
  /** How long a read waits for `count` records to exist. */
  waitMs: number;
  maxBytes: number;
  metrics?: Pick<ProxyMetrics, 'recordConsumed'>;
}

export function registerSimpleConsumerRoute(router: Router, options: SimpleConsumerOptions): void {
  router.get('/topics/:topic/partitions/:partition/messages', produces(OFFERS), async (ctx) => {
    const topic = ctx.params.topic!;
    const partition = partitionParam(ctx.params.partition);
    const format: EmbeddedFormat = ctx.state.responseType === MediaType.V2_JSON ? 'json' : 'binary';
    const offset = queryNumber(ctx.query.offset, 'offset', undefined);
    const count = queryNumber(ctx.query.count, 'count', 1);
    if (count < 1 || count > MAX_COUNT) throw Errors.badRequest(`count must be between 1 and ${MAX_COUNT}`);

    const info = await options.metadata.topic(topic);
    if (!info) throw Errors.topicNotFound(topic);
    if (!info.partitions.some((p) => p.partition === partition)) throw Errors.partitionNotFound();
    const range = await options.metadata.partitionOffsets(topic, partition);
    if (!range || offset < range.beginning_offset || offset > range.end_offset) {
      throw new RestError(
        ErrorCode.PartitionNotFound,
        `Offset ${offset} is out of range: partition ${partition} of ${topic} holds offsets ${range?.beginning_offset ?? 0} to ${(range?.end_offset ?? 1) - 1}.`,
      );
    }

    const deadline = Date.now() + options.waitMs;
    const records = await options.fetchers.use((fetcher) => readFrom(fetcher, { topic, partition, offset }, count, deadline, options.maxBytes));
    const codec = codecFor(format)!;
    if (records.length > 0) options.metrics?.recordConsumed(topic, records.length, records.reduce((n, r) => n + recordSize(r), 0));
    ctx.body = records.map((r) => ({ key: codec.decode(r.key), value: codec.decode(r.value), partition: r.partition, offset: r.offset }));
  });
}

function queryNumber(raw: unknown, name: string, fallback: number | undefined): number {
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || text === '') {
    if (fallback === undefined) throw Errors.badRequest(`query parameter ${name} is required`);
    return fallback;
  }
  if (typeof text !== 'string' || !/^\d{1,15}$/.test(text)) throw Errors.badRequest(`query parameter ${name} must be a non-negative integer`);
  return Number(text);
}

/** Up to `count` records of one partition from `offset`, waiting for them until `deadline`. */
async function readFrom(fetcher: PartitionFetcher, from: TopicPartitionOffset, count: number, deadline: number, maxBytes: number): Promise<FetchedRecord[]> {
  const { topic, partition } = from;
  const records: FetchedRecord[] = [];
  let next = from.offset;
  while (records.length < count) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const { records: fetched, outOfRange, nextOffsets } = await fetcher.fetch([{ topic, partition, offset: next }], {
      maxWaitMs: Math.min(remaining, 1000),
      minBytes: 1,
      maxBytes,
      maxBytesPerPartition: maxBytes,
    });
    if (outOfRange.length > 0) break; // deleted by retention meanwhile
    for (const record of fetched) {
      if (records.length === count) break;
      records.push(record);
      next = record.offset + 1;
    }
    // Past batches that yielded nothing (aborted transactions, markers), or we would ask again.
    const advanced = nextOffsets.find((p) => p.partition === partition)?.offset;
    if (records.length < count && advanced !== undefined && advanced > next) next = advanced;
  }
  return records;
}
