/**
 * API v2 produce: POST /topics/{topic} and POST /topics/{topic}/partitions/{partition}. The
 * Content-Type picks the embedded format; the producer pool does the rest.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { PartitionOffset, ProduceClient, ProduceRecord } from '../../actors/producer/produce-records.ts';
import { requestClient } from '../produce-client.ts';
import { codecFor } from '../../codecs/index.ts';
import { ErrorCode } from '../../errors.ts';
import type { RequestBody } from '../app.ts';
import { consumes, produces } from '../content.ts';
import { EMBEDDED_REQUEST_TYPES, MediaType } from '../media-types.ts';
import { requestMediaType } from '../negotiation.ts';
import { partitionParam } from './params.ts';
import { produceRecord, readProduceRequest } from './produce-request.ts';
import { isSchemaFormat, type SchemaCodecs } from '../../codecs/schema-codecs.ts';

export interface Producer {
  /** Records not yet sent when the `client` goes away are dropped. A full buffer throws a 429 RestError. */
  produce(topic: string, records: ProduceRecord[], defaultPartition?: number, client?: ProduceClient): Promise<PartitionOffset[]>;
}

// Confluent's produce resources answer only in the v2 type (plain JSON kept as a lenient extra).
const PRODUCE_RESPONSE = [
  { type: MediaType.V2, qs: 1 },
  { type: MediaType.JSON, qs: 0.5 },
];

export function registerProduceRoutes(router: Router, producer: Producer, body: RequestBody, schemas: SchemaCodecs): void {
  const handle = async (ctx: Context, defaultPartition?: number) => {
    // No Content-Type reaches the binary resource, as Jersey routes it to the highest weight.
    const format = EMBEDDED_REQUEST_TYPES.get(requestMediaType(ctx.get('content-type')) ?? MediaType.V2_BINARY)!;
    const topic = ctx.params.topic!;
    const request = readProduceRequest(await body.read(ctx));
    let records: ProduceRecord[];
    let keySchemaId: number | null = null;
    let valueSchemaId: number | null = null;
    if (isSchemaFormat(format)) {
      // Schemas are resolved (and registered) and every record encoded before anything is sent.
      const prepared = await schemas.prepareProduce(topic, format, request);
      records = prepared.records.map((encoded, i) => produceRecord(encoded, request.records[i]!));
      ({ keySchemaId, valueSchemaId } = prepared);
    } else {
      const codec = codecFor(format)!;
      records = request.records.map((record) => produceRecord({ key: codec.encode(record.key), value: codec.encode(record.value) }, record));
    }
    const offsets = await producer.produce(topic, records, defaultPartition, requestClient(ctx));
    ctx.status = statusOf(offsets);
    ctx.body = { offsets, key_schema_id: keySchemaId, value_schema_id: valueSchemaId };
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
