/**
 * The consumer actor's rules without a broker: `decide` and `apply` as pure functions, and a live
 * actor over a scripted groupless fetcher (manual assignment needs no group member), checking that
 * the journal folds to exactly the live session and that deliveries, deadlines, the queue bound
 * and deletion behave as promised.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { initialTransition } from 'xstate';
import { pino } from 'pino';
import { apply, decide } from '../../src/actors/consumer/decide.ts';
import type { ConsumerCommand } from '../../src/actors/consumer/protocol.ts';
import { foldSession } from '../../src/actors/consumer/recovery.ts';
import { consumerSessionMachine, type SessionInput } from '../../src/actors/consumer/session-machine.ts';
import { ConsumerSupervisor } from '../../src/actors/consumer/supervisor.ts';
import { codecFor } from '../../src/codecs/index.ts';
import { Journal } from '../../src/journal/journal.ts';
import { consumerSettings } from '../helpers/consumer-settings.ts';
import type { PartitionFetcher } from '../../src/kafka/partition-fetcher.ts';
import type { FetchedRecord, TopicPartitionOffset } from '../../src/kafka/topic-partition.ts';

const input: SessionInput = {
  group: 'g',
  name: 'c',
  config: { format: 'binary', autoOffsetReset: 'earliest', autoCommit: false, fetchMinBytes: 0, requestTimeoutMs: null },
  at: 1,
};
const [fresh] = initialTransition(consumerSessionMachine, input);
const tp = { topic: 't', partition: 0 };

describe('decide and apply', () => {
  test('subscriptions and assignments exclude each other (40903)', () => {
    const assigned = apply(fresh, [{ type: 'Assigned', partitions: [tp], positions: [{ ...tp, offset: 0 }], at: 2 }])!;
    assert.equal(decide(assigned, { type: 'Subscribe', subscription: { topics: ['t'] } }, [tp])?.errorCode, 40903);
    const subscribed = apply(fresh, [{ type: 'Subscribed', subscription: { topics: ['t'] }, at: 2 }])!;
    assert.equal(decide(subscribed, { type: 'Assign', partitions: [tp] }, [])?.errorCode, 40903);
    assert.equal(decide(subscribed, { type: 'Assign', partitions: [] }, []), null, 'assign([]) is unsubscribe');
  });

  test('reads need a subscription or assignment and the instance format (schema formats share a reader)', () => {
    const read = (format: 'binary' | 'json' | 'avro'): ConsumerCommand => ({ type: 'Read', timeoutMs: 0, maxBytes: 0, format });
    assert.equal(decide(fresh, read('binary'), [])?.errorCode, 40903);
    const assigned = apply(fresh, [{ type: 'Assigned', partitions: [tp], positions: [], at: 2 }])!;
    assert.equal(decide(assigned, read('binary'), [tp]), null);
    assert.equal(decide(assigned, read('json'), [tp])?.errorCode, 40601);
    const [avro] = initialTransition(consumerSessionMachine, { ...input, config: { ...input.config, format: 'protobuf' } });
    const avroAssigned = apply(avro, [{ type: 'Assigned', partitions: [tp], positions: [], at: 2 }])!;
    assert.equal(decide(avroAssigned, read('avro'), [tp]), null);
  });

  test('seeking a partition the instance does not read is 40903 naming it', () => {
    const error = decide(fresh, { type: 'SeekToEdge', partitions: [{ topic: 'x', partition: 3 }], edge: 'end' }, [tp]);
    assert.equal(error?.errorCode, 40903);
    assert.match(error!.message, /x-3/);
  });

  test('apply refuses events the session machine does not take, and applies nothing then', () => {
    assert.equal(apply(fresh, [{ type: 'Joined', memberId: 'm', partitions: [tp], at: 2 }]), null);
    assert.equal(apply(fresh, [{ type: 'Touched', at: 5 }, { type: 'Delivered', offsets: [{ ...tp, offset: 1 }], at: 6 }]), null);
    const deleted = apply(fresh, [{ type: 'Deleted', at: 3 }])!;
    assert.equal(deleted.status, 'done');
    assert.equal(decide(deleted, { type: 'GetAssignment' }, [])?.errorCode, 40403);
  });
});

describe('a live consumer actor', () => {
  let journal: Journal;
  let supervisor: ConsumerSupervisor;
  const END = 5;
  const ABORTED_END = 3;
  let commits: number[][] = [];

  beforeEach(() => {
    journal = Journal.open(':memory:');
    commits = [];
    // Partition t-0 holds offsets 0..4; an empty fetch waits its max wait, as a broker does.
    const fetcher = {
      fetch: async (positions: TopicPartitionOffset[], options: { maxWaitMs: number }) => {
        // Partition 1 holds an aborted transaction at 0..2: a fetch from there yields nothing but moves on.
        const hidden = positions.filter((p) => p.partition === 1 && p.offset < ABORTED_END);
        const records: FetchedRecord[] = positions
          .filter((p) => !hidden.includes(p))
          .flatMap((p) =>
            Array.from({ length: Math.max(0, END - p.offset) }, (_, i) => ({ ...p, offset: p.offset + i, key: null, value: Buffer.from(`v${p.offset + i}`), timestamp: 0 })),
          );
        if (records.length === 0 && hidden.length === 0) await sleep(options.maxWaitMs);
        return { records, outOfRange: [], nextOffsets: hidden.map((p) => ({ ...p, offset: ABORTED_END })) };
      },
      committed: async () => [],
      edgeOffsets: async (partitions: TopicPartitionOffset[], edge: string) => partitions.map((p) => ({ ...p, offset: edge === 'end' ? END : 0 })),
      commit: async (_group: string, offsets: TopicPartitionOffset[]) => {
        await sleep(30); // a broker round trip
        commits.push(offsets.map((o) => o.offset));
      },
    } as unknown as PartitionFetcher;
    supervisor = new ConsumerSupervisor(
      {
        journal,
        fetcher,
        openReader: null,
        createGroupConsumer: () => {
          throw new Error('not used');
        },
        topicNames: async () => ['t'],
        decoderFor: (format) => codecFor(format)!,
        settings: consumerSettings({ autoCommitIntervalMs: 50 }),
        logger: pino({ level: 'silent' }),
      },
      'p',
    );
  });
  afterEach(async () => {
    await supervisor.close();
    journal.close();
  });

  const ask = <C extends ConsumerCommand>(command: C, deadlineMs = 5_000, requestId = randomUUID()) =>
    supervisor.ask({ ref: { group: 'g', instance: 'c' }, requestId, deadline: Date.now() + deadlineMs, command });
  const read = (timeoutMs = 300) => ask({ type: 'Read', timeoutMs, maxBytes: 0, format: 'binary' });
  const offsets = (answer: { records: Array<{ offset: number }> }) => answer.records.map((r) => r.offset);

  test('the journal folds to exactly the live session after reads, acks and seeks', async () => {
    await supervisor.create('g', { name: 'c', config: input.config });
    await ask({ type: 'Assign', partitions: [tp] });
    const first = await read();
    assert.deepEqual(offsets(first), [0, 1, 2, 3, 4]);
    await ask({ type: 'Ack', delivery: first.delivery!, delivered: true });
    await ask({ type: 'Seek', offsets: [{ ...tp, offset: 2 }], timestamps: [] });
    const again = await read();
    assert.deepEqual(offsets(again), [2, 3, 4]);
    await ask({ type: 'Ack', delivery: again.delivery!, delivered: true });
    await ask({ type: 'GetAssignment' }); // Ack is handled after the read's answer: let it settle
    const actor = supervisor.get('g', 'c');
    const folded = foldSession(journal, actor.actorId)!;
    assert.deepEqual(folded.context, actor.context.session.context);
    assert.deepEqual(folded.value, actor.context.session.value);
    assert.deepEqual(folded.context.positions, { 't:0': 5 });
  });

  test('a fetch that yields nothing but moves on (aborted transactions) is followed, not repeated', async () => {
    await supervisor.create('g', { name: 'c', config: input.config });
    await ask({ type: 'Assign', partitions: [{ topic: 't', partition: 1 }] });
    assert.deepEqual(offsets(await read()), [3, 4]);
  });

  test('auto-commit commits what was delivered, on its own timer, and nothing it did not deliver', async () => {
    await supervisor.create('g', { name: 'c', config: { ...input.config, autoCommit: true } });
    await ask({ type: 'Assign', partitions: [tp] });
    const first = await read();
    await ask({ type: 'Ack', delivery: first.delivery!, delivered: true });
    for (let i = 0; i < 50 && commits.length === 0; i++) await sleep(20);
    assert.deepEqual(commits, [[5]]);
    await sleep(200);
    assert.deepEqual(commits, [[5]], 'unchanged positions are not committed again');
    assert.deepEqual(supervisor.get('g', 'c').context.incidents, []);
  });

  test('a failed delivery puts every record back; nothing is journaled for it', async () => {
    await supervisor.create('g', { name: 'c', config: input.config });
    await ask({ type: 'Assign', partitions: [tp] });
    const first = await read();
    await ask({ type: 'Ack', delivery: first.delivery!, delivered: false });
    assert.deepEqual(offsets(await read()), [0, 1, 2, 3, 4]);
    assert.ok(!journal.read().some((e) => e.type === 'Delivered'));
    assert.deepEqual(supervisor.get('g', 'c').context.incidents.map((i) => i.type), ['DeliveryFailed'], 'the inspector is told why');
  });

  test('a full queue answers 429; a request past its deadline is answered and never run', async () => {
    await supervisor.create('g', { name: 'c', config: { ...input.config, fetchMinBytes: -1 } });
    await ask({ type: 'Assign', partitions: [tp] });
    const busy = read(400); // takes everything, then waits its whole timeout (fetch.min.bytes -1)
    await sleep(50);
    const queued = [ask({ type: 'GetAssignment' }), ask({ type: 'GetAssignment' })];
    await assert.rejects(ask({ type: 'GetAssignment' }), (e: { errorCode?: number; status?: number }) => e.status === 429);
    const taken = await busy;
    await ask({ type: 'Ack', delivery: taken.delivery!, delivered: false });
    await Promise.all(queued);

    const busyAgain = read(300);
    await sleep(50);
    await assert.rejects(ask({ type: 'Read', timeoutMs: 100, maxBytes: 0, format: 'binary' }, 20), (e: { errorCode?: number }) => e.errorCode === 50003);
    const second = await busyAgain;
    await ask({ type: 'Ack', delivery: second.delivery!, delivered: false });
    // Had the late read run after all, it would hold the records (and the instance) for nobody.
    assert.deepEqual(offsets(await read()), [0, 1, 2, 3, 4]);
  });

  test('delete wins over a read in flight: the read is answered 404 and the journal forgets the instance', async () => {
    await supervisor.create('g', { name: 'c', config: { ...input.config, fetchMinBytes: -1, requestTimeoutMs: 60_000 } });
    await ask({ type: 'Assign', partitions: [tp] });
    const actorId = supervisor.get('g', 'c').actorId;
    const reading = read(60_000);
    await sleep(50);
    await ask({ type: 'Delete' });
    await assert.rejects(reading, (e: { errorCode?: number }) => e.errorCode === 40403);
    await assert.rejects(ask({ type: 'GetAssignment' }), (e: { errorCode?: number }) => e.errorCode === 40403);
    assert.deepEqual(journal.read({ actorId }), []);
    await supervisor.create('g', { name: 'c', config: input.config }); // the name is free again
  });
});
