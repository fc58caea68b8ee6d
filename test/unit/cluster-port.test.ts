/**
 * The cluster port's routing, with stand-ins for the member's node, the remote members and the
 * sessions log: a command waits for an owner and gives up with 503/50304 at its bound; a stale
 * view (`moved`) is refreshed and the command asked again; a member that refuses connections is
 * evicted; an owner's error comes back as the same RestError; a local answer waits for the log,
 * with its delivery open; an instance released under a command is asked for again, not 404.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandEnvelope } from '../../src/actors/consumer/protocol.ts';
import type { ConsumerSupervisor } from '../../src/actors/consumer/supervisor.ts';
import type { ClusterNode } from '../../src/cluster/cluster-node.ts';
import { ClusterPort } from '../../src/cluster/cluster-port.ts';
import type { RemotePorts, RemoteOutcome } from '../../src/cluster/remote-port.ts';
import type { SessionLog } from '../../src/cluster/session-log.ts';
import { RestError } from '../../src/errors.ts';

interface Stage {
  owner: 'self' | string | null;
  state?: 'owned' | 'adopting' | 'releasing';
}

function harness(options: { stages: Stage[]; remote?: RemoteOutcome<unknown>[]; local?: () => Promise<unknown>; flushed?: Promise<void>; waitMs?: number; releases?: () => number }) {
  let stage = 0;
  const calls = { refreshed: 0, evicted: [] as string[], remote: [] as string[], local: 0, commands: [] as CommandEnvelope['command'][], waits: [] as number[], deliveries: [] as string[] };
  const current = () => options.stages[Math.min(stage, options.stages.length - 1)]!;
  const node = {
    partitionOf: () => 3,
    owner: () => current().owner,
    state: () => current().state,
    changed: async (ms: number) => {
      calls.waits.push(ms);
      stage++;
      await new Promise((r) => setTimeout(r, Math.min(ms, 5)));
    },
    refreshView: async () => {
      calls.refreshed++;
      stage++;
    },
    evictUnreachable: async (url: string) => {
      calls.evicted.push(url);
    },
    serve: <T>(_: number, work: () => Promise<T>) => work(),
    releaseCount: () => (options.releases ?? (() => 0))(),
    openDelivery: (_: number, delivery: string) => calls.deliveries.push(`open ${delivery}`),
    closeDelivery: (delivery: string) => calls.deliveries.push(`close ${delivery}`),
  } as unknown as ClusterNode;
  const outcomes = [...(options.remote ?? [])];
  const remote = {
    ask: async (url: string) => {
      calls.remote.push(url);
      return outcomes.shift() ?? { kind: 'answer', answer: { ok: true, value: 'remote' } };
    },
    create: async () => ({ kind: 'answer', answer: { ok: true, value: null } }),
  } as unknown as RemotePorts;
  const supervisor = {
    ask: async (asked: CommandEnvelope) => {
      calls.local++;
      calls.commands.push(asked.command);
      return (options.local ?? (async () => 'local'))();
    },
  } as unknown as ConsumerSupervisor;
  const flushed = () => options.flushed ?? Promise.resolve();
  const log = {
    flushed,
    flushedWithin: (ms: number) => Promise.race([flushed().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]),
  } as unknown as SessionLog;
  const port = new ClusterPort({ node, supervisor, remote, log, proxyId: '', waitMs: options.waitMs ?? 200 });
  return { port, calls, next: () => stage++ };
}

const envelope = (deadlineMs = 1_000): CommandEnvelope => ({
  ref: { group: 'g', instance: 'i' },
  requestId: 'r1',
  deadline: Date.now() + deadlineMs,
  command: { type: 'GetSubscription' },
});

describe('cluster port', () => {
  it('serves an owned partition locally', async () => {
    const { port, calls } = harness({ stages: [{ owner: 'self', state: 'owned' }] });
    assert.equal(await port.ask(envelope()), 'local');
    assert.equal(calls.local, 1);
    assert.deepEqual(calls.remote, []);
  });

  it('forwards to the owner and returns its answer', async () => {
    const { port, calls } = harness({ stages: [{ owner: 'http://b' }] });
    assert.equal(await port.ask(envelope()), 'remote');
    assert.deepEqual(calls.remote, ['http://b']);
  });

  it("gives the owner's error back as the same RestError", async () => {
    const { port } = harness({ stages: [{ owner: 'http://b' }], remote: [{ kind: 'answer', answer: { ok: false, error: { error_code: 40403, message: 'Consumer instance not found.', status: 404 } } }] });
    await assert.rejects(port.ask(envelope()), (error: unknown) => error instanceof RestError && error.errorCode === 40403 && error.status === 404 && error.message === 'Consumer instance not found.');
  });

  it('asks again after a stale view (moved), at the new owner', async () => {
    const { port, calls } = harness({ stages: [{ owner: 'http://b' }, { owner: 'http://c' }], remote: [{ kind: 'moved' }] });
    assert.equal(await port.ask(envelope()), 'remote');
    assert.deepEqual(calls.remote, ['http://b', 'http://c']);
    assert.equal(calls.refreshed, 1);
  });

  it('evicts an owner that refuses connections, and serves once the partition is here', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const { port, calls } = harness({ stages: [{ owner: 'http://dead' }, { owner: null, state: 'adopting' }, { owner: 'self', state: 'owned' }], remote: [{ kind: 'unreachable', error: refused }] });
    assert.equal(await port.ask(envelope()), 'local');
    assert.deepEqual(calls.evicted, ['http://dead']);
  });

  it('does not evict an owner that only timed out', async () => {
    const { port, calls } = harness({ stages: [{ owner: 'http://slow' }, { owner: 'self', state: 'owned' }], remote: [{ kind: 'unreachable', error: new Error('no answer before the deadline') }] });
    assert.equal(await port.ask(envelope()), 'local');
    assert.deepEqual(calls.evicted, []);
  });

  it('answers 503/50304 when no member owns the partition within the wait', async () => {
    const { port, calls } = harness({ stages: [{ owner: null, state: 'adopting' }], waitMs: 50 });
    await assert.rejects(port.ask(envelope(10_000)), (error: unknown) => error instanceof RestError && error.errorCode === 50304 && error.status === 503);
    assert.ok(calls.waits.length > 0 && calls.waits.every((ms) => ms <= 50), `waits asked of the node: ${calls.waits.join(',')}`);
    assert.equal(calls.local, 0, 'nothing ran');
  });

  it('never waits past the command’s own deadline', async () => {
    const { port, calls } = harness({ stages: [{ owner: null }], waitMs: 60_000 });
    await assert.rejects(port.ask(envelope(100)), (error: unknown) => error instanceof RestError && error.errorCode === 50304);
    assert.ok(calls.waits.length > 0 && calls.waits.every((ms) => ms <= 100), `waits asked of the node: ${calls.waits.join(',')}`);
  });

  it('serves an acknowledgement while the partition is being released, but not a new command', async () => {
    const releasing = harness({ stages: [{ owner: null, state: 'releasing' }, { owner: 'http://next' }] });
    const ack: CommandEnvelope = { ...envelope(), command: { type: 'Ack', delivery: 'd1', delivered: true } };
    assert.equal(await releasing.port.ask(ack), 'local');
    assert.equal(await releasing.port.ask(envelope()), 'remote', 'a new command waits for, and goes to, the next owner');
  });

  it('answers 503/50303 when the sessions log does not take the change before the deadline', async () => {
    const { port, calls } = harness({ stages: [{ owner: 'self', state: 'owned' }], flushed: new Promise(() => undefined) });
    await assert.rejects(port.ask(envelope(100)), (error: unknown) => error instanceof RestError && error.errorCode === 50303 && error.status === 503);
    assert.equal(calls.local, 1, 'the command ran; its change is queued for the topic');
  });

  it('puts a read’s records back at once when its answer cannot be given for the sessions topic', async () => {
    const { port, calls } = harness({ stages: [{ owner: 'self', state: 'owned' }], flushed: new Promise(() => undefined), local: async () => ({ records: [], delivery: 'd7' }) });
    const read: CommandEnvelope = { ...envelope(100), command: { type: 'Read', timeoutMs: 10, maxBytes: 1_000, format: 'binary' } };
    await assert.rejects(port.ask(read), (error: unknown) => error instanceof RestError && error.errorCode === 50303);
    assert.deepEqual(calls.commands.at(-1), { type: 'Ack', delivery: 'd7', delivered: false });
    assert.deepEqual(calls.deliveries, ['open d7', 'close d7']);
  });

  it('holds a read’s delivery open while its answer waits for the sessions topic, so a hand-over waits for its ack', async () => {
    let flush!: () => void;
    const flushed = new Promise<void>((resolve) => (flush = resolve));
    const { port, calls } = harness({ stages: [{ owner: 'self', state: 'owned' }], flushed, local: async () => ({ records: [], delivery: 'd8' }) });
    const read: CommandEnvelope = { ...envelope(), command: { type: 'Read', timeoutMs: 10, maxBytes: 1_000, format: 'binary' } };
    const answered = port.ask(read);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(calls.deliveries, ['open d8'], 'open before the answer is given');
    flush();
    assert.deepEqual(await answered, { records: [], delivery: 'd8' });
    assert.deepEqual(calls.deliveries, ['open d8'], 'closed by its ack, not by the answer');
  });

  it('asks again when the partition was released under a command (its instance lives on elsewhere), never 404', async () => {
    let releases = 0;
    let next = () => 0;
    const local = async () => {
      // The partition goes to b while the command runs here.
      releases++;
      next();
      throw new RestError(40403, 'Consumer instance not found.', 404);
    };
    const h = harness({ stages: [{ owner: 'self', state: 'owned' }, { owner: 'http://b:1' }], local, releases: () => releases });
    next = h.next;
    const { port, calls } = h;
    assert.equal(await port.ask(envelope()), 'remote');
    assert.deepEqual(calls.remote, ['http://b:1']);
  });

  it('gives a 404 for an instance that is not there, when nothing was released', async () => {
    const local = async () => {
      throw new RestError(40403, 'Consumer instance not found.', 404);
    };
    const { port, calls } = harness({ stages: [{ owner: 'self', state: 'owned' }], local });
    await assert.rejects(port.ask(envelope()), (error: unknown) => error instanceof RestError && error.errorCode === 40403);
    assert.deepEqual(calls.remote, []);
  });
});
