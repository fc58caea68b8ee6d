/**
 * Runs one producer slot: the pure slot machine given a real Kafka producer and the journal.
 */
import type { Logger } from 'pino';
import { createActor, fromPromise, type Actor } from 'xstate';
import type { Journal } from '../../journal/journal.ts';
import type { KafkaFailure } from '../../kafka/kafka-error.ts';
import type { OutgoingRecord, RecordOutcome } from '../../kafka/record-producer.ts';
import { producerSlotMachine, type JournalParams, type ProduceJob } from './slot-machine.ts';

export const PRODUCER_SLOT_ACTOR_TYPE = 'producer-slot';

/** What a slot needs from a Kafka producer; RecordProducer is the real one. */
export interface SlotProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** `retryUntil` (epoch ms, or null): how long an idempotent producer may retry the same records after losing its connection. */
  send(records: OutgoingRecord[], retryUntil?: number | null): Promise<RecordOutcome[]>;
}

export interface SlotOptions {
  slotId: string;
  lingerMs: number;
  producer: SlotProducer;
  journal: Journal;
  logger: Logger;
  /** Delay before reconnect attempt n (1-based). */
  backoffMs: (attempt: number) => number;
}

/** A job handed to a slot. */
export interface QueuedProduce {
  outcomes: Promise<RecordOutcome[]>;
  /** Drops the job unsent if it is still queued (settling it with `message`); false once it is in flight or done. */
  withdraw(message: string): boolean;
}

export type SlotState = 'connecting' | 'ready' | 'reconnecting' | 'draining' | 'stopped';

export class ProducerSlot {
  readonly id: string;
  private readonly actor: Actor<typeof producerSlotMachine>;
  private readonly stopped: Promise<void>;
  private readonly stateListeners = new Set<(state: SlotState) => void>();

  constructor(options: SlotOptions) {
    const { slotId, producer, journal, logger, backoffMs } = options;
    this.id = slotId;
    const log = logger.child({ slot: slotId });
    const machine = producerSlotMachine.provide({
      actors: {
        connect: fromPromise(() => producer.connect()),
        send: fromPromise(({ input }) => producer.send(input.records, input.retryUntil)),
        reconnect: fromPromise(async ({ input, signal }) => {
          await producer.disconnect().catch(() => undefined);
          await abortableSleep(backoffMs(input.attempt), signal);
          await producer.connect();
        }),
        disconnect: fromPromise(() => producer.disconnect()),
      },
      actions: {
        journal: (_, params: JournalParams) => {
          journal.append(slotId, PRODUCER_SLOT_ACTOR_TYPE, params.type, params.payload ?? {});
          log.info({ event: params.type, ...params.payload }, 'producer slot %s', params.type);
        },
      },
    });
    this.actor = createActor(machine, { input: { slotId, lingerMs: options.lingerMs } });
    this.stopped = new Promise((resolve) => {
      this.actor.subscribe({
        next: (snapshot) => {
          const state = this.state;
          for (const listener of this.stateListeners) listener(state);
          if (snapshot.status === 'done') resolve();
        },
        // An actor error would otherwise be rethrown asynchronously and end the process.
        error: (error) => {
          log.error({ err: error }, 'producer slot failed');
          resolve();
        },
      });
    });
  }

  start(): void {
    this.actor.start();
  }

  /** Why Kafka refused this slot's last connection attempt (authentication, authorization), if it did. */
  get refusal(): KafkaFailure | null {
    return this.actor.getSnapshot().context.refusal;
  }

  get state(): SlotState {
    const value = this.actor.getSnapshot().value;
    return (typeof value === 'string' ? value : Object.keys(value)[0]) as SlotState;
  }

  /** The full state value and the parts of context worth showing (for inspection and metrics). */
  describe(): { id: string; state: unknown; pending: number; inFlight: number; attempt: number; lastError: string | null } {
    const snapshot = this.actor.getSnapshot();
    const { pending, inFlight, attempt, lastError } = snapshot.context;
    return {
      id: this.id,
      state: snapshot.value,
      pending: pending.reduce((n, job) => n + job.records.length, 0),
      inFlight: inFlight.reduce((n, job) => n + job.records.length, 0),
      attempt,
      lastError,
    };
  }

  onStateChange(listener: (state: SlotState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Queues the records; `outcomes` settles once the slot has sent them, failed them or dropped them. */
  produce(records: OutgoingRecord[], deadline?: number): QueuedProduce {
    let settle!: (outcomes: RecordOutcome[]) => void;
    const outcomes = new Promise<RecordOutcome[]>((resolve) => (settle = resolve));
    const job: ProduceJob = { records, settle, deadline };
    this.actor.send({ type: 'PRODUCE', job });
    return {
      outcomes,
      withdraw: (message) => {
        const queued = this.actor.getSnapshot().context.pending.includes(job);
        if (queued) this.actor.send({ type: 'WITHDRAW', job, message });
        return queued;
      },
    };
  }

  /** Flushes what is queued, disconnects, and resolves when the slot has stopped. */
  stop(): Promise<void> {
    this.actor.send({ type: 'STOP' });
    return this.stopped;
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });
}
