/**
 * API v2 consumers (Confluent's ConsumersResource): instances, subscriptions, assignments,
 * positions, offsets and records. Handlers parse and validate, then send a command through the
 * consumer port with a deadline and the caller's principal; they never touch an instance. A
 * records response is acknowledged to the instance once written, or reported failed (client
 * gone), so its records are put back.
 */
import type Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { AnswerOf, ConsumerCommand, ConsumerPort } from '../../actors/consumer/protocol.ts';
import type { EmbeddedFormat } from '../../codecs/embedded-format.ts';
import { Errors } from '../../errors.ts';
import type { RequestBody } from '../app.ts';
import { NO_BODY } from '../body.ts';
import { consumes, produces } from '../content.ts';
import { MediaType, type Offer } from '../media-types.ts';
import { InstanceClient } from './instance-client.ts';
import { streamRecords } from './record-stream.ts';
import {
  MAX_CONSUMER_REQUEST_TIMEOUT_MS,
  parseCommit,
  parseCreateConsumer,
  parsePartitions,
  parsePositions,
  parseSubscription,
  type ConsumerDefaults,
  type SubscriptionLimits,
} from './consumer-requests.ts';
import { recordsBody } from './records-body.ts';
import { publicOrigin } from '../origin.ts';

export interface ConsumerRoutesOptions {
  consumers: ConsumerPort;
  body: RequestBody;
  defaults: ConsumerDefaults;
  subscriptionLimits: SubscriptionLimits;
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
  // Push consume (an extension): only an explicit `text/event-stream` asks for it.
  { type: MediaType.EVENT_STREAM, qs: 0.05, explicit: true },
];

const FORMAT_OF_TYPE: Record<string, EmbeddedFormat> = {
  [MediaType.V2_BINARY]: 'binary',
  [MediaType.V2]: 'binary',
  [MediaType.V2_JSON]: 'json',
  [MediaType.V2_AVRO]: 'avro',
  [MediaType.V2_JSONSCHEMA]: 'jsonschema',
  [MediaType.V2_PROTOBUF]: 'protobuf',
};

export function registerConsumerRoutes(router: Router, options: ConsumerRoutesOptions): void {
  const { consumers, body, defaults } = options;
  const accepts = consumes([MediaType.V2, ...EMBEDDED_OFFERS.map((o) => o.type)]);
  const v2 = produces(CONSUMER_RESPONSE);
  const instanceOf = (ctx: Context) => new InstanceClient(ctx, portFor(ctx, consumers), options.answerWithinMs);
  const ask = <C extends ConsumerCommand>(ctx: Context, command: C): Promise<AnswerOf[C['type']]> => instanceOf(ctx).ask(command);
  const base = '/consumers/:group/instances/:instance';

  router.post('/consumers/:group', accepts, v2, async (ctx) => {
    const request = parseCreateConsumer(await body.read(ctx), defaults);
    const owner = ctx.state.principal?.name;
    const created = await consumers.create(ctx.params.group!, owner === undefined ? request : { ...request, owner });
    ctx.body = { instance_id: created.name, base_uri: baseUri(ctx, options.advertisedListeners, created.group, created.name) };
  });

  router.delete(base, accepts, v2, async (ctx) => {
    await ask(ctx, { type: 'Delete' });
    ctx.status = 204;
  });

  router.post(`${base}/subscription`, accepts, v2, async (ctx) => {
    const subscription = parseSubscription(await body.read(ctx), options.subscriptionLimits);
    const empty = 'topics' in subscription && subscription.topics.length === 0;
    await ask(ctx, empty ? { type: 'Unsubscribe' } : { type: 'Subscribe', subscription });
    ctx.status = 204;
  });

  router.get(`${base}/subscription`, v2, async (ctx) => {
    ctx.body = { topics: await ask(ctx, { type: 'GetSubscription' }) };
  });

  router.delete(`${base}/subscription`, accepts, v2, async (ctx) => {
    await ask(ctx, { type: 'Unsubscribe' });
    ctx.status = 204;
  });

  router.post(`${base}/assignments`, accepts, v2, async (ctx) => {
    const partitions = parsePartitions(await body.read(ctx), 'assignment');
    await ask(ctx, { type: 'Assign', partitions });
    ctx.status = 204;
  });

  router.get(`${base}/assignments`, v2, async (ctx) => {
    ctx.body = { partitions: await ask(ctx, { type: 'GetAssignment' }) };
  });

  router.post(`${base}/positions`, accepts, v2, async (ctx) => {
    const { offsets, timestamps } = parsePositions(await body.read(ctx));
    await ask(ctx, { type: 'Seek', offsets, timestamps });
    ctx.status = 204;
  });

  for (const edge of ['beginning', 'end'] as const) {
    router.post(`${base}/positions/${edge}`, accepts, v2, async (ctx) => {
      const partitions = parsePartitions(await body.read(ctx), 'seekTo');
      await ask(ctx, { type: 'SeekToEdge', partitions, edge });
      ctx.status = 204;
    });
  }

  router.post(`${base}/offsets`, accepts, v2, async (ctx) => {
    const offsets = parseCommit(await body.read(ctx));
    await ask(ctx, { type: 'Commit', offsets });
    ctx.body = [];
  });

  // GET with a JSON body, as Confluent defines it; no body is 404/40402 (Confluent's quirk).
  router.get(`${base}/offsets`, v2, async (ctx) => {
    const raw = await body.read(ctx);
    if (raw === null || raw === NO_BODY) {
      await ask(ctx, { type: 'Describe' }); // an unknown instance is still 40403
      throw Errors.partitionNotFound();
    }
    const partitions = parsePartitions(raw, 'committed');
    const committed = await ask(ctx, { type: 'GetCommitted', partitions });
    ctx.body = { offsets: committed.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset, metadata })) };
  });

  router.get(`${base}/records`, produces(RECORDS_RESPONSE), async (ctx) => {
    const instance = instanceOf(ctx);
    // Confluent takes the smaller of timeout and consumer.request.timeout.ms: huge values are fine.
    const timeoutMs = Math.min(queryInt(ctx, 'timeout', -1), MAX_CONSUMER_REQUEST_TIMEOUT_MS);
    const maxBytes = queryInt(ctx, 'max_bytes', -1);
    if (ctx.state.responseType === MediaType.EVENT_STREAM) return streamRecords(ctx, { ...options, consumers: portFor(ctx, consumers) }, { timeoutMs, maxBytes });
    const format = FORMAT_OF_TYPE[ctx.state.responseType as string]!;
    const requestId = randomUUID();
    // A client that leaves while the read waits cancels it: what it took goes back at once.
    let gone = false;
    const left = () => {
      gone = !ctx.res.writableFinished;
      if (gone) instance.tell({ type: 'Cancel', requestId });
    };
    ctx.res.once('close', left);
    const extra = timeoutMs > 0 ? timeoutMs : MAX_CONSUMER_REQUEST_TIMEOUT_MS;
    const answer = await instance.ask({ type: 'Read', timeoutMs, maxBytes, format }, extra, requestId).finally(() => ctx.res.off('close', left));
    const { delivery } = answer;
    if (delivery) {
      // Positions are journaled only once the response is out; a response that fails goes back in line.
      // Runs in the response's 'finish'/'close' listener, outside Koa: a throw there would be uncaught.
      const ack = (delivered: boolean) => {
        try {
          instance.tell({ type: 'Ack', delivery, delivered });
        } catch (error) {
          ctx.log?.error({ err: error }, 'could not acknowledge a records response to its consumer instance');
        }
      };
      if (gone || ctx.res.destroyed) ack(false);
      else {
        ctx.res.once('finish', () => ack(true));
        ctx.res.once('close', () => ctx.res.writableFinished || ack(false));
      }
    }
    // Written as bytes, not as objects for Koa to stringify: the same JSON, for a fraction of the CPU.
    ctx.body = answer.encoded ?? recordsBody(answer.records, format);
  });
}

/**
 * The port as the request's principal uses it: every command carries the principal's name, so
 * the supervisor answers another owner's instance as unknown. Unauthenticated: the port as is.
 */
function portFor(ctx: Context, consumers: ConsumerPort): ConsumerPort {
  const principal = ctx.state.principal?.name;
  if (principal === undefined) return consumers;
  return {
    create: (group, request) => consumers.create(group, request),
    ask: (envelope) => consumers.ask({ ...envelope, principal }),
  };
}

/** `base_uri`: the advertised listener with the request's scheme, else the request's own origin. */
function baseUri(ctx: Context, advertised: URL[], group: string, name: string): string {
  return `${publicOrigin(ctx, advertised)}/consumers/${encodeURIComponent(group)}/instances/${encodeURIComponent(name)}`;
}

function queryInt(ctx: Context, name: string, fallback: number): number {
  const raw = ctx.query[name];
  if (raw === undefined || raw === '') return fallback;
  const text = Array.isArray(raw) ? raw[0]! : raw;
  if (!/^-?\d{1,15}$/.test(text)) throw Errors.badRequest(`query parameter ${name} must be an integer, got "${text}"`);
  return Number(text);
}
