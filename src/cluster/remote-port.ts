/**
 * The consumer port of another cluster member, over HTTP: the command envelope is posted to the
 * member's cluster listener (cluster-routes.ts) on a keep-alive connection, and its answer comes
 * back as it would from the local supervisor. The caller's deadline bounds the call. Two outcomes
 * are the cluster's business, not the client's: the member no longer owns the instance (`moved`),
 * or it cannot be reached (`unreachable`); the cluster port then asks again, elsewhere.
 */
import { Agent, request } from 'node:http';
import type { Answer, CommandEnvelope, CreateInstance, ReadAnswer, RestRecord } from '../actors/consumer/protocol.ts';
import { within } from '../within.ts';

export const CLUSTER_SECRET_HEADER = 'kafka-rest-cluster-secret';
export const ASK_PATH = '/cluster/v1/ask';
export const CREATE_PATH = '/cluster/v1/create';
/** On a read's answer: its delivery id (empty: none); the body is then the v2 records response itself. */
export const READ_ANSWER_HEADER = 'kafka-rest-read-delivery';
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;
/** A member that does not accept a connection this fast is treated as gone (a vanished host never refuses). */
const CONNECT_TIMEOUT_MS = 2_000;

export type RemoteOutcome<T> = { kind: 'answer'; answer: Answer<T> } | { kind: 'moved' } | { kind: 'unreachable'; error: Error };

export class RemotePorts {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly secret: string | null) {}

  ask(url: string, envelope: CommandEnvelope): Promise<RemoteOutcome<unknown>> {
    return this.post(url, ASK_PATH, envelope, envelope.deadline);
  }

  create(url: string, group: string, create: CreateInstance & { name: string }, deadline: number): Promise<RemoteOutcome<unknown>> {
    return this.post(url, CREATE_PATH, { group, request: create }, deadline);
  }

  /** Waits (at most `graceMs`) for calls in flight — a read's acknowledgement sent after its response — then closes. */
  async close(graceMs = 2_000): Promise<void> {
    await within(graceMs, Promise.allSettled([...this.inFlight]));
    this.agent.destroy();
  }

  private post(url: string, path: string, body: unknown, deadline: number): Promise<RemoteOutcome<unknown>> {
    const call = this.send(url, path, body, deadline);
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
    return call;
  }

  private send(url: string, path: string, body: unknown, deadline: number): Promise<RemoteOutcome<unknown>> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve) => {
      const call = request(new URL(path, url), {
        method: 'POST',
        agent: this.agent,
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          ...(this.secret !== null && { [CLUSTER_SECRET_HEADER]: this.secret }),
        },
        // A member that does not answer in time is treated as gone; the caller's deadline decides.
        timeout: Math.max(1, deadline - Date.now() + 1_000),
      });
      call.on('timeout', () => call.destroy(new Error(`no answer from ${url} before the deadline`)));
      call.on('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(() => call.destroy(new Error(`no connection to ${url} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      call.on('error', (error) => resolve({ kind: 'unreachable', error }));
      call.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) response.destroy(new Error('answer too large'));
          else chunks.push(chunk);
        });
        response.on('error', (error) => resolve({ kind: 'unreachable', error }));
        response.on('end', () => {
          if (response.statusCode === 421) return resolve({ kind: 'moved' });
          const delivery = response.headers[READ_ANSWER_HEADER];
          if (response.statusCode === 200 && typeof delivery === 'string') return resolve({ kind: 'answer', answer: { ok: true, value: readAnswer(Buffer.concat(chunks), delivery || null) } });
          try {
            const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer<unknown>;
            if (response.statusCode !== 200 || typeof answer?.ok !== 'boolean') throw new Error(`status ${response.statusCode}`);
            resolve({ kind: 'answer', answer });
          } catch (error) {
            resolve({ kind: 'unreachable', error: new Error(`unexpected answer from ${url}: ${(error as Error).message}`) });
          }
        });
      });
      call.end(payload);
    });
  }
}

/** A read's answer as it came: sent on as bytes; parsed only if someone wants the records themselves (an event stream). */
function readAnswer(encoded: Buffer, delivery: string | null): ReadAnswer {
  let records: RestRecord[] | undefined;
  return {
    delivery,
    encoded,
    get records() {
      return (records ??= JSON.parse(encoded.toString('utf8')) as RestRecord[]);
    },
  };
}
