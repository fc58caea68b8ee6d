/**
 * The streaming side of v3 produce: one HTTP request carries any number of concatenated JSON
 * objects, and the response carries one JSON object per input, in input order, each followed by
 * `\r\n`, written while the request is still being read. A client can write a record, read its
 * receipt, write the next.
 *
 * Nothing is buffered without bound. The request is read only while fewer than
 * `maxInFlightRecords` records (and fewer than `maxInFlightBytes` of them) wait for their
 * receipts to be written, and while the client takes the receipts written so far: otherwise the
 * request is left unread and TCP slows the client down. One object is at most `maxRecordBytes`.
 *
 * The stream ends when the request does, at a syntax error or an object over the size bound (one
 * 400 entry, after the receipts of the records before it), or after `maxDurationMs` (a 408 entry;
 * receipts still due are written for `gracePeriodMs`, then the response ends without them). A
 * client that goes away takes its unanswered receipts with it: the request is no longer read,
 * records still queued in the producer pool are dropped, records already sent may still be written.
 */
import type { Context } from 'koa';
import type { ProduceClient } from '../../actors/producer/produce-records.ts';
import { JsonStreamParser, type JsonStreamItem } from '../../codecs/json-stream.ts';
import { ErrorCode, RestError } from '../../errors.ts';
import { emptyBody } from './routes.ts';

export interface StreamLimits {
  maxRecordBytes: number;
  maxInFlightRecords: number;
  maxInFlightBytes: number;
  maxDurationMs: number;
  gracePeriodMs: number;
}

/**
 * Answers one input object of `bytes` bytes with a receipt or an error entry: returns the entry (or
 * a promise of it, which never rejects), or returns nothing and calls `reply` once with the entry
 * as JSON text. `reply` spares a stream a promise per record, and lets an entry be written as text.
 */
export type StreamHandler = (value: unknown, client: ProduceClient, bytes: number, reply: (json: string) => void) => Promise<object> | object | void;

interface Slot {
  bytes: number;
  line: string | null;
}

const TOO_LARGE = 'Bad Request: Error processing message: Produce request size is larger than allowed threshold';
const EXPIRED = 'Streaming connection open for longer than allowed: Connection will be closed.';
const INTERNAL = JSON.stringify({ error_code: ErrorCode.InternalServerError, message: 'Internal Server Error' });
const isBlank = (chunk: Buffer) => chunk.every((c) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09);

/** The body's charset: UTF-8 (the default) or ISO-8859-1; any other is a 400, as in Confluent. */
export function bodyEncoding(contentType: string): 'utf8' | 'latin1' {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType)?.[1];
  if (charset === undefined || charset.toUpperCase() === 'UTF-8') return 'utf8';
  if (charset.toUpperCase() === 'ISO-8859-1') return 'latin1';
  throw new RestError(ErrorCode.BadRequest, 'Unsupported charset in Content-Type header. Supports "UTF-8" and "ISO-8859-1".');
}

export async function streamProduce(ctx: Context, limits: StreamLimits, handle: StreamHandler): Promise<void> {
  const { req } = ctx;
  const parser = new JsonStreamParser({ maxValueBytes: limits.maxRecordBytes, encoding: bodyEncoding(ctx.get('content-type')) });
  const chunks = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;

  // Until the body has something in it, it may still be empty: that is a 422, not a stream.
  for (;;) {
    const chunk = await chunks.next().catch(() => null);
    if (chunk === null) {
      ctx.respond = false; // the client is gone: no one to answer
      return;
    }
    if (chunk.done) throw emptyBody();
    parser.write(chunk.value);
    if (!isBlank(chunk.value)) break;
  }

  const stream = new ReceiptStream(ctx, limits);
  try {
    await stream.run(parser, chunks, handle);
  } catch (error) {
    ctx.res.destroy(); // a half-written stream cannot be ended cleanly; the error handler logs it
    throw error;
  }
}

class ReceiptStream {
  private readonly queue: Slot[] = [];
  private inFlightBytes = 0;
  private flushing = false;
  private writeBlocked = false;
  private gone = false;
  private expired = false;
  private wake: (() => void) | null = null;
  private readonly goneListeners = new Set<() => void>();
  readonly client: ProduceClient;

  constructor(
    private readonly ctx: Context,
    private readonly limits: StreamLimits,
  ) {
    const res = ctx.res;
    ctx.status = 200;
    ctx.set('Content-Type', 'application/json'); // as Jersey sends it: no charset
    ctx.respond = false; // written here, as receipts come
    res.flushHeaders();
    res.once('close', () => {
      if (res.writableFinished) return;
      this.gone = true;
      for (const listener of this.goneListeners) listener();
      this.notify();
    });
    const isGone = () => this.gone;
    const listeners = this.goneListeners;
    this.client = {
      get gone() {
        return isGone();
      },
      onGone(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
  }

  async run(parser: JsonStreamParser, chunks: AsyncIterator<Buffer>, handle: StreamHandler): Promise<void> {
    const { maxDurationMs, gracePeriodMs } = this.limits;
    let graceOver = false;
    let grace: NodeJS.Timeout | undefined;
    const expiry = setTimeout(() => {
      this.expired = true;
      grace = setTimeout(() => {
        graceOver = true;
        this.notify();
      }, gracePeriodMs);
      this.notify();
    }, maxDurationMs);
    try {
      await this.read(parser, chunks, handle);
      while (!this.gone && !graceOver && this.queue.length > 0) await this.changed();
    } finally {
      clearTimeout(expiry);
      clearTimeout(grace);
    }
    if (this.gone) return;
    // Last, after the receipts that made it within the grace period.
    if (this.expired) this.ctx.res.write(`${JSON.stringify({ error_code: 408, message: EXPIRED })}\r\n`);
    this.ctx.res.end();
    if (!this.ctx.req.complete) this.ctx.res.once('finish', () => void discardRest(this.ctx, chunks, this.limits.maxRecordBytes));
  }

  /** Reads and answers input objects until the input ends, fails, or the stream must stop. */
  private async read(parser: JsonStreamParser, chunks: AsyncIterator<Buffer>, handle: StreamHandler): Promise<void> {
    const { maxInFlightRecords, maxInFlightBytes } = this.limits;
    // A read that was overtaken by another change is kept: asking again would lose its chunk.
    let reading: Promise<IteratorResult<Buffer> | null> | null = null;
    for (;;) {
      if (this.gone || this.expired) return;
      if (this.writeBlocked || this.queue.length >= maxInFlightRecords || this.inFlightBytes >= maxInFlightBytes) {
        await this.changed();
        continue;
      }
      const item = parser.next();
      if (item !== null) {
        if (item.kind === 'error') return this.enqueue(0, streamError(item));
        this.answer(item.value, item.bytes, handle);
        continue;
      }
      if (parser.done) return;
      reading ??= chunks.next().catch(() => null);
      const chunk = await Promise.race([reading, this.changed().then(() => undefined)]);
      if (chunk === undefined) continue; // woken for another reason; the read is still pending
      reading = null;
      if (chunk === null) return; // the request failed: the client is gone
      if (chunk.done) parser.end();
      else parser.write(chunk.value);
    }
  }

  private answer(value: unknown, bytes: number, handle: StreamHandler): void {
    const slot: Slot = { bytes, line: null };
    this.queue.push(slot);
    this.inFlightBytes += bytes;
    let entry: Promise<object> | object | void;
    try {
      entry = handle(value, this.client, bytes, (json) => this.fill(slot, json));
    } catch {
      entry = undefined;
      this.fill(slot, INTERNAL);
    }
    if (entry === undefined) return;
    if (entry instanceof Promise) {
      entry.then(
        (answered: object) => this.fill(slot, JSON.stringify(answered)),
        () => this.fill(slot, INTERNAL),
      );
    } else this.fill(slot, JSON.stringify(entry));
  }

  private enqueue(bytes: number, entry: object): void {
    this.queue.push({ bytes, line: `${JSON.stringify(entry)}\r\n` });
    this.flush();
  }

  /**
   * A slot's entry is known. The writing waits for the end of this turn: entries that come
   * together (a group of records the pool answered at once) go out in one write.
   */
  private fill(slot: Slot, json: string): void {
    if (slot.line !== null) return;
    slot.line = `${json}\r\n`;
    if (this.flushing || this.queue[0] !== slot) return;
    this.flushing = true;
    queueMicrotask(() => {
      this.flushing = false;
      this.flush();
    });
  }

  /** Writes the receipts at the head of the queue that are ready, in order, in one write. */
  private flush(): void {
    const res = this.ctx.res;
    let text = '';
    while (this.queue.length > 0 && this.queue[0]!.line !== null) {
      const slot = this.queue.shift()!;
      this.inFlightBytes -= slot.bytes;
      text += slot.line;
    }
    if (text !== '' && !this.gone && !res.writableEnded && !res.write(text) && !this.writeBlocked) {
      this.writeBlocked = true;
      res.once('drain', () => {
        this.writeBlocked = false;
        this.notify();
      });
    }
    this.notify();
  }

  /** Resolves at the next change of the stream's state (a receipt written, drained, gone, expired). */
  private changed(): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.wake;
      this.wake = () => {
        previous?.();
        resolve();
      };
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

function streamError(item: Extract<JsonStreamItem, { kind: 'error' }>): object {
  if (item.reason === 'tooLarge') return { error_code: ErrorCode.BadRequest, message: TOO_LARGE };
  if (item.reason === 'syntaxAtTopLevel') return { error_code: ErrorCode.BadRequest, message: `Bad Request: Error processing message: ${item.message}` };
  return { error_code: ErrorCode.BadRequest, message: item.message };
}

/**
 * After the response ended early (an error, the maximum duration), the rest of the request is
 * read and dropped so the client sees its answer rather than a reset, up to `limit` bytes; a
 * client that sends more than that is cut off.
 */
async function discardRest(ctx: Context, chunks: AsyncIterator<Buffer>, limit: number): Promise<void> {
  let discarded = 0;
  try {
    for (;;) {
      const chunk = await chunks.next();
      if (chunk.done) return;
      discarded += chunk.value.length;
      if (discarded > limit) break;
    }
  } catch {
    return;
  }
  ctx.req.destroy();
}
