import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createActor, fromPromise, waitFor, type Actor } from 'xstate';
import { producerSlotMachine, type JournalParams, type ProduceJob, type SendInput } from '../../src/actors/producer/slot-machine.ts';
import type { OutgoingRecord, RecordOutcome } from '../../src/kafka/record-producer.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Each record carries a unique number in its value; the fake broker answers it as the offset. */
let nextRecordId = 1000;
function records(n: number): OutgoingRecord[] {
  return Array.from({ length: n }, () => ({
    topic: 't',
    partition: 0,
    key: null,
    value: Buffer.from(String(nextRecordId++)),
  }));
}
const idOf = (record: OutgoingRecord) => Number(record.value!.toString());
const successFor = (batch: OutgoingRecord[]): RecordOutcome[] => batch.map((r) => ({ offset: idOf(r) }));

interface TrackedJob extends ProduceJob {
  settledWith: RecordOutcome[][];
}

function job(n: number): TrackedJob {
  const settledWith: RecordOutcome[][] = [];
  return { records: records(n), settle: (outcomes) => settledWith.push(outcomes), settledWith };
}

interface SendCall {
  records: OutgoingRecord[];
  reply: Deferred<RecordOutcome[]>;
  at: number;
}

interface HarnessOptions {
  lingerMs: number;
  /** Connect resolves at once unless a deferred is given. */
  connect?: Deferred<void>;
  /** When false, send calls wait for the test to settle them; by default they succeed at once. */
  autoSend?: boolean;
  /** How reconnect attempt n ends; by default each waits for the test. */
  autoReconnect?: boolean;
}

function harness(options: HarnessOptions) {
  const journaled: string[] = [];
  const journalParams: JournalParams[] = [];
  const sends: SendCall[] = [];
  const reconnects: Array<{ attempt: number; reply: Deferred<void> }> = [];
  let disconnects = 0;
  let connects = 0;
  const errors: unknown[] = [];

  const machine = producerSlotMachine.provide({
    actors: {
      connect: fromPromise(async () => {
        connects++;
        if (options.connect) await options.connect.promise;
      }),
      send: fromPromise<RecordOutcome[], SendInput>(({ input }) => {
        const reply = deferred<RecordOutcome[]>();
        sends.push({ records: input.records, reply, at: Date.now() });
        if (options.autoSend !== false) reply.resolve(successFor(input.records));
        return reply.promise;
      }),
      reconnect: fromPromise<void, { attempt: number }>(({ input }) => {
        const reply = deferred<void>();
        reconnects.push({ attempt: input.attempt, reply });
        if (options.autoReconnect) reply.resolve();
        return reply.promise;
      }),
      disconnect: fromPromise(async () => {
        disconnects++;
      }),
    },
    actions: {
      journal: (_, params: JournalParams) => {
        journaled.push(params.type);
        journalParams.push(params);
      },
    },
  });
  const actor = createActor(machine, { input: { slotId: 's', lingerMs: options.lingerMs } });
  actor.subscribe({ error: (error) => errors.push(error) });
  running.push(actor);
  return {
    actor,
    journaled,
    journalParams,
    sends,
    reconnects,
    errors,
    get disconnects() {
      return disconnects;
    },
    get connects() {
      return connects;
    },
    produce(j: ProduceJob) {
      actor.send({ type: 'PRODUCE', job: j });
    },
    /** Loses the connection the only way production does: a send fails (autoSend must be false). */
    async loseConnection(reason: string) {
      actor.send({ type: 'PRODUCE', job: job(1) });
      await waitFor(actor, (s) => s.matches({ ready: 'sending' }), { timeout: 200 });
      sends.at(-1)!.reply.reject(new Error(reason));
      await waitFor(actor, (s) => s.matches('reconnecting'), { timeout: 200 });
    },
    async ready() {
      actor.start();
      await waitFor(actor, (s) => s.matches({ ready: 'idle' }), { timeout: 500 });
    },
  };
}

const running: Array<Actor<typeof producerSlotMachine>> = [];
afterEach(() => {
  for (const actor of running.splice(0)) actor.stop();
});

function assertRetriableFailure(outcomes: RecordOutcome[] | undefined, count: number, message: RegExp): void {
  assert.ok(outcomes, 'job was settled');
  assert.equal(outcomes.length, count);
  for (const outcome of outcomes) {
    assert.ok('failure' in outcome, `expected a failure, got ${JSON.stringify(outcome)}`);
    assert.equal(outcome.failure.errorCode, 50003);
    assert.equal(outcome.failure.retriable, true);
    assert.match(outcome.failure.message, message);
  }
}

function expectedOffsets(j: TrackedJob): RecordOutcome[] {
  return j.records.map((r) => ({ offset: idOf(r) }));
}

describe('producer slot machine', () => {
  test('connecting → ready journals SlotConnecting then SlotReady', async () => {
    const connect = deferred<void>();
    const h = harness({ lingerMs: 20, connect });
    h.actor.start();
    assert.ok(h.actor.getSnapshot().matches('connecting'));
    assert.deepEqual(h.journaled, ['SlotConnecting']);
    await sleep(5);
    assert.ok(h.actor.getSnapshot().matches('connecting'), 'stays connecting until connect resolves');
    connect.resolve();
    await waitFor(h.actor, (s) => s.matches({ ready: 'idle' }), { timeout: 500 });
    assert.deepEqual(h.journaled, ['SlotConnecting', 'SlotReady']);
    assert.equal(h.connects, 1);
    assert.equal(h.actor.getSnapshot().context.attempt, 0);
    assert.deepEqual(h.errors, []);
  });

  test('jobs arriving while idle are batched within the linger window into one send', async () => {
    const h = harness({ lingerMs: 40 });
    await h.ready();
    const jobs = [job(2), job(1), job(3)];
    const started = Date.now();
    h.produce(jobs[0]!);
    assert.ok(h.actor.getSnapshot().matches({ ready: 'lingering' }));
    await sleep(5);
    h.produce(jobs[1]!);
    h.produce(jobs[2]!);
    assert.equal(h.sends.length, 0, 'nothing is sent before the window closes');
    await waitFor(h.actor, (s) => h.sends.length > 0 && s.matches({ ready: 'idle' }), { timeout: 1000 });
    await sleep(10);

    assert.equal(h.sends.length, 1, 'one send for the three jobs');
    assert.ok(h.sends[0]!.at - started >= 35, `sent after the linger window (${h.sends[0]!.at - started} ms)`);
    assert.deepEqual(
      h.sends[0]!.records,
      jobs.flatMap((j) => j.records),
      'all records of the 3 jobs, in arrival order',
    );
    for (const j of jobs) assert.deepEqual(j.settledWith, [expectedOffsets(j)], 'each job gets exactly its own outcomes once');
    assert.ok(h.actor.getSnapshot().matches({ ready: 'idle' }));
    assert.deepEqual(h.errors, []);
  });

  test('jobs arriving while a send is in flight go out together in the next send', async () => {
    const h = harness({ lingerMs: 10, autoSend: false });
    await h.ready();
    const first = job(1);
    h.produce(first);
    await waitFor(h.actor, (s) => s.matches({ ready: 'sending' }), { timeout: 500 });
    assert.equal(h.sends.length, 1);

    const second = job(2);
    const third = job(1);
    h.produce(second);
    h.produce(third);
    await sleep(30);
    assert.equal(h.sends.length, 1, 'no second send while the first is in flight, even after the linger time');
    assert.deepEqual(first.settledWith, []);

    h.sends[0]!.reply.resolve(successFor(h.sends[0]!.records));
    await sleep(0);
    assert.deepEqual(first.settledWith, [expectedOffsets(first)]);
    assert.equal(h.sends.length, 2, 'the queued jobs go out as soon as the first send returns');
    assert.deepEqual(h.sends[1]!.records, [...second.records, ...third.records]);
    assert.deepEqual(second.settledWith, []);

    // Outcomes are split back by position, whatever they are.
    const mixed: RecordOutcome[] = [
      { offset: 7 },
      { failure: { errorCode: 40301, status: 403, message: 'denied', retriable: false, connectionLost: false } },
      { offset: 9 },
    ];
    h.sends[1]!.reply.resolve(mixed);
    await waitFor(h.actor, (s) => s.matches({ ready: 'idle' }), { timeout: 500 });
    assert.deepEqual(second.settledWith, [mixed.slice(0, 2)]);
    assert.deepEqual(third.settledWith, [mixed.slice(2)]);
    assert.equal(h.actor.getSnapshot().context.inFlight.length, 0);
    assert.equal(h.actor.getSnapshot().context.pending.length, 0);
    assert.deepEqual(h.errors, []);
  });

  test('lingerMs 0 sends without waiting', async () => {
    const h = harness({ lingerMs: 0 });
    await h.ready();
    const j = job(2);
    h.produce(j);
    assert.equal(h.sends.length, 1, 'the send started synchronously with the PRODUCE');
    assert.deepEqual(h.sends[0]!.records, j.records);
    await sleep(0);
    assert.deepEqual(j.settledWith, [expectedOffsets(j)]);
    assert.ok(h.actor.getSnapshot().matches({ ready: 'idle' }));
  });

  test('a rejected send fails in-flight and queued jobs with 50003, reconnects, and is ready again', async () => {
    const h = harness({ lingerMs: 0, autoSend: false });
    await h.ready();
    const inFlight = job(2);
    h.produce(inFlight);
    const queued = job(1);
    h.produce(queued);
    assert.equal(h.sends.length, 1);

    h.sends[0]!.reply.reject(new Error('broker went away'));
    await waitFor(h.actor, (s) => s.matches('reconnecting'), { timeout: 500 });
    assert.equal(inFlight.settledWith.length, 1);
    assertRetriableFailure(inFlight.settledWith[0], 2, /Producer connection lost: broker went away/);
    assert.equal(queued.settledWith.length, 1);
    assertRetriableFailure(queued.settledWith[0], 1, /broker went away/);
    const firstOutcome = inFlight.settledWith[0]![0]!;
    assert.ok('failure' in firstOutcome && firstOutcome.failure.status === 500 && firstOutcome.failure.connectionLost);

    const ctx = h.actor.getSnapshot().context;
    assert.equal(ctx.attempt, 1);
    assert.equal(ctx.lastError, 'broker went away');
    assert.deepEqual([ctx.pending.length, ctx.inFlight.length], [0, 0]);
    assert.deepEqual(h.journaled, ['SlotConnecting', 'SlotReady', 'SlotReconnecting']);
    assert.deepEqual(h.journalParams.at(-1), {
      type: 'SlotReconnecting',
      payload: { attempt: 1, error: 'broker went away' },
    });
    assert.deepEqual(
      h.reconnects.map((r) => r.attempt),
      [1],
    );

    h.reconnects[0]!.reply.resolve();
    await waitFor(h.actor, (s) => s.matches({ ready: 'idle' }), { timeout: 500 });
    assert.equal(h.actor.getSnapshot().context.attempt, 0, 'attempt reset');
    assert.equal(h.actor.getSnapshot().context.lastError, null);
    assert.deepEqual(h.journaled, ['SlotConnecting', 'SlotReady', 'SlotReconnecting', 'SlotReady']);
    assert.equal(inFlight.settledWith.length, 1, 'settled exactly once');

    // And it works again.
    const later = job(1);
    h.produce(later);
    h.sends[1]!.reply.resolve(successFor(h.sends[1]!.records));
    await sleep(0);
    assert.deepEqual(later.settledWith, [expectedOffsets(later)]);
    assert.deepEqual(h.errors, []);
  });

  test('a failing reconnect re-enters reconnecting with attempt 2', async () => {
    const connect = deferred<void>();
    const h = harness({ lingerMs: 0, connect });
    h.actor.start();
    connect.reject(new Error('no brokers'));
    await waitFor(h.actor, (s) => s.matches('reconnecting'), { timeout: 500 });
    assert.deepEqual(h.journalParams.at(-1), { type: 'SlotReconnecting', payload: { attempt: 1, error: 'no brokers' } });

    h.reconnects[0]!.reply.reject(new Error('still no brokers'));
    await waitFor(h.actor, () => h.reconnects.length === 2, { timeout: 500 });
    assert.ok(h.actor.getSnapshot().matches('reconnecting'));
    assert.deepEqual(
      h.reconnects.map((r) => r.attempt),
      [1, 2],
    );
    assert.equal(h.actor.getSnapshot().context.attempt, 2);
    assert.deepEqual(h.journalParams.at(-1), {
      type: 'SlotReconnecting',
      payload: { attempt: 2, error: 'still no brokers' },
    });

    h.reconnects[1]!.reply.resolve();
    await waitFor(h.actor, (s) => s.matches({ ready: 'idle' }), { timeout: 500 });
    assert.equal(h.actor.getSnapshot().context.attempt, 0);
    assert.deepEqual(h.journaled, ['SlotConnecting', 'SlotReconnecting', 'SlotReconnecting', 'SlotReady']);
    assert.deepEqual(h.errors, []);
  });

  test('PRODUCE while connecting is rejected at once with 50003, nothing is sent', async () => {
    const connect = deferred<void>();
    const h = harness({ lingerMs: 0, connect });
    h.actor.start();
    const j = job(3);
    h.produce(j);
    assert.equal(j.settledWith.length, 1, 'settled synchronously');
    assertRetriableFailure(j.settledWith[0], 3, /not ready/);
    connect.resolve();
    await waitFor(h.actor, (s) => s.matches({ ready: 'idle' }), { timeout: 500 });
    assert.equal(h.sends.length, 0, 'the rejected job is not sent later');
    assert.equal(j.settledWith.length, 1);
  });

  test('PRODUCE while reconnecting is rejected at once with 50003', async () => {
    const h = harness({ lingerMs: 0, autoSend: false });
    await h.ready();
    await h.loseConnection('socket closed');
    assert.deepEqual(h.journalParams.at(-1), { type: 'SlotReconnecting', payload: { attempt: 1, error: 'socket closed' } });
    const j = job(2);
    h.produce(j);
    assert.equal(j.settledWith.length, 1);
    assertRetriableFailure(j.settledWith[0], 2, /not ready/);
    assert.equal(h.sends.length, 1, 'only the send that failed');
    assert.equal(h.actor.getSnapshot().context.pending.length, 0);
  });

  test('a failed send also fails the jobs queued behind it, then reconnects', async () => {
    const h = harness({ lingerMs: 0, autoSend: false });
    await h.ready();
    const first = job(1);
    h.produce(first);
    const queued = job(2);
    h.produce(queued);
    h.sends[0]!.reply.reject(new Error('gone'));
    await waitFor(h.actor, (s) => s.matches('reconnecting'), { timeout: 200 });
    assertRetriableFailure(first.settledWith[0], 1, /Producer connection lost: gone/);
    assertRetriableFailure(queued.settledWith[0], 2, /Producer connection lost: gone/);
    assert.equal(h.sends.length, 1, 'the queued job was never sent');
  });

  test('STOP while a send is in flight waits for it, then disconnects and stops', async () => {
    const h = harness({ lingerMs: 0, autoSend: false });
    await h.ready();
    const j = job(2);
    h.produce(j);
    h.actor.send({ type: 'STOP' });
    await sleep(10);
    assert.ok(h.actor.getSnapshot().matches({ ready: 'sending' }), 'still sending');
    assert.equal(h.disconnects, 0);
    assert.deepEqual(j.settledWith, []);

    h.sends[0]!.reply.resolve(successFor(h.sends[0]!.records));
    await waitFor(h.actor, (s) => s.status === 'done', { timeout: 500 });
    assert.deepEqual(j.settledWith, [expectedOffsets(j)], 'the in-flight job succeeded');
    assert.equal(h.disconnects, 1);
    assert.equal(h.sends.length, 1, 'no further (empty) send while draining');
    assert.ok(h.actor.getSnapshot().matches('stopped'));
    assert.deepEqual(h.journaled, ['SlotConnecting', 'SlotReady', 'SlotDraining', 'SlotStopped']);
    assert.deepEqual(h.errors, []);
  });

  test('STOP while a send is in flight also flushes the jobs queued behind it', async () => {
    const h = harness({ lingerMs: 0, autoSend: false });
    await h.ready();
    const first = job(1);
    h.produce(first);
    const queued = job(2);
    h.produce(queued);
    h.actor.send({ type: 'STOP' });
    h.sends[0]!.reply.resolve(successFor(h.sends[0]!.records));
    await waitFor(h.actor, () => h.sends.length === 2, { timeout: 500 });
    assert.deepEqual(h.sends[1]!.records, queued.records);
    const late = job(1);
    h.produce(late);
    assertRetriableFailure(late.settledWith[0], 1, /not ready/);
    h.sends[1]!.reply.resolve(successFor(h.sends[1]!.records));
    await waitFor(h.actor, (s) => s.status === 'done', { timeout: 500 });
    assert.deepEqual(first.settledWith, [expectedOffsets(first)]);
    assert.deepEqual(queued.settledWith, [expectedOffsets(queued)]);
    assert.equal(h.disconnects, 1);
  });

  test('STOP while lingering flushes the pending jobs at once, then stops', async () => {
    // A linger window far longer than the wait below: stopping within it means it was not waited out.
    const h = harness({ lingerMs: 600_000 });
    await h.ready();
    const jobs = [job(1), job(2)];
    for (const j of jobs) h.produce(j);
    h.actor.send({ type: 'STOP' });
    await waitFor(h.actor, (s) => s.status === 'done', { timeout: 60_000 });
    assert.equal(h.sends.length, 1);
    assert.deepEqual(h.sends[0]!.records, jobs.flatMap((j) => j.records));
    for (const j of jobs) assert.deepEqual(j.settledWith, [expectedOffsets(j)]);
    assert.equal(h.disconnects, 1);
    assert.deepEqual(h.journaled.slice(-2), ['SlotDraining', 'SlotStopped']);
  });

  test('a flush that fails while draining still settles the jobs (50003) and stops', async () => {
    const h = harness({ lingerMs: 5000, autoSend: false });
    await h.ready();
    const j = job(2);
    h.produce(j);
    h.actor.send({ type: 'STOP' });
    h.sends[0]!.reply.reject(new Error('flush failed'));
    await waitFor(h.actor, (s) => s.status === 'done', { timeout: 500 });
    assert.equal(j.settledWith.length, 1);
    assertRetriableFailure(j.settledWith[0], 2, /slot stopped/);
    assert.equal(h.disconnects, 1);
  });

  test('STOP while idle sends nothing, disconnects and stops', async () => {
    const h = harness({ lingerMs: 20 });
    await h.ready();
    h.actor.send({ type: 'STOP' });
    await waitFor(h.actor, (s) => s.status === 'done', { timeout: 500 });
    assert.equal(h.sends.length, 0, 'no empty batch is sent');
    assert.equal(h.disconnects, 1);
    assert.deepEqual(h.journaled, ['SlotConnecting', 'SlotReady', 'SlotDraining', 'SlotStopped']);
  });

  test('STOP while reconnecting stops without waiting for the reconnect', async () => {
    const h = harness({ lingerMs: 0, autoSend: false });
    await h.ready();
    await h.loseConnection('x');
    h.actor.send({ type: 'STOP' });
    await waitFor(h.actor, (s) => s.status === 'done', { timeout: 200 });
    assert.deepEqual(h.journaled.slice(-3), ['SlotReconnecting', 'SlotDraining', 'SlotStopped']);
    const j = job(1);
    h.produce(j);
    assert.deepEqual(j.settledWith, [], 'a stopped actor takes no more events');
  });

  test(
    'STOP while connecting or reconnecting still disconnects the producer',
    async () => {
      const connect = deferred<void>();
      const h = harness({ lingerMs: 0, connect });
      h.actor.start();
      h.actor.send({ type: 'STOP' });
      await waitFor(h.actor, (s) => s.status === 'done', { timeout: 200 });
      assert.equal(h.disconnects, 1, 'STOP while connecting');

      const h2 = harness({ lingerMs: 0, autoSend: false });
      await h2.ready();
      await h2.loseConnection('x');
      h2.actor.send({ type: 'STOP' });
      await waitFor(h2.actor, (s) => s.status === 'done', { timeout: 200 });
      assert.equal(h2.disconnects, 1, 'STOP while reconnecting');
    },
  );

  test(
    'STOP while a send is in flight still stops the slot when that send fails',
    async () => {
      const h = harness({ lingerMs: 0, autoSend: false, autoReconnect: true });
      await h.ready();
      const j = job(1);
      h.produce(j);
      h.actor.send({ type: 'STOP' });
      h.sends[0]!.reply.reject(new Error('broker went away'));
      await waitFor(h.actor, (s) => s.status === 'done', { timeout: 200 });
      assertRetriableFailure(j.settledWith[0], 1, /broker went away|stopped/);
      assert.equal(h.journaled.at(-1), 'SlotStopped');
    },
  );

  test('a job withdrawn while queued behind a send in flight is settled at once and never sent', async () => {
    const h = harness({ lingerMs: 0, autoSend: false });
    await h.ready();
    const first = job(1);
    h.produce(first);
    const withdrawn = job(2);
    const kept = job(1);
    h.produce(withdrawn);
    h.produce(kept);
    h.actor.send({ type: 'WITHDRAW', job: withdrawn, message: 'Expiring 2 record(s): not sent' });
    assert.equal(withdrawn.settledWith.length, 1, 'settled synchronously');
    assertRetriableFailure(withdrawn.settledWith[0], 2, /Expiring 2 record\(s\): not sent/);
    const outcome = withdrawn.settledWith[0]![0]!;
    assert.ok('failure' in outcome && !outcome.failure.connectionLost, 'not a lost connection: the slot keeps serving');
    assert.deepEqual(h.actor.getSnapshot().context.pending, [kept]);

    h.sends[0]!.reply.resolve(successFor(h.sends[0]!.records));
    await waitFor(h.actor, () => h.sends.length === 2, { timeout: 500 });
    assert.deepEqual(h.sends[1]!.records, kept.records, 'only the job still queued goes out');
    h.sends[1]!.reply.resolve(successFor(h.sends[1]!.records));
    await waitFor(h.actor, (s) => s.matches({ ready: 'idle' }), { timeout: 500 });
    assert.deepEqual(first.settledWith, [expectedOffsets(first)]);
    assert.deepEqual(kept.settledWith, [expectedOffsets(kept)]);
    assert.equal(withdrawn.settledWith.length, 1, 'settled exactly once');
    assert.deepEqual(h.errors, []);
  });

  test('a job in flight cannot be withdrawn: it is settled by its send', async () => {
    const h = harness({ lingerMs: 0, autoSend: false });
    await h.ready();
    const inFlight = job(2);
    h.produce(inFlight);
    h.actor.send({ type: 'WITHDRAW', job: inFlight, message: 'too late' });
    assert.deepEqual(inFlight.settledWith, []);
    h.sends[0]!.reply.resolve(successFor(h.sends[0]!.records));
    await waitFor(h.actor, (s) => s.matches({ ready: 'idle' }), { timeout: 500 });
    assert.deepEqual(inFlight.settledWith, [expectedOffsets(inFlight)]);
  });

  test('when every job gathered in the linger window is withdrawn, nothing is sent and the slot is idle again', async () => {
    const h = harness({ lingerMs: 30 });
    await h.ready();
    const j = job(1);
    h.produce(j);
    assert.ok(h.actor.getSnapshot().matches({ ready: 'lingering' }));
    h.actor.send({ type: 'WITHDRAW', job: j, message: 'client went away' });
    assert.ok(h.actor.getSnapshot().matches({ ready: 'idle' }));
    assertRetriableFailure(j.settledWith[0], 1, /client went away/);
    await sleep(60);
    assert.equal(h.sends.length, 0, 'the linger window closed on nothing');
    const next = job(1);
    h.produce(next);
    await waitFor(h.actor, () => next.settledWith.length === 1, { timeout: 500 });
    assert.deepEqual(next.settledWith, [expectedOffsets(next)]);
  });

  test('a send may retry until the latest deadline of its jobs; a job without one means no retrying', async () => {
    const inputs: SendInput[] = [];
    const machine = producerSlotMachine.provide({
      actors: {
        connect: fromPromise(async () => {}),
        send: fromPromise<RecordOutcome[], SendInput>(async ({ input }) => {
          inputs.push(input);
          return successFor(input.records);
        }),
      },
    });
    const actor = createActor(machine, { input: { slotId: 's', lingerMs: 20 } });
    running.push(actor);
    actor.start();
    await waitFor(actor, (s) => s.matches({ ready: 'idle' }), { timeout: 500 });
    actor.send({ type: 'PRODUCE', job: { ...job(1), deadline: 5_000 } });
    actor.send({ type: 'PRODUCE', job: { ...job(1), deadline: 9_000 } });
    await waitFor(actor, () => inputs.length === 1, { timeout: 500 });
    actor.send({ type: 'PRODUCE', job: { ...job(1), deadline: 9_000 } });
    actor.send({ type: 'PRODUCE', job: job(1) });
    await waitFor(actor, () => inputs.length === 2, { timeout: 500 });
    assert.deepEqual(
      inputs.map((i) => [i.records.length, i.retryUntil]),
      [
        [2, 9_000],
        [2, null],
      ],
    );
  });
});
