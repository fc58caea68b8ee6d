/**
 * The v3 produce stream's flow control, with a request and a response the test holds: records are
 * taken only while few enough wait for their receipts (by count and by bytes) and while the client
 * reads what was written; receipts come out in input order whatever order they are answered in.
 */
import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Context } from 'koa';
import type { ProduceClient } from '../../src/actors/producer/produce-records.ts';
import { RestError } from '../../src/errors.ts';
import { bodyEncoding, streamProduce, type StreamLimits } from '../../src/http/v3/produce-stream.ts';

class Response extends Writable {
  readonly lines: string[] = [];
  writes = 0;
  private held: Array<() => void> | null;

  constructor(options: { highWaterMark?: number; hold?: boolean } = {}) {
    super({
      highWaterMark: options.highWaterMark ?? 16_384,
      write: (chunk: Buffer, _encoding, done) => {
        // A write may carry several receipts: the lines are what a client reads.
        this.lines.push(...chunk.toString().split(/(?<=\r\n)/));
        this.writes++;
        if (this.held) this.held.push(done);
        else done();
      },
    });
    this.held = options.hold ? [] : null;
  }

  flushHeaders(): void {}

  /** The client starts reading. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const done of held) done();
  }
}

function request(): PassThrough & { complete: boolean } {
  const req = new PassThrough() as PassThrough & { complete: boolean };
  req.complete = false;
  req.once('end', () => (req.complete = true));
  return req;
}

function context(req: Readable, res: Response, contentType = 'application/json'): Context {
  const headers: Record<string, string> = {};
  return { req, res, headers, get: (name: string) => (name === 'content-type' ? contentType : ''), set: (name: string, value: string) => (headers[name] = value), status: 404, respond: true } as unknown as Context;
}

const LIMITS: StreamLimits = { maxRecordBytes: 1024, maxInFlightRecords: 1000, maxInFlightBytes: 1_000_000, maxDurationMs: 60_000, gracePeriodMs: 0 };

/** Lets the event loop run until nothing more happens on its own. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A handler whose answers the test gives, one by one. */
function heldHandler() {
  const calls: Array<{ value: unknown; answer: (entry: object) => void }> = [];
  const handle = (value: unknown) => new Promise<object>((answer) => calls.push({ value, answer }));
  return { calls, handle };
}

const record = (n: number) => JSON.stringify({ n });

describe('v3 produce stream', () => {
  it('takes no more records than maxInFlightRecords wait for receipts, and answers in input order', async () => {
    const req = request();
    const res = new Response();
    const { calls, handle } = heldHandler();
    const done = streamProduce(context(req, res), { ...LIMITS, maxInFlightRecords: 3 }, handle);
    req.end(Array.from({ length: 10 }, (_, i) => record(i)).join('\n'));
    await settle();
    assert.equal(calls.length, 3, 'three records taken, the rest left unread');
    calls[2]!.answer({ n: 2 });
    await settle();
    assert.equal(calls.length, 3, 'a receipt that cannot be written yet (the first is not answered) still counts');
    calls[0]!.answer({ n: 0 });
    await settle();
    assert.equal(calls.length, 4, 'the first receipt written: one more record taken');
    calls[1]!.answer({ n: 1 });
    for (let i = 3; i < 10; i++) {
      await settle();
      calls[i]!.answer({ n: i });
    }
    await done;
    assert.deepEqual(
      res.lines.map((line) => JSON.parse(line).n),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.ok(res.lines.every((line) => line.endsWith('}\r\n')));
    assert.equal(res.writableEnded, true);
  });

  it('takes no more than maxInFlightBytes of records waiting for receipts', async () => {
    const req = request();
    const res = new Response();
    const { calls, handle } = heldHandler();
    const done = streamProduce(context(req, res), { ...LIMITS, maxInFlightBytes: 20 }, handle);
    req.end(Array.from({ length: 5 }, (_, i) => record(i)).join('')); // 7 bytes each
    await settle();
    assert.equal(calls.length, 3, '21 bytes waiting: reading stops');
    for (const call of calls.splice(0)) call.answer({});
    await settle();
    assert.equal(calls.length, 2, 'the receipts were written: the rest is taken');
    for (const call of calls) call.answer({});
    await done;
    assert.equal(res.lines.length, 5);
  });

  it('stops reading while the client does not take its receipts, and goes on when it does', async () => {
    // One record per read, as a socket delivers what the client sent bit by bit.
    let sent = 0;
    const req = Object.assign(
      new Readable({
        highWaterMark: 1,
        read() {
          this.push(sent < 50 ? record(sent++) : null);
        },
      }),
      { complete: false },
    );
    const res = new Response({ highWaterMark: 1, hold: true });
    let calls = 0;
    const done = streamProduce(context(req, res), LIMITS, async (value) => {
      calls++;
      return value as object;
    });
    await settle();
    assert.ok(calls <= 3, `${calls} records taken while no receipt could be written`);
    res.release();
    await done;
    assert.equal(calls, 50);
    assert.deepEqual(
      res.lines.map((line) => JSON.parse(line).n),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it('past maxDurationMs: a 408 entry, the receipts still due are dropped after the grace period, the response ends', async () => {
    const req = request();
    const res = new Response();
    const { calls, handle } = heldHandler();
    const done = streamProduce(context(req, res), { ...LIMITS, maxDurationMs: 20, gracePeriodMs: 0 }, handle);
    req.write(record(1));
    await done;
    assert.equal(calls.length, 1);
    assert.deepEqual(
      res.lines.map((line) => JSON.parse(line)),
      [{ error_code: 408, message: 'Streaming connection open for longer than allowed: Connection will be closed.' }],
    );
    assert.equal(res.writableEnded, true);
    calls[0]!.answer({ late: true });
    await settle();
    assert.equal(res.lines.length, 1, 'nothing after the end');
  });

  it('a client that goes away: the stream ends at once, its records are told, nothing more is read', async () => {
    const req = request();
    const res = new Response();
    const { calls, handle } = heldHandler();
    let client: ProduceClient | null = null;
    let told = 0;
    const done = streamProduce(context(req, res), LIMITS, (value, c) => {
      client = c;
      c.onGone(() => told++);
      return handle(value);
    });
    req.write(record(1));
    await settle();
    res.destroy();
    await done;
    assert.equal(calls.length, 1);
    assert.equal(client!.gone, true);
    assert.equal(told, 1);
    req.write(record(2));
    await settle();
    assert.equal(calls.length, 1, 'the request is no longer read');
  });

  it('entries given by reply, in any order, are written in input order; those ready together in one write', async () => {
    const req = request();
    const res = new Response();
    const replies: Array<(json: string) => void> = [];
    const done = streamProduce(context(req, res), LIMITS, (_value, _client, _bytes, reply) => {
      replies.push(reply);
    });
    req.write(Array.from({ length: 4 }, (_, i) => record(i)).join(''));
    await settle();
    assert.equal(replies.length, 4);
    replies[3]!('{"n":3}');
    replies[1]!('{"n":1}');
    replies[2]!('{"n":2}');
    await settle();
    assert.deepEqual(res.lines, [], 'nothing before the first record is answered');
    replies[0]!('{"n":0}');
    replies[0]!('{"n":"again"}'); // a second reply is ignored
    await settle();
    assert.deepEqual(res.lines, ['{"n":0}\r\n', '{"n":1}\r\n', '{"n":2}\r\n', '{"n":3}\r\n']);
    assert.equal(res.writes, 1, 'the four receipts, ready at once, went out in one write');
    req.end();
    await done;
  });

  it('a handler that throws or rejects answers that record 500, the others as usual', async () => {
    const req = request();
    const res = new Response();
    const done = streamProduce(context(req, res), LIMITS, (value) => {
      const n = (value as { n: number }).n;
      if (n === 1) throw new Error('bug');
      if (n === 2) return Promise.reject(new Error('bug'));
      return { n };
    });
    req.end(Array.from({ length: 4 }, (_, i) => record(i)).join(''));
    await done;
    const internal = { error_code: 500, message: 'Internal Server Error' };
    assert.deepEqual(
      res.lines.map((line) => JSON.parse(line)),
      [{ n: 0 }, internal, internal, { n: 3 }],
    );
  });

  it('an empty or blank body is a 422 before anything is written; a bad charset a 400', async () => {
    for (const body of ['', '  \r\n ']) {
      const req = request();
      const res = new Response();
      req.end(body);
      await assert.rejects(
        streamProduce(context(req, res), LIMITS, async () => ({})),
        (error: unknown) => error instanceof RestError && error.errorCode === 42206 && error.status === 422,
      );
      assert.deepEqual(res.lines, []);
    }
    assert.equal(bodyEncoding('application/json'), 'utf8');
    assert.equal(bodyEncoding('application/json; charset=UTF-8'), 'utf8');
    assert.equal(bodyEncoding('application/json;charset="iso-8859-1"'), 'latin1');
    assert.throws(() => bodyEncoding('application/json; charset=DEADBEEF'), (error: unknown) => error instanceof RestError && error.status === 400);
  });
});
