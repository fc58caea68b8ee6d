/**
 * A producer pool slot: one Kafka producer connection with an explicit lifecycle.
 *
 *   connecting ──▶ ready (idle ⇄ lingering ⇄ sending) ──▶ draining ──▶ stopped
 *        │             │ a send fails: connection lost         ▲
 *        └────────▶ reconnecting (backoff, retried) ──────────┘ (STOP)
 *
 * Records from concurrent requests arrive as PRODUCE jobs; a job that finds the slot idle opens a
 * linger window, and everything gathered when it closes goes out as one batch. While a batch is in
 * flight new jobs queue up and go out together as soon as it returns (so under load the batch size
 * follows the round-trip time). A queued job can be WITHDRAWn (its answer is already given: its
 * delivery timeout passed or its client left): it is dropped unsent. A job in flight cannot be
 * recalled. The machine is pure: Kafka work and journaling are injected with `provide`, so it can
 * be tested and inspected without a broker.
 */
import { assign, fromPromise, setup } from 'xstate';
import { ErrorCode } from '../../errors.ts';
import { kafkaRefusal, type KafkaFailure } from '../../kafka/kafka-error.ts';
import type { OutgoingRecord, RecordOutcome } from '../../kafka/record-producer.ts';

export interface ProduceJob {
  records: OutgoingRecord[];
  settle: (outcomes: RecordOutcome[]) => void;
  /** When the job's request is answered anyway (epoch ms): a send may keep retrying until then. */
  deadline?: number;
}

/** What the send effect gets: the batch, and how long it is worth retrying (the latest deadline of its jobs). */
export interface SendInput {
  records: OutgoingRecord[];
  retryUntil: number | null;
}

function sendInput(jobs: ProduceJob[]): SendInput {
  let retryUntil: number | null = -Infinity;
  for (const job of jobs) retryUntil = job.deadline === undefined || retryUntil === null ? null : Math.max(retryUntil, job.deadline);
  return { records: jobs.length === 1 ? jobs[0]!.records : jobs.flatMap((job) => job.records), retryUntil };
}

export interface SlotInput {
  slotId: string;
  lingerMs: number;
}

export interface SlotContext extends SlotInput {
  pending: ProduceJob[];
  inFlight: ProduceJob[];
  attempt: number;
  stopRequested: boolean;
  lastError: string | null;
  /** Kafka refused the slot's login or its InitProducerId (authentication, authorization): a wait for it is pointless. */
  refusal: KafkaFailure | null;
}

export type SlotEvent =
  | { type: 'PRODUCE'; job: ProduceJob }
  /** Drops the job if it is still queued, settling it with `message` (50003); ignored once it is in flight. */
  | { type: 'WITHDRAW'; job: ProduceJob; message: string }
  | { type: 'STOP' };

export interface JournalParams {
  type: string;
  payload?: Record<string, unknown>;
}

const notProvided = (name: string) => () => Promise.reject(new Error(`${name} was not provided to the slot machine`));

/** Splits a batch's outcomes back to the jobs that make it up, in order. */
function settleJobs(jobs: ProduceJob[], outcomes: RecordOutcome[]): void {
  let at = 0;
  for (const job of jobs) {
    job.settle(outcomes.slice(at, at + job.records.length));
    at += job.records.length;
  }
}

function failJobs(jobs: ProduceJob[], message: string, connectionLost = true): void {
  const failure = { errorCode: ErrorCode.KafkaRetriableError, status: 500, message, retriable: true, connectionLost };
  for (const job of jobs) job.settle(job.records.map(() => ({ failure })));
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const producerSlotMachine = setup({
  types: {
    context: {} as SlotContext,
    events: {} as SlotEvent,
    input: {} as SlotInput,
  },
  actors: {
    connect: fromPromise<void>(notProvided('connect')),
    send: fromPromise<RecordOutcome[], SendInput>(notProvided('send')),
    reconnect: fromPromise<void, { attempt: number }>(notProvided('reconnect')),
    disconnect: fromPromise<void>(notProvided('disconnect')),
  },
  actions: {
    journal: (_, _params: JournalParams) => {},
    enqueue: assign({
      pending: ({ context, event }) => (event.type === 'PRODUCE' ? [...context.pending, event.job] : context.pending),
    }),
    takeBatch: assign({ inFlight: ({ context }) => context.pending, pending: () => [] }),
    settleInFlight: ({ context }, outcomes: RecordOutcome[]) => settleJobs(context.inFlight, outcomes),
    failQueued: ({ context }, params: { reason: string }) =>
      failJobs([...context.inFlight, ...context.pending], `Producer connection lost: ${params.reason}`),
    clearInFlight: assign({ inFlight: () => [] }),
    clearQueues: assign({ inFlight: () => [], pending: () => [] }),
    rejectJob: ({ event }) => {
      if (event.type === 'PRODUCE') failJobs([event.job], 'Producer connection to Kafka is not ready');
    },
    // Settle first, while the job is still found in the queue; then take it out.
    settleWithdrawn: ({ context, event }) => {
      if (event.type === 'WITHDRAW' && context.pending.includes(event.job)) failJobs([event.job], event.message, false);
    },
    removeWithdrawn: assign({
      pending: ({ context, event }) => (event.type === 'WITHDRAW' ? context.pending.filter((job) => job !== event.job) : context.pending),
    }),
  },
  guards: {
    stopRequested: ({ context }) => context.stopRequested,
    hasPending: ({ context }) => context.pending.length > 0,
    nothingPending: ({ context }) => context.pending.length === 0,
    noLinger: ({ context }) => context.lingerMs <= 0,
  },
  delays: {
    linger: ({ context }) => context.lingerMs,
  },
}).createMachine({
  id: 'producerSlot',
  context: ({ input }) => ({ ...input, pending: [], inFlight: [], attempt: 0, stopRequested: false, lastError: null, refusal: null }),
  initial: 'connecting',
  states: {
    connecting: {
      entry: { type: 'journal', params: { type: 'SlotConnecting' } },
      invoke: {
        src: 'connect',
        onDone: { target: 'ready' },
        onError: {
          target: 'reconnecting',
          actions: assign({ lastError: ({ event }) => errorMessage(event.error), refusal: ({ event }) => kafkaRefusal(event.error) }),
        },
      },
      on: {
        PRODUCE: { actions: 'rejectJob' },
        // kafkajs keeps connecting after we stop listening; disconnecting closes what it opens.
        STOP: { target: '#producerSlot.draining.disconnecting' },
      },
    },
    ready: {
      entry: [
        assign({ attempt: 0, lastError: null, refusal: null }),
        { type: 'journal', params: { type: 'SlotReady' } },
      ],
      initial: 'idle',
      on: {
        STOP: { target: 'draining' },
        WITHDRAW: { actions: ['settleWithdrawn', 'removeWithdrawn'] },
      },
      states: {
        idle: {
          on: { PRODUCE: { target: 'lingering', actions: 'enqueue' } },
        },
        lingering: {
          always: [
            // Every job gathered so far was withdrawn: there is nothing to send.
            { guard: 'nothingPending', target: 'idle' },
            { guard: 'noLinger', target: 'sending' },
          ],
          after: { linger: { target: 'sending' } },
          on: { PRODUCE: { actions: 'enqueue' } },
        },
        sending: {
          entry: 'takeBatch',
          invoke: {
            src: 'send',
            input: ({ context }) => sendInput(context.inFlight),
            onDone: [
              {
                guard: 'stopRequested',
                target: '#producerSlot.draining',
                actions: [{ type: 'settleInFlight', params: ({ event }) => event.output }, 'clearInFlight'],
              },
              {
                guard: 'hasPending',
                target: 'sending',
                reenter: true,
                actions: [{ type: 'settleInFlight', params: ({ event }) => event.output }, 'clearInFlight'],
              },
              {
                target: 'idle',
                actions: [{ type: 'settleInFlight', params: ({ event }) => event.output }, 'clearInFlight'],
              },
            ],
            onError: [
              {
                // Asked to stop meanwhile: no point reconnecting; what is queued fails on the way out.
                guard: 'stopRequested',
                target: '#producerSlot.draining.disconnecting',
                actions: assign({ lastError: ({ event }) => errorMessage(event.error)}),
              },
              {
                target: '#producerSlot.reconnecting',
                actions: assign({ lastError: ({ event }) => errorMessage(event.error)}),
              },
            ],
          },
          on: {
            PRODUCE: { actions: 'enqueue' },
            // Leaving now would orphan the batch in flight: finish it, then drain.
            STOP: { actions: assign({ stopRequested: true }) },
          },
        },
      },
    },
    reconnecting: {
      entry: [
        { type: 'failQueued', params: ({ context }) => ({ reason: context.lastError ?? 'unknown' }) },
        'clearQueues',
        assign({ attempt: ({ context }) => context.attempt + 1 }),
        {
          type: 'journal',
          params: ({ context }) => ({
            type: 'SlotReconnecting',
            payload: { attempt: context.attempt, error: context.lastError },
          }),
        },
      ],
      invoke: {
        src: 'reconnect',
        input: ({ context }) => ({ attempt: context.attempt }),
        onDone: { target: 'ready' },
        onError: {
          target: 'reconnecting',
          reenter: true,
          actions: assign({ lastError: ({ event }) => errorMessage(event.error), refusal: ({ event }) => kafkaRefusal(event.error) }),
        },
      },
      on: {
        PRODUCE: { actions: 'rejectJob' },
        STOP: { target: '#producerSlot.draining.disconnecting' },
      },
    },
    draining: {
      entry: { type: 'journal', params: { type: 'SlotDraining' } },
      initial: 'flushing',
      states: {
        flushing: {
          entry: 'takeBatch',
          // Entry runs first, so an empty batch here means there was nothing left to flush.
          always: { guard: ({ context }) => context.inFlight.length === 0, target: 'disconnecting' },
          invoke: {
            src: 'send',
            input: ({ context }) => sendInput(context.inFlight),
            onDone: {
              target: 'disconnecting',
              actions: [{ type: 'settleInFlight', params: ({ event }) => event.output }, 'clearInFlight'],
            },
            onError: { target: 'disconnecting' },
          },
          on: { PRODUCE: { actions: 'rejectJob' } },
        },
        disconnecting: {
          invoke: { src: 'disconnect', onDone: { target: '#producerSlot.stopped' }, onError: { target: '#producerSlot.stopped' } },
          on: { PRODUCE: { actions: 'rejectJob' } },
        },
      },
    },
    stopped: {
      type: 'final',
      entry: [
        { type: 'failQueued', params: { reason: 'the producer slot stopped' } },
        'clearQueues',
        { type: 'journal', params: { type: 'SlotStopped' } },
      ],
    },
  },
});
