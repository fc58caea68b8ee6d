/**
 * API v3 produce: POST /v3/clusters/{cluster_id}/topics/{topic_name}/records (a stream of records
 * in, a stream of receipts out; produce-stream.ts) and .../records:batch (207 with successes and
 * failures; produce-batch.ts). Like Confluent's open-source proxy, these do not check the cluster
 * id: receipts name the one in the path.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { SchemaCodecs } from '../../codecs/schema-codecs.ts';
import type { SchemaRegistry } from '../../registry/schema-registry.ts';
import { bindRecordRequest } from './produce-request.ts';
import { errorEntry, type PartitionCount, type RecordProduction, type RecordSender } from './produce-record.ts';
import { SendOrder } from './send-order.ts';
import { ReceiptLines, streamRecord } from './stream-record.ts';
import { ProduceSchemas } from './produce-schemas.ts';
import { produceBatch, readBatch } from './produce-batch.ts';
import { streamProduce, type StreamLimits } from './produce-stream.ts';
import type { V3 } from './routes.ts';
import { requestClient } from '../produce-client.ts';
import type { ProduceAdmission } from '../rate-limit/middleware.ts';

/** What v3 produce needs from the proxy (the producer pool, schema codecs, limits). */
export interface V3ProduceServices {
  /** The producer pool. */
  sender: RecordSender;
  /** Partition counts, as the pool sees them (topic-partitions.ts). */
  partitions: PartitionCount;
  registry: SchemaRegistry;
  schemas: SchemaCodecs;
  stream: StreamLimits;
  batchMaximumEntries: number;
  /** `api.v3.produce.rate.limit.*`: each streamed record is admitted or answered 429; absent = no limit. */
  admit?: ProduceAdmission;
}

const RECORDS = '/clusters/:cluster_id/topics/:topic_name/records';

export function registerProduceRoutes(router: Router, v3: V3): void {
  const services = v3.services.produce;
  const production: RecordProduction = {
    sender: services.sender,
    partitions: services.partitions,
    schemas: new ProduceSchemas(services.registry, services.schemas),
    onUnexpected: (error) => v3.services.logger.error({ err: error }, 'v3 produce failed unexpectedly'),
  };
  const path = (ctx: Context) => ({ clusterId: ctx.params.cluster_id!, topic: ctx.params.topic_name! });

  router.post(RECORDS, async (ctx) => {
    const { clusterId, topic } = path(ctx);
    const lines = new ReceiptLines(clusterId, topic);
    const admit = services.admit?.(ctx);
    let order: SendOrder | null = null;
    await streamProduce(ctx, services.stream, (value, client, bytes, reply) => {
      const refused = admit?.(bytes);
      if (refused) return refused;
      let request;
      try {
        request = bindRecordRequest(value);
      } catch (error) {
        return errorEntry(error);
      }
      order ??= new SendOrder(production.sender, topic, client, true);
      streamRecord(production, order, lines, request, reply);
    });
  });

  router.post(`${RECORDS}\\:batch`, async (ctx) => {
    const { clusterId, topic } = path(ctx);
    const entries = readBatch(await v3.body(ctx), services.batchMaximumEntries);
    ctx.body = await produceBatch(production, clusterId, topic, entries, requestClient(ctx));
    ctx.status = 207;
  });
}

