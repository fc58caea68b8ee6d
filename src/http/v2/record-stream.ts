/**
 * Push consume, an extension: `GET .../records` with `Accept: text/event-stream` streams the
 * instance's records as server-sent events instead of answering one batch (docs/STREAMING.md).
 * The stream is a loop of ordinary reads through the consumer port. A read's events are
 * acknowledged only once they are flushed to the socket, so records a departed client never got
 * go back in line, exactly as with a records response that fails; and the next read is asked
 * only once the socket has drained, so memory stays bounded by one read.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { AnswerOf, ConsumerCommand, ConsumerPort, ReadAnswer } from '../../actors/consumer/protocol.ts';
import type { EmbeddedFormat } from '../../codecs/embedded-format.ts';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import type { TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import { MediaType } from '../media-types.ts';
import { InstanceClient } from './instance-client.ts';
import { recordEvents } from './records-body.ts';

export { recordEvent } from './records-body.ts';

/** Idle streams get a comment this often, so proxies and load balancers keep them open. */
export const KEEP_ALIVE_MS = 15_000;

export interface RecordStreamOptions {
  consumers: ConsumerPort;
  /** Upper bound on any wait for an instance beyond a read's own timeout. */
  answerWithinMs: number;
  keepAliveMs?: number;
}

/** The records query of the request: `timeout` and `max_bytes` apply to each internal read. */
export interface StreamReads {
  timeoutMs: number;
  maxBytes: number;
}

const LAST_EVENT_ID = /^([a-zA-Z0-9._-]{1,249})\/(0|[1-9]\d{0,9})\/(0|[1-9]\d{0,15})$/;

/** `<topic>/<partition>/<offset>` of the last event the client got; null when absent. */
export function parseLastEventId(header: string | undefined): TopicPartitionOffset | null {
  if (header === undefined || header === '') return null;
  const m = LAST_EVENT_ID.exec(header);
  const [topic, partition, offset] = m ? [m[1]!, Number(m[2]), Number(m[3])] : ['', -1, -1];
  // `.` and `..` are not topic names; the offset + 1 to seek to must stay a safe integer.
  if (!m || topic === '.' || topic === '..' || partition > 2 ** 31 - 1 || offset >= Number.MAX_SAFE_INTEGER) {
    throw Errors.badRequest(`Last-Event-ID must be <topic>/<partition>/<offset> of a record event, got "${header.slice(0, 300)}"`);
  }
  return { topic, partition, offset };
}

export function errorEvent(error: RestError): string {
  return `event: error\ndata: ${JSON.stringify(error.toJSON())}\n\n`;
}

export async function streamRecords(ctx: Context, options: RecordStreamOptions, reads: StreamReads): Promise<void> {
  // Errors before the stream starts are JSON envelopes, typed by Accept like those of an
  // unnegotiated route: never as text/event-stream.
  ctx.state.responseType = undefined;
  const resume = parseLastEventId(ctx.get('last-event-id'));
  const stream = new RecordStream(ctx, options);
  const { config } = await stream.ask({ type: 'Describe' });
  if (resume) {
    // Continue right after what the client last received. A partition not assigned (yet: a
    // group member may still be joining) refuses the seek; the stream goes on from the
    // instance's delivered position then.
    const seek: ConsumerCommand = { type: 'Seek', offsets: [{ ...resume, offset: resume.offset + 1 }], timestamps: [] };
    await stream.ask(seek).catch((error: unknown) => {
      if (!(error instanceof RestError && error.errorCode === ErrorCode.IllegalState)) throw error;
    });
  }
  // A short first read: a state error (not subscribed) is still a JSON answer, and the headers
  // go out at once instead of after a full read timeout.
  const first = await stream.read(1, reads.maxBytes, config.format);
  ctx.status = 200;
  ctx.set('Content-Type', MediaType.EVENT_STREAM);
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Accel-Buffering', 'no'); // nginx would otherwise buffer the events
  ctx.respond = false;
  ctx.res.flushHeaders();
  await stream.run(first, reads, config.format);
}

class RecordStream {
  private readonly res: ServerResponse;
  private readonly instance: InstanceClient;
  private readonly keepAliveMs: number;
  private gone = false;
  /** The request id of the read in flight, cancelled when the client leaves. */
  private reading: string | null = null;
  private lastWrite = Date.now();

  constructor(
    private readonly ctx: Context,
    options: RecordStreamOptions,
  ) {
    this.res = ctx.res;
    this.instance = new InstanceClient(ctx, options.consumers, options.answerWithinMs);
    this.keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
    this.res.once('close', () => {
      if (this.res.writableFinished) return; // we ended the stream
      this.gone = true;
      if (this.reading) this.instance.tell({ type: 'Cancel', requestId: this.reading });
    });
  }

  ask<C extends ConsumerCommand>(command: C): Promise<AnswerOf[C['type']]> {
    return this.instance.ask(command);
  }

  async read(timeoutMs: number, maxBytes: number, format: EmbeddedFormat): Promise<ReadAnswer> {
    const requestId = randomUUID();
    this.reading = requestId;
    try {
      return await this.instance.ask({ type: 'Read', timeoutMs, maxBytes, format }, timeoutMs, requestId);
    } finally {
      this.reading = null;
    }
  }

  async run(answer: ReadAnswer, reads: StreamReads, format: EmbeddedFormat): Promise<void> {
    for (;;) {
      if (answer.delivery) {
        // Written and flushed to the socket, or put back for the next reader: the read's events
        // are one Buffer, written straight (records-body.ts), and one socket write.
        const delivered = await this.write(recordEvents(answer.records, format));
        this.instance.tell({ type: 'Ack', delivery: answer.delivery, delivered });
        if (!delivered) return;
      } else if (Date.now() - this.lastWrite >= this.keepAliveMs && !(await this.write(': keep-alive\n\n'))) {
        return;
      }
      if (!(await this.drained())) return;
      if (this.shuttingDown()) return void this.res.end(); // EventSource reconnects with Last-Event-ID
      try {
        answer = await this.read(this.nextTimeout(reads), reads.maxBytes, format);
      } catch (error) {
        if (!this.gone) this.fail(error);
        return;
      }
    }
  }

  /** The client's timeout, but short enough that a keep-alive is never late. */
  private nextTimeout({ timeoutMs }: StreamReads): number {
    const untilKeepAlive = Math.max(1, this.keepAliveMs - (Date.now() - this.lastWrite));
    return timeoutMs > 0 ? Math.min(timeoutMs, untilKeepAlive) : untilKeepAlive;
  }

  /** True once the chunk is handed to the socket; false if the client left first. */
  private write(chunk: string | Buffer): Promise<boolean> {
    const socket = this.res.socket;
    if (this.gone || this.res.destroyed || !socket || socket.destroyed) return Promise.resolve(false);
    this.lastWrite = Date.now();
    return new Promise((resolve) => {
      const left = () => resolve(false);
      this.res.once('close', left);
      this.res.write(chunk, (error) => {
        this.res.off('close', left);
        // A write cut short by the socket's destruction is called back without an error.
        resolve(!error && !socket.destroyed && !this.gone);
      });
    });
  }

  /** Back-pressure: no next read while the socket's buffer is above its high-water mark. */
  private drained(): Promise<boolean> {
    if (this.gone) return Promise.resolve(false);
    if (!this.res.writableNeedDrain) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => () => {
        this.res.off('drain', drain).off('close', close);
        resolve(ok && !this.gone);
      };
      const [drain, close] = [done(true), done(false)];
      this.res.once('drain', drain).once('close', close);
    });
  }

  /** The listener stopped accepting (graceful shutdown): end between reads, not at the cut-off. */
  private shuttingDown(): boolean {
    const server = (this.res.socket as { server?: { listening?: boolean } } | null)?.server;
    return server?.listening === false;
  }

  /** After the stream started an error can only be an event; then the stream ends. */
  private fail(thrown: unknown): void {
    let error: RestError;
    if (thrown instanceof RestError) error = thrown;
    else {
      this.ctx.log?.error({ err: thrown }, 'record stream failed');
      error = Errors.internal();
    }
    this.res.end(errorEvent(error));
  }
}
