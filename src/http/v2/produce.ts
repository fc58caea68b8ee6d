/**
 * API v2 produce: POST /topics/{topic} and POST /topics/{topic}/partitions/{partition}. The
 * Content-Type picks the embedded format; the producer pool does the rest.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { PartitionOffset, ProduceRecord } from '../../actors/producer/pool.ts';
import { codecFor } from '../../codecs/index.ts';
import { ErrorCode, RestError } from '../../errors.ts';
import type { RequestBody } from '../app.ts';
import { consumes, produces } from '../content.ts';
import { EMBEDDED_REQUEST_TYPES, MediaType } from '../media-types.ts';
import { requestMediaType } from '../negotiation.ts';
import { partitionParam } from './params.ts';
import { parseProduceRequest } from './produce-request.ts';

export interface Producer {
  produce(topic: string, records: ProduceRecord[], defaultPartition?: number): Promise<PartitionOffset[]>;
}

// Confluent's produce resources answer only in the v2 type (plain JSON kept as a lenient extra).
const PRODUCE_RESPONSE = [
  { type: MediaType.V2, qs: 1 },
  { type: MediaType.JSON, qs: 0.5 },
];

export function registerProduceRoutes(router: Router, producer: Producer, body: RequestBody): void {
  const handle = async (ctx: Context, defaultPartition?: number) => {
    // No Content-Type reaches the binary resource, as Jersey routes it to the highest weight.
    const format = EMBEDDED_REQUEST_TYPES.get(requestMediaType(ctx.get('content-type')) ?? MediaType.V2_BINARY)!;
    const codec = codecFor(format);
    if (!codec) {
      throw new RestError(
        ErrorCode.InvalidPayload,
        `Payload error. The ${format} embedded format needs a schema registry, which this proxy does not support yet.`,
      );
    }
    const records = parseProduceRequest(await body.read(ctx), codec);
    const offsets = await producer.produce(ctx.params.topic!, records, defaultPartition);
    ctx.status = statusOf(offsets);
    ctx.body = { offsets, key_schema_id: null, value_schema_id: null };
  };

  const accepts = consumes(EMBEDDED_REQUEST_TYPES.keys());
  router.post('/topics/:topic', accepts, produces(PRODUCE_RESPONSE), (ctx) => handle(ctx));
  router.post('/topics/:topic/partitions/:partition', accepts, produces(PRODUCE_RESPONSE), (ctx) =>
    handle(ctx, partitionParam(ctx.params.partition)),
  );
}

/** 200 even when records failed, except that failed authentication/authorization set the status. */
function statusOf(offsets: PartitionOffset[]): number {
  if (offsets.some((o) => o.error_code === ErrorCode.KafkaAuthentication)) return 401;
  if (offsets.some((o) => o.error_code === ErrorCode.KafkaAuthorization)) return 403;
  return 200;
}
