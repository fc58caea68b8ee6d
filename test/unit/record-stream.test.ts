/**
 * The record stream without a broker: its wire format, Last-Event-ID parsing, the negotiation
 * that selects it, and its loop against a scripted consumer port (keep-alives, acknowledgements,
 * cancellation on disconnect, refused seeks).
 */
import Router from '@koa/router';
import Koa from 'koa';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { CommandEnvelope, ConsumerCommand, ConsumerPort, ReadAnswer } from '../../src/actors/consumer/protocol.ts';
import { ErrorCode, RestError } from '../../src/errors.ts';
import { errorHandler } from '../../src/http/error-handler.ts';
import { MediaType, type Offer } from '../../src/http/media-types.ts';
import { negotiate } from '../../src/http/negotiation.ts';
import { errorEvent, parseLastEventId, recordEvent, streamRecords } from '../../src/http/v2/record-stream.ts';
import { SseClient } from '../helpers/sse.ts';

test('one event per record: id, event and a single data line with the v2 record object', () => {
  const record = { topic: 't.1', key: null, value: { text: 'a\nb\u2028' }, partition: 2, offset: 41 };
  assert.equal(recordEvent(record, 'json'), `id: t.1/2/41\nevent: record\ndata: {"topic":"t.1","key":null,"value":{"text":"a\\nb\u2028"},"partition":2,"offset":41}\n\n`);
  const binary = { topic: 't', key: 'a2V5', value: 'Y29uZmx1ZW50', partition: 0, offset: 3 };
  assert.equal(recordEvent(binary, 'binary'), `id: t/0/3\nevent: record\ndata: ${JSON.stringify(binary)}\n\n`, 'the JSON of a records response');
  assert.equal(errorEvent(new RestError(40403, 'Consumer instance not found.')), 'event: error\ndata: {"error_code":40403,"message":"Consumer instance not found."}\n\n');
});

test('Last-Event-ID is parsed strictly', () => {
  assert.equal(parseLastEventId(undefined), null);
  assert.equal(parseLastEventId(''), null);
  assert.deepEqual(parseLastEventId('my.topic-1/0/0'), { topic: 'my.topic-1', partition: 0, offset: 0 });
  assert.deepEqual(parseLastEventId(`t/2147483647/${Number.MAX_SAFE_INTEGER - 1}`), { topic: 't', partition: 2 ** 31 - 1, offset: Number.MAX_SAFE_INTEGER - 1 });
  for (const bad of ['t', 't/0', 't/0/1/2', '/0/1', 't/-1/0', 't/0/-1', 't/01/0', 't/0/1.0', 't/0/1 ', ' t/0/1', 't/2147483648/0', `t/0/${Number.MAX_SAFE_INTEGER}`, './0/1', '../0/1', 'a b/0/1', `${'x'.repeat(250)}/0/1`]) {
    assert.throws(() => parseLastEventId(bad), (e: RestError) => e.status === 400 && e.errorCode === 400, bad);
  }
});

test('text/event-stream is chosen only when asked for explicitly', () => {
  const offers: Offer[] = [
    { type: MediaType.V2_BINARY, qs: 1 },
    { type: MediaType.V2, qs: 1 },
    { type: MediaType.V2_JSON, qs: 0.1 },
    { type: MediaType.EVENT_STREAM, qs: 0.05, explicit: true },
  ];
  assert.equal(negotiate('text/event-stream', offers), MediaType.EVENT_STREAM);
  assert.equal(negotiate('text/event-stream, */*;q=0.1', offers), MediaType.EVENT_STREAM);
  assert.equal(negotiate('text/event-stream;q=0.5, application/vnd.kafka.binary.v2+json', offers), MediaType.V2_BINARY);
  assert.equal(negotiate('text/event-stream, application/vnd.kafka.json.v2+json', offers), MediaType.V2_JSON, 'a tie goes to the JSON batch');
  assert.equal(negotiate('text/event-stream;q=0', offers), null);
  assert.equal(negotiate(undefined, offers), MediaType.V2_BINARY);
  assert.equal(negotiate('*/*', offers), MediaType.V2_BINARY);
  assert.equal(negotiate('text/*', offers), null, 'text/* is not an explicit ask: 406 as with Confluent');
});

/** A consumer port that answers reads from a script and records every command. */
class ScriptedPort implements ConsumerPort {
  readonly commands: ConsumerCommand[] = [];
  reads: Array<ReadAnswer | RestError> = [];
  seekRefused = false;
  /** Resolves a read that is waiting for records (when the script ran out). */
  private waiting: ((answer: ReadAnswer) => void) | null = null;

  async create(): Promise<never> {
    throw new Error('not used');
  }

  async ask<C extends ConsumerCommand>(envelope: CommandEnvelope<C>): Promise<any> {
    const { command } = envelope;
    this.commands.push(command);
    assert.ok(envelope.deadline > Date.now(), 'every ask carries a deadline');
    switch (command.type) {
      case 'Describe':
        return { group: 'g', name: 'i', config: { format: 'json' } };
      case 'Seek':
        if (this.seekRefused) throw new RestError(ErrorCode.IllegalState, 'Illegal state: No current assignment for partition t-0');
        return null;
      case 'Read': {
        const next = this.reads.shift();
        if (next instanceof RestError) throw next;
        if (next) return next;
        // Nothing scripted: an empty read after its timeout, or whatever a Cancel makes of it.
        return new Promise((resolve) => {
          this.waiting = resolve;
          setTimeout(() => resolve({ records: [], delivery: null }), command.timeoutMs);
        });
      }
      case 'Cancel':
        this.waiting?.({ records: [], delivery: null });
        return null;
      default:
        return null;
    }
  }

  of<T extends ConsumerCommand['type']>(type: T): Array<Extract<ConsumerCommand, { type: T }>> {
    return this.commands.filter((c): c is Extract<ConsumerCommand, { type: T }> => c.type === type);
  }
}

const record = (offset: number) => ({ topic: 't', key: null, value: offset, partition: 0, offset });

describe('the stream loop against a scripted port', () => {
  let port: ScriptedPort;
  let url: string;
  let server: ReturnType<Koa['listen']>;

  before(async () => {
    const app = new Koa();
    const router = new Router();
    router.get('/consumers/:group/instances/:instance/records', (ctx) =>
      streamRecords(ctx, { consumers: port, answerWithinMs: 5_000, keepAliveMs: 300 }, { timeoutMs: -1, maxBytes: 1000 }),
    );
    app.use(errorHandler).use(router.routes());
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/consumers/g/instances/i/records`;
  });
  after(() => server.close());

  test('records become events, acknowledged once flushed; idle streams get keep-alives', async () => {
    port = new ScriptedPort();
    port.reads = [{ records: [record(0), record(1)], delivery: 'd1' }, { records: [], delivery: null }, { records: [record(2)], delivery: 'd2' }];
    const stream = await SseClient.open(url);
    try {
      assert.equal(stream.status, 200);
      await stream.waitForEvents(3, 5_000);
      assert.deepEqual(stream.events.map((e) => e.id), ['t/0/0', 't/0/1', 't/0/2']);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.ok(stream.comments.length >= 2, `keep-alives on an idle stream (got ${stream.comments.length})`);
      assert.ok(stream.comments.every((c) => c === 'keep-alive'));
      assert.deepEqual(port.of('Ack'), [{ type: 'Ack', delivery: 'd1', delivered: true }, { type: 'Ack', delivery: 'd2', delivered: true }]);
      const reads = port.of('Read');
      assert.equal(reads[0]!.timeoutMs, 1, 'a short first read, so state errors are still JSON');
      assert.ok(reads.slice(1).every((r) => r.timeoutMs >= 1 && r.timeoutMs <= 300 && r.maxBytes === 1000 && r.format === 'json'), 'reads never outlast a keep-alive');
    } finally {
      stream.close();
    }
    // The read waiting when the client left is cancelled.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(port.of('Cancel').length, 1);
  });

  test('a refused seek is ignored; a seek goes to the offset after Last-Event-ID', async () => {
    for (const refused of [false, true]) {
      port = new ScriptedPort();
      port.seekRefused = refused;
      port.reads = [{ records: [record(8)], delivery: 'd' }];
      const stream = await SseClient.open(url, { 'Last-Event-ID': 't/0/7' });
      await stream.waitForEvents(1, 5_000);
      stream.close();
      assert.equal(stream.status, 200);
      assert.deepEqual(port.of('Seek'), [{ type: 'Seek', offsets: [{ topic: 't', partition: 0, offset: 8 }], timestamps: [] }]);
    }
  });

  test('errors: before the stream a JSON envelope, after it a final error event', async () => {
    port = new ScriptedPort();
    port.reads = [new RestError(ErrorCode.IllegalState, 'Illegal state: Consumer is not subscribed to any topics or assigned any partitions')];
    const refused = await SseClient.open(url);
    assert.equal(refused.status, 409);
    assert.match(String(refused.headers['content-type']), /^application\/json/);
    assert.equal((await refused.json()).error_code, 40903);

    port = new ScriptedPort();
    port.reads = [{ records: [record(0)], delivery: 'd' }, new RestError(40403, 'Consumer instance not found.')];
    const ended = await SseClient.open(url);
    await ended.ended;
    assert.deepEqual(ended.events.map((e) => e.event), ['record', 'error']);
    assert.equal(ended.events[1]!.data, '{"error_code":40403,"message":"Consumer instance not found."}');
  });
});
