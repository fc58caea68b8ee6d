/**
 * API v2 consumers (Confluent's ConsumersResource): instances, subscriptions, assignments,
 * positions, offsets and records. Handlers only talk to the supervisor and the instance actors,
 * and never wait on them longer than a deadline.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ConsumerInstance } from '../../actors/consumer/instance.ts';
import type { ConsumerSupervisor } from '../../actors/consumer/supervisor.ts';
import type { EmbeddedFormat } from '../../codecs/embedded-format.ts';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import type { RequestBody } from '../app.ts';
import { NO_BODY } from '../body.ts';
import { consumes, produces } from '../content.ts';
import { MediaType, type Offer } from '../media-types.ts';
import {
  parseCommit,
  parseCreateConsumer,
  parsePartitions,
  parsePositions,
  parseSubscription,
  type ConsumerDefaults,
} from './consumer-requests.ts';

export interface ConsumerRoutesOptions {
  supervisor: ConsumerSupervisor;
  body: RequestBody;
  defaults: ConsumerDefaults;
  advertisedListeners: URL[];
  /** Upper bound on any wait for an instance beyond a read's own timeout. */
  answerWithinMs: number;
}

const EMBEDDED_OFFERS: Offer[] = [
  { type: MediaType.V2_BINARY, qs: 0.1 },
  { type: MediaType.V2_JSON, qs: 0.1 },
  { type: MediaType.V2_AVRO, qs: 0.1 },
  { type: MediaType.V2_JSONSCHEMA, qs: 0.1 },
  { type: MediaType.V2_PROTOBUF, qs: 0.1 },
];

/** Confluent's class-level @Produces: the v2 type first, the embedded types at a low weight. */
const CONSUMER_RESPONSE: Offer[] = [{ type: MediaType.V2, qs: 0.9 }, { type: MediaType.JSON, qs: 0.5 }, ...EMBEDDED_OFFERS];

/** GET records: the binary reader answers both the binary and the plain v2 type. */
const RECORDS_RESPONSE: Offer[] = [
  { type: MediaType.V2_BINARY, qs: 1 },
  { type: MediaType.V2, qs: 1 },
  { type: MediaType.V2_JSON, qs: 0.1 },
  { type: MediaType.V2_AVRO, qs: 0.1 },
  { type: MediaType.V2_JSONSCHEMA, qs: 0.1 },
  { type: MediaType.V2_PROTOBUF, qs: 0.1 },
];

const FORMAT_OF_TYPE: Record<string, EmbeddedFormat> = {
  [MediaType.V2_BINARY]: 'binary',
  [MediaType.V2]: 'binary',
  [MediaType.V2_JSON]: 'json',
  [MediaType.V2_AVRO]: 'avro',
  [MediaType.V2_JSONSCHEMA]: 'jsonschema',
  [MediaType.V2_PROTOBUF]: 'protobuf',
};

const SCHEMA_FORMATS = new Set<EmbeddedFormat>(['avro', 'jsonschema', 'protobuf']);

export function registerConsumerRoutes(router: Router, options: ConsumerRoutesOptions): void {
  const { supervisor, body, defaults } = options;
  const accepts = consumes([MediaType.V2, ...EMBEDDED_OFFERS.map((o) => o.type)]);
  const v2 = produces(CONSUMER_RESPONSE);
  const instance = (ctx: Context): ConsumerInstance => supervisor.get(ctx.params.group!, ctx.params.instance!);
  const within = <T>(work: Promise<T>, extraMs = 0) => deadline(work, options.answerWithinMs + extraMs);
  const base = '/consumers/:group/instances/:instance';

  router.post('/consumers/:group', accepts, v2, async (ctx) => {
    const request = parseCreateConsumer(await body.read(ctx), defaults);
    const created = supervisor.create(ctx.params.group!, request);
    ctx.body = { instance_id: created.context.name, base_uri: baseUri(ctx, options.advertisedListeners, ctx.params.group!, created.context.name) };
  });

  router.delete(base, accepts, v2, async (ctx) => {
    await within(supervisor.delete(ctx.params.group!, ctx.params.instance!));
    ctx.status = 204;
  });

  router.post(`${base}/subscription`, accepts, v2, async (ctx) => {
    const subscription = parseSubscription(await body.read(ctx));
    const target = instance(ctx);
    await within('topics' in subscription && subscription.topics.length === 0 ? target.unsubscribe() : target.subscribe(subscription));
    ctx.status = 204;
  });

  router.get(`${base}/subscription`, v2, async (ctx) => {
    ctx.body = { topics: await within(instance(ctx).subscription()) };
  });

  router.delete(`${base}/subscription`, accepts, v2, async (ctx) => {
    await within(instance(ctx).unsubscribe());
    ctx.status = 204;
  });

  router.post(`${base}/assignments`, accepts, v2, async (ctx) => {
    const partitions = parsePartitions(await body.read(ctx));
    await within(instance(ctx).assign(partitions));
    ctx.status = 204;
  });

  router.get(`${base}/assignments`, v2, async (ctx) => {
    ctx.body = { partitions: await within(instance(ctx).assignments()) };
  });

  router.post(`${base}/positions`, accepts, v2, async (ctx) => {
    const { offsets, timestamps } = parsePositions(await body.read(ctx));
    await within(instance(ctx).seekPositions(offsets, timestamps));
    ctx.status = 204;
  });

  for (const edge of ['beginning', 'end'] as const) {
    router.post(`${base}/positions/${edge}`, accepts, v2, async (ctx) => {
      const partitions = parsePartitions(await body.read(ctx));
      await within(instance(ctx).seekToEdge(partitions, edge));
      ctx.status = 204;
    });
  }

  router.post(`${base}/offsets`, accepts, v2, async (ctx) => {
    const offsets = parseCommit(await body.read(ctx));
    await within(instance(ctx).commit(offsets));
    ctx.body = [];
  });

  // GET with a JSON body, as Confluent defines it; no body is 404/40402 (Confluent's quirk).
  router.get(`${base}/offsets`, v2, async (ctx) => {
    const target = instance(ctx);
    const raw = await body.read(ctx);
    if (raw === null || raw === NO_BODY) throw Errors.partitionNotFound();
    const partitions = parsePartitions(raw);
    const committed = await within(target.committed(partitions));
    ctx.body = { offsets: committed.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset, metadata })) };
  });

  router.get(`${base}/records`, produces(RECORDS_RESPONSE), async (ctx) => {
    const target = instance(ctx);
    const wanted = FORMAT_OF_TYPE[ctx.state.responseType as string]!;
    const actual = target.context.config.format;
    // Confluent tells the formats apart by reader class: the schema formats share one.
    if (wanted !== actual && !(SCHEMA_FORMATS.has(wanted) && SCHEMA_FORMATS.has(actual))) {
      throw new RestError(
        ErrorCode.ConsumerFormatMismatch,
        'The requested embedded data format does not match the deserializer for this consumer instance',
      );
    }
    const timeoutMs = queryInt(ctx, 'timeout', -1);
    const maxBytes = queryInt(ctx, 'max_bytes', -1);
    const result = await within(target.read({ timeoutMs, maxBytes }), Math.max(0, timeoutMs));
    // Positions are journaled only once the response is out; a response that fails goes back in line.
    ctx.res.once('finish', () => result.settle(true));
    ctx.res.once('close', () => result.settle(false));
    ctx.body = result.records;
  });
}

/** `base_uri`: the advertised listener with the request's scheme, else the request's own origin. */
function baseUri(ctx: Context, advertised: URL[], group: string, name: string): string {
  const scheme = `${ctx.protocol}:`;
  const listener = advertised.find((url) => url.protocol === scheme) ?? advertised[0];
  const origin = listener ? `${listener.protocol}//${listener.host}` : `${ctx.protocol}://${ctx.host}`;
  return `${origin}/consumers/${encodeURIComponent(group)}/instances/${encodeURIComponent(name)}`;
}

function queryInt(ctx: Context, name: string, fallback: number): number {
  const raw = ctx.query[name];
  if (raw === undefined || raw === '') return fallback;
  const text = Array.isArray(raw) ? raw[0]! : raw;
  if (!/^-?\d{1,15}$/.test(text)) throw Errors.badRequest(`query parameter ${name} must be an integer, got "${text}"`);
  return Number(text);
}

function deadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RestError(ErrorCode.KafkaRetriableError, `The consumer instance did not answer within ${ms} ms.`)),
      ms,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
