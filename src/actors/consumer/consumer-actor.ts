/**
 * Runs one consumer instance: the consumer machine given its effects (Kafka work through the
 * runtime) and the journal. Callers reach it only through `ask`, with serialisable commands.
 */
import type { Logger } from 'pino';
import { createActor, fromPromise, type Actor } from 'xstate';
import type { Journal } from '../../journal/journal.ts';
import { JournalUnavailableError } from '../../journal/journal-errors.ts';
import type { GroupConsumerFactory } from './membership.ts';
import { Membership } from './membership.ts';
import type { PartitionFetcher } from '../../kafka/partition-fetcher.ts';
import { tpKey, type TopicPartition, type TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import type { ProxyMetrics } from '../../observability/metrics.ts';
import type { EmbeddedFormat } from '../../codecs/embedded-format.ts';
import { execute } from './commands.ts';
import { consumerMachine, liveAssignment, type ConsumerContext } from './consumer-machine.ts';
import { internalCommit } from './consumer-setup.ts';
import type { SessionSnapshot } from './decide.ts';
import { errorAnswer, type Pending } from './pending.ts';
import type { Answer, CommandEnvelope } from './protocol.ts';
import { RecordBuffer } from './record-buffer.ts';
import { ConsumerRuntime, type ConsumerSettings, type RecordDecoder } from './runtime.ts';
import { sessionState, type SessionEvent, type SessionState } from './session-machine.ts';
import { RestError } from '../../errors.ts';

export const CONSUMER_ACTOR_TYPE = 'consumer';
const SNAPSHOT_EVERY = 50;
/** Events kept per live instance (its timeline); a busy instance would otherwise grow forever. */
const HISTORY_KEPT = 1000;
const DELIVERY_HOLD_MS = 30_000;
const FINISH_TIMEOUT_MS = 10_000;

export interface ConsumerDeps {
  journal: Journal;
  /** Commits and offset lookups: requests the broker answers at once, shared by every instance. */
  fetcher: PartitionFetcher;
  /**
   * Connections of the instance's own for its fetches, opened at its first fetch and closed when it
   * ends. A broker answers one connection's requests in order, a long poll included, so on a shared
   * connection one instance's wait for records would hold every other instance's fetch behind it.
   * Java's consumer has its own connections per instance too. Null: the fetches go over `fetcher`.
   */
  openReader: (() => PartitionFetcher) | null;
  createGroupConsumer: GroupConsumerFactory;
  topicNames: () => Promise<string[]>;
  /** With principal propagation: the Kafka side of an owned instance, reached as its owner. */
  kafkaFor?: (owner: string) => Pick<ConsumerDeps, 'fetcher' | 'openReader' | 'createGroupConsumer' | 'topicNames'>;
  settings: ConsumerSettings;
  decoderFor: (format: EmbeddedFormat) => RecordDecoder;
  logger: Logger;
  metrics?: Pick<ProxyMetrics, 'recordConsumed'>;
}

export class ConsumerActor {
  private readonly actor: Actor<typeof consumerMachine>;
  private readonly runtime: ConsumerRuntime;
  private eventsSinceSnapshot = 0;
  /** Events were lost to a journal that could not be written: the next snapshot catches it up. */
  private journalBehind = false;
  private lastWarning = '';
  /** Resolves when the actor has ended (deleted, expired) or closed. */
  readonly done: Promise<void>;

  constructor(
    readonly actorId: string,
    session: SessionSnapshot,
    deps: ConsumerDeps,
  ) {
    const { group, name, config } = session.context;
    const log = deps.logger.child({ consumer: actorId, group, instance: name });
    const buffer = new RecordBuffer(deps.settings.bufferMaxBytes);
    const membership = new Membership(
      { createGroupConsumer: deps.createGroupConsumer, fetcher: deps.fetcher, topicNames: deps.topicNames, buffer, logger: log },
      {
        joined: (memberId, partitions) => this.joined(memberId, partitions),
        failed: (error) => this.actor.send({ type: 'MEMBER_FAILED', error: error.message }),
      },
    );
    const reader = deps.openReader?.() ?? null;
    const runtime = new ConsumerRuntime(buffer, membership, deps.fetcher, reader ?? deps.fetcher, deps.decoderFor(config.format), deps.settings, log, deps.metrics);
    this.runtime = runtime;
    // A recovered assignment resumes where the journal says it was.
    for (const tp of session.context.assignment ?? []) {
      const position = session.context.positions[tpKey(tp)];
      if (position !== undefined) buffer.reposition(tp, position);
    }
    const machine = consumerMachine.provide({
      actors: {
        join: fromPromise(({ input, signal }) =>
          membership.join(group, input.subscription, config.autoOffsetReset === 'earliest', input.evictMemberId, signal),
        ),
        leave: fromPromise(() => membership.leave()),
        refreshPattern: fromPromise(() => membership.patternChanged(this.context.session.context.subscription!)),
        execute: fromPromise(({ input, signal }) => execute(runtime, input, signal)),
        // The final auto-commit, then LeaveGroup whatever the commit did: a member must not linger.
        finish: fromPromise(async ({ input }) => {
          try {
            if (input.commit) await execute(runtime, { request: internalCommit(), session: this.context.session, assignment: [], touch: false, refusal: null }, new AbortController().signal);
          } finally {
            await membership.leave();
          }
        }),
      },
      actions: {
        record: (_, { events, session: next }) => this.record(events, next),
        putBack: (_, { delivery }) => runtime.putBack(delivery.first),
        countDelivered: (_, { delivery }) => runtime.countConsumed(delivery.perTopic),
        compact: () => deps.journal.compact(actorId),
        // A failure that repeats (a join retried every 2 s for a missing topic) is said once.
        log: (_, { message, error }) => {
          const line = `${message}: ${error ?? ''}`;
          if (line === this.lastWarning) return log.debug({ error }, message);
          this.lastWarning = line;
          log.warn({ error }, message);
        },
      },
    });
    this.journal = deps.journal;
    const limits = {
      maxPending: deps.settings.maxPendingRequests,
      deliveryHoldMs: DELIVERY_HOLD_MS,
      autoCommitIntervalMs: deps.settings.autoCommitIntervalMs,
      instanceTimeoutMs: deps.settings.instanceTimeoutMs,
      finishTimeoutMs: FINISH_TIMEOUT_MS,
      patternRefreshMs: deps.settings.patternRefreshMs,
    };
    this.actor = createActor(machine, { input: { actorId, session, limits } });
    this.done = new Promise((resolve) => {
      this.actor.subscribe({
        complete: () => resolve(),
        // An actor error would otherwise be rethrown asynchronously and end the process.
        error: (error) => {
          log.error({ err: error }, 'consumer actor failed; the instance stays in the journal and resumes on the next start');
          resolve();
        },
      });
    });
    // Beside the ending, not in it: a slow disconnect must not hold up a DELETE or a shutdown.
    if (reader) void this.done.then(() => reader.close()).catch((error: unknown) => log.debug({ err: error }, "closing the instance's fetch connections failed"));
  }

  private readonly journal: Journal;

  start(): void {
    this.actor.start();
  }

  get context(): ConsumerContext {
    return this.actor.getSnapshot().context;
  }

  /** The session state: unsubscribed, subscribed, assigned, deleted or expired. */
  get state(): SessionState {
    return sessionState(this.context.session.value);
  }

  /** The live state value of every region (for the inspector). */
  get value(): unknown {
    return this.actor.getSnapshot().value;
  }

  get assignment(): TopicPartition[] {
    return liveAssignment(this.context);
  }

  get pipeline(): { bufferedRecords: number; bufferedBytes: number; fetchPaused: boolean; queued: number } {
    const { buffer } = this.runtime;
    return { bufferedRecords: buffer.length, bufferedBytes: buffer.bytes, fetchPaused: buffer.full, queued: this.context.queue.length };
  }

  /** Serves one command; answers come back as data, errors included, never as a rejection. */
  ask(envelope: CommandEnvelope): Promise<Answer> {
    const { command } = envelope;
    if (command.type === 'Ack') {
      this.actor.send({ type: 'ACK', delivery: command.delivery, delivered: command.delivered });
      return Promise.resolve({ ok: true, value: null });
    }
    if (command.type === 'Cancel') {
      this.actor.send({ type: 'CANCEL', requestId: command.requestId });
      return Promise.resolve({ ok: true, value: null });
    }
    return new Promise((reply) => {
      if (this.actor.getSnapshot().status !== 'active') return reply(errorAnswer(new RestError(40403, 'Consumer instance not found.')));
      const request: Pending = { id: envelope.requestId, command, deadline: envelope.deadline, reply };
      this.actor.send({ type: 'ASK', request });
    });
  }

  /** Ends the instance because it was idle too long; `commit` false when it expired while the proxy was down. */
  expire(commit: boolean): Promise<void> {
    this.actor.send({ type: 'EXPIRE', commit });
    return this.done;
  }

  /** Proxy shutdown: the session stays in the journal; only the Kafka side closes. */
  close(): Promise<void> {
    this.actor.send({ type: 'CLOSE' });
    return this.done;
  }

  /** A (re)join: partitions that stayed ours continue from the delivered position; others start fresh. */
  private joined(memberId: string, partitions: TopicPartition[]): TopicPartitionOffset[] {
    this.actor.send({ type: 'JOINED', memberId, partitions, at: Date.now() });
    const { positions } = this.context.session.context;
    this.runtime.buffer.clear();
    const seeks: TopicPartitionOffset[] = [];
    for (const tp of partitions) {
      const position = positions[tpKey(tp)];
      if (position === undefined) continue;
      this.runtime.buffer.reposition(tp, position);
      seeks.push({ ...tp, offset: position });
    }
    this.runtime.log.info({ memberId, partitions: partitions.map(tpKey) }, 'joined group');
    return seeks;
  }

  /**
   * Journals accepted events; every SNAPSHOT_EVERY events a snapshot lets older ones go. While the
   * journal cannot be written (a full disk: the journal reports it once and readiness says so),
   * the instance goes on serving from memory, and the first write that works again is followed by
   * a snapshot of the live session, so the journal catches up with what it missed.
   */
  private record(events: SessionEvent[], next: SessionSnapshot): void {
    try {
      this.append(events, next);
    } catch (error) {
      if (!(error instanceof JournalUnavailableError)) throw error;
      this.journalBehind = true;
    }
  }

  private append(events: SessionEvent[], next: SessionSnapshot): void {
    let seq = 0;
    for (const { type, ...payload } of events) seq = this.journal.append(this.actorId, CONSUMER_ACTOR_TYPE, type, payload).seq;
    this.eventsSinceSnapshot += events.length;
    if ((this.journalBehind || this.eventsSinceSnapshot >= SNAPSHOT_EVERY) && next.status === 'active' && seq > 0) {
      this.journalBehind = false;
      this.journal.writeSnapshot(this.actorId, CONSUMER_ACTOR_TYPE, seq, { value: next.value, context: next.context });
      // The snapshot covers everything so far: older events only serve the inspector's timeline.
      this.journal.trim(this.actorId, seq, HISTORY_KEPT);
      this.eventsSinceSnapshot = 0;
    }
  }
}

