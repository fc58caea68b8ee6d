/**
 * A live v2 consumer instance: the session actor (durable state, see session-machine.ts) plus the
 * Kafka work that moves it. Requests run one at a time through a mailbox, so reads, commits and
 * seeks never interleave; a read holds the mailbox until its response has been written (or has
 * failed), and only then are the delivered positions journaled — so after a crash the instance
 * resumes right after what clients actually received.
 *
 * Subscribed instances are group members (GroupConsumer); assigned instances read partitions at
 * explicit offsets without joining the group (PartitionFetcher), as Java's assign() does.
 */
import type { Logger } from 'pino';
import { createActor, type Actor, type SnapshotFrom } from 'xstate';
import type { EmbeddedFormat } from '../../codecs/embedded-format.ts';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import type { Journal } from '../../journal/journal.ts';
import type { GroupConsumer, GroupConsumerOptions, GroupSubscription } from '../../kafka/group-consumer.ts';
import type { PartitionFetcher } from '../../kafka/partition-fetcher.ts';
import { describeKafkaError } from '../../kafka/kafka-error.ts';
import type { ProxyMetrics } from '../../observability/metrics.ts';
import { parseTpKey, tpKey, type TopicPartition, type TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import { Mailbox } from './mailbox.ts';
import { RecordBuffer, recordSize } from './record-buffer.ts';
import {
  consumerSessionMachine,
  sessionState,
  type SessionContext,
  type SessionEvent,
  type SessionState,
  type Subscription,
} from './session-machine.ts';

export const CONSUMER_ACTOR_TYPE = 'consumer';
const SNAPSHOT_EVERY = 50;
/** Events kept per live instance (its timeline); a busy instance would otherwise grow forever. */
const HISTORY_KEPT = 1000;
const DELIVERY_HOLD_MS = 30_000;
const JOIN_RETRY_MS = 1_000;
// Kafka's own topics: a pattern never matches them (Java's exclude.internal.topics=true).
const INTERNAL_TOPICS = '__consumer_offsets|__transaction_state|__share_group_state';

/** Java matches a subscription pattern against the whole topic name, never an internal topic. */
function groupSubscription(subscription: Subscription): GroupSubscription {
  if ('topics' in subscription) return { topics: subscription.topics };
  return { pattern: new RegExp(`^(?!(?:${INTERNAL_TOPICS})$)(?:${subscription.pattern})$`) };
}

export interface ConsumerSettings {
  requestTimeoutMs: number;
  requestMaxBytes: number;
  fetchMinBytes: number;
  instanceTimeoutMs: number;
  bufferMaxBytes: number;
  maxBytesPerPartition: number;
  autoCommitIntervalMs: number;
}

/** Turns record bytes into the JSON a records response carries, for the instance's format. */
export interface RecordDecoder {
  decode(bytes: Buffer | null): unknown;
}

export interface ConsumerDeps {
  journal: Journal;
  fetcher: PartitionFetcher;
  createGroupConsumer: (options: Omit<GroupConsumerOptions, 'config'>) => GroupConsumer;
  settings: ConsumerSettings;
  /** The decoder of an embedded format; schema formats decode asynchronously (registry lookups). */
  decoderFor: (format: EmbeddedFormat) => RecordDecoder;
  logger: Logger;
  metrics?: Pick<ProxyMetrics, 'recordConsumed'>;
}

/** A record in a v2 records response. */
export interface RestRecord {
  topic: string;
  key: unknown;
  value: unknown;
  partition: number;
  offset: number;
}

export interface ReadResult {
  records: RestRecord[];
  /** Call once the response has been written (true) or has failed (false). */
  settle: (delivered: boolean) => void;
}

type SessionSnapshot = SnapshotFrom<typeof consumerSessionMachine>;

export class ConsumerInstance {
  private readonly actor: Actor<typeof consumerSessionMachine>;
  private readonly buffer: RecordBuffer;
  private readonly decoder: RecordDecoder;
  private readonly log: Logger;
  private group: GroupConsumer | null = null;
  private retryJoin: NodeJS.Timeout | null = null;
  private readonly mailbox = new Mailbox(() =>
    this.state === 'deleted' || this.state === 'expired' ? Errors.consumerInstanceNotFound() : null,
  );
  private eventsSinceSnapshot = 0;
  private lastJournaledUse: number;
  private lastCommitted = new Map<string, number>();
  private autoCommitTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly actorId: string,
    snapshot: SessionSnapshot,
    private readonly deps: ConsumerDeps,
  ) {
    const { group, name, config, createdAt } = snapshot.context;
    // input is ignored when a snapshot is given; it is passed for the types' sake.
    this.actor = createActor(consumerSessionMachine, { snapshot, input: { group, name, config, at: createdAt } });
    this.actor.subscribe({ error: (error) => deps.logger.error({ err: error, actorId }, 'consumer session actor failed') });
    this.actor.start();
    const { lastUsedAt } = this.context;
    this.decoder = deps.decoderFor(config.format);
    this.buffer = new RecordBuffer(deps.settings.bufferMaxBytes);
    this.log = deps.logger.child({ consumer: actorId, group, instance: name });
    this.lastJournaledUse = lastUsedAt;
  }

  get context(): SessionContext {
    return this.actor.getSnapshot().context;
  }

  get state(): SessionState {
    return sessionState(this.actor.getSnapshot().value);
  }

  /** The partitions this instance reads now, without touching it (for inspection). */
  get currentAssignment(): TopicPartition[] {
    return this.context.assignment ?? this.group?.assignment() ?? [];
  }

  get idle(): boolean {
    return this.mailbox.idle;
  }

  /** Brings the Kafka side in line with the session: rejoin the group or resume the assignment. */
  start(): Promise<void> {
    return this.mailbox.post(async () => {
      const { subscription, assignment, positions, memberId, group } = this.context;
      if (subscription) {
        // A member left behind by a crashed run would hold the rebalance up until its session expires.
        if (memberId) await this.deps.fetcher.evictMember(group, memberId).catch((e: unknown) => this.log.warn({ err: e }, 'could not evict old member'));
        await this.startGroup(subscription);
      } else if (assignment) {
        for (const tp of assignment) {
          const position = positions[tpKey(tp)];
          if (position !== undefined) this.buffer.reposition(tp, position);
        }
      }
      this.armAutoCommit();
    });
  }

  subscribe(subscription: Subscription): Promise<void> {
    return this.mailbox.post(async () => {
      this.assertCan({ type: 'Subscribed', subscription, at: Date.now() });
      await this.stopGroup();
      this.buffer.clear();
      this.record({ type: 'Subscribed', subscription, at: Date.now() });
      await this.startGroup(subscription);
    });
  }

  unsubscribe(): Promise<void> {
    return this.mailbox.post(async () => {
      await this.stopGroup();
      this.buffer.clear();
      this.record({ type: 'Unsubscribed', at: Date.now() });
    });
  }

  subscription(): Promise<string[]> {
    return this.mailbox.post(async () => {
      this.touch();
      const subscription = this.context.subscription;
      if (!subscription) return [];
      if ('topics' in subscription) return subscription.topics;
      // A pattern subscription lists the topics it currently matches.
      return [...new Set(this.group?.assignment().map((tp) => tp.topic) ?? [])].sort();
    });
  }

  assign(partitions: TopicPartition[]): Promise<void> {
    return this.mailbox.post(async () => {
      const probe: SessionEvent = { type: 'Assigned', partitions, positions: [], at: Date.now() };
      this.assertCan(probe);
      const { positions, assignment, group, config } = this.context;
      const kept = partitions.filter((tp) => positions[tpKey(tp)] !== undefined && assignment?.some((a) => tpKey(a) === tpKey(tp)));
      const fresh = partitions.filter((tp) => !kept.includes(tp));
      // New partitions start at the group's committed offset, else where auto.offset.reset says.
      // Kafka's assign() takes anything; here a partition that does not exist is refused up front.
      const ends = fresh.length ? await this.deps.fetcher.edgeOffsets(fresh, 'end').catch(notFound) : [];
      const committed = fresh.length ? await this.deps.fetcher.committed(group, fresh) : [];
      const uncommitted = fresh.filter((tp) => !committed.some((c) => tpKey(c) === tpKey(tp)));
      const reset =
        config.autoOffsetReset === 'earliest'
          ? await this.deps.fetcher.edgeOffsets(uncommitted, 'beginning').catch(notFound)
          : ends.filter((e) => uncommitted.some((tp) => tpKey(tp) === tpKey(e)));
      const start = [...kept.map((tp) => ({ ...tp, offset: positions[tpKey(tp)]! })), ...committed, ...reset].map(
        ({ topic, partition, offset }) => ({ topic, partition, offset }),
      );
      this.buffer.clear();
      for (const o of start) this.buffer.reposition(o, o.offset);
      this.record({ type: 'Assigned', partitions, positions: start, at: Date.now() });
    });
  }

  /** The current assignment: the manual one, or what the group gave this member. */
  assignments(): Promise<TopicPartition[]> {
    return this.mailbox.post(async () => {
      this.touch();
      return this.context.assignment ?? this.group?.assignment() ?? [];
    });
  }

  /** POST positions: explicit offsets and timestamps (resolved to offsets) in one seek. */
  seekPositions(offsets: TopicPartitionOffset[], timestamps: Array<TopicPartition & { timestamp: number }>): Promise<void> {
    return this.mailbox.post(async () => {
      this.assertAssigned([...offsets, ...timestamps]);
      const resolved = timestamps.length ? await this.deps.fetcher.offsetsForTimes(timestamps) : [];
      this.applySeek([...offsets, ...resolved]);
    });
  }

  seekToEdge(partitions: TopicPartition[], edge: 'beginning' | 'end'): Promise<void> {
    return this.mailbox.post(async () => {
      this.assertAssigned(partitions);
      this.applySeek(await this.deps.fetcher.edgeOffsets(partitions, edge).catch(notFound));
    });
  }

  /** Commits the given offsets (+1, Kafka stores the next offset to read) or, with none, everything delivered. */
  commit(offsets: Array<TopicPartitionOffset & { metadata?: string | null }> | null): Promise<void> {
    return this.mailbox.post(async () => {
      const toCommit = offsets
        ? offsets.map((o) => ({ ...o, offset: o.offset + 1 }))
        : Object.entries(this.context.positions).map(([key, offset]) => ({ ...parseTpKey(key), offset }));
      await this.commitOffsets(toCommit);
      this.record({ type: 'Committed', offsets: toCommit.map(({ topic, partition, offset }) => ({ topic, partition, offset })), at: Date.now() });
    });
  }

  committed(partitions: TopicPartition[]): Promise<Array<TopicPartitionOffset & { metadata: string }>> {
    return this.mailbox.post(async () => {
      this.touch();
      return this.deps.fetcher.committed(this.context.group, partitions);
    });
  }

  read(options: { timeoutMs: number; maxBytes: number }): Promise<ReadResult> {
    return this.mailbox.post(async (hold) => {
      this.touch();
      const { config, subscription, assignment } = this.context;
      const { settings } = this.deps;
      const requestTimeout = config.requestTimeoutMs ?? settings.requestTimeoutMs;
      const wait = options.timeoutMs > 0 ? Math.min(options.timeoutMs, requestTimeout) : requestTimeout;
      const maxBytes = Math.min(options.maxBytes > 0 ? options.maxBytes : Infinity, settings.requestMaxBytes);
      const minBytes = config.fetchMinBytes ?? settings.fetchMinBytes;
      if (!subscription && !assignment) {
        throw new RestError(ErrorCode.IllegalState, 'Illegal state: Consumer is not subscribed to any topics or assigned any partitions');
      }
      const deadline = Date.now() + wait;
      const taken: RestRecord[] = [];
      const next = new Map<string, TopicPartitionOffset>();
      const perTopic = new Map<string, { records: number; bytes: number }>();
      let bytes = 0;
      for (;;) {
        let full = false;
        for (let record = this.buffer.peek(0); record; record = this.buffer.peek(0)) {
          const size = recordSize(record);
          // Stay below max_bytes, as Confluent does; but a record larger than max_bytes on its own
          // is still returned, or the instance could never get past it.
          if (bytes + size >= maxBytes && taken.length > 0) {
            full = true;
            break;
          }
          let rest: RestRecord;
          try {
            rest = { topic: record.topic, key: await this.decode(record.key), value: await this.decode(record.value), partition: record.partition, offset: record.offset };
          } catch (error) {
            if (taken.length === 0) throw error; // the record stays first in line: every read reports it
            full = true;
            break;
          }
          if (this.buffer.peek(0) !== record) continue; // a rebalance took it while it was decoded
          this.buffer.shift(1);
          taken.push(rest);
          bytes += size;
          const topicTotal = perTopic.get(record.topic) ?? { records: 0, bytes: 0 };
          topicTotal.records += 1;
          topicTotal.bytes += size;
          perTopic.set(record.topic, topicTotal);
          next.set(tpKey(record), { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
        }
        if (full || (minBytes >= 0 && bytes > minBytes)) break;
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        await this.poll(remaining);
      }
      const delivered = [...next.values()];
      let settled = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        if (ok) this.delivered(delivered, perTopic);
        else this.rewind(delivered);
        hold.release();
      };
      // A response that never reports back counts as undelivered: redelivering beats skipping.
      hold.keep(DELIVERY_HOLD_MS, () => settle(false));
      return { records: taken, settle };
    });
  }

  /** Deletes the instance: commits what was delivered when auto-commit is on, leaves the group. */
  delete(): Promise<void> {
    return this.mailbox.post(async () => this.end('Deleted'));
  }

  expire(): Promise<void> {
    return this.mailbox.post(async () => this.end('Expired'));
  }

  /** Proxy shutdown: the session stays alive in the journal, only the Kafka side closes. */
  close(): Promise<void> {
    return this.mailbox.post(async () => {
      this.disarmAutoCommit();
      await this.autoCommit().catch(() => undefined);
      await this.stopGroup();
    });
  }

  // ---------------------------------------------------------------------------------------------

  private async end(type: 'Deleted' | 'Expired'): Promise<void> {
    this.disarmAutoCommit();
    await this.autoCommit().catch((e: unknown) => this.log.warn({ err: e }, 'final commit failed'));
    await this.stopGroup();
    this.buffer.clear();
    this.record({ type, at: Date.now() });
    this.deps.journal.compact(this.actorId);
    this.actor.stop();
  }

  /**
   * Joins the group. kafkajs cannot subscribe to a topic that does not exist yet, while Kafka's
   * consumer simply waits for it: so a subscription to missing topics is accepted and the join is
   * retried until they exist (reads meanwhile return nothing).
   */
  private async startGroup(subscription: Subscription): Promise<void> {
    const { group, config } = this.context;
    const consumer = this.deps.createGroupConsumer({
      groupId: group,
      fromBeginning: config.autoOffsetReset === 'earliest',
      onRecords: (records) => this.buffer.push(records),
      isFull: () => this.buffer.full,
      waitForRoom: (ms) => this.buffer.waitForRoom(ms),
      onJoin: (memberId, partitions) => this.joined(memberId, partitions),
      onCrash: (error) => this.log.error({ err: error }, 'group consumer crashed'),
    });
    this.group = consumer;
    try {
      await consumer.start(groupSubscription(subscription));
    } catch (error) {
      if (describeKafkaError(error).errorCode !== ErrorCode.UnknownTopicOrPartition) {
        this.group = null;
        await consumer.stop().catch(() => undefined);
        throw error;
      }
      this.group = null;
      await consumer.stop().catch(() => undefined);
      this.log.info({ subscription }, 'subscribed topics do not exist yet; joining once they do');
      this.retryJoin = setTimeout(() => {
        this.retryJoin = null;
        void this.mailbox.post(async () => {
          if (this.group || this.context.subscription !== subscription) return;
          await this.startGroup(subscription);
        }).catch((e: unknown) => this.log.warn({ err: e }, 'joining the group failed'));
      }, JOIN_RETRY_MS);
      this.retryJoin.unref();
    }
  }

  /** A (re)join: partitions that stayed ours continue from the delivered position; others start fresh. */
  private joined(memberId: string, partitions: TopicPartition[]): TopicPartitionOffset[] {
    if (this.state !== 'subscribed') return [];
    this.record({ type: 'Joined', memberId, partitions, at: Date.now() });
    this.buffer.clear();
    const { positions } = this.context;
    const seeks: TopicPartitionOffset[] = [];
    for (const tp of partitions) {
      const position = positions[tpKey(tp)];
      if (position === undefined) continue;
      this.buffer.reposition(tp, position);
      seeks.push({ ...tp, offset: position });
    }
    this.log.info({ memberId, partitions: partitions.map(tpKey) }, 'joined group');
    return seeks;
  }

  private async stopGroup(): Promise<void> {
    if (this.retryJoin) clearTimeout(this.retryJoin);
    this.retryJoin = null;
    const group = this.group;
    this.group = null;
    if (group) await group.stop().catch((e: unknown) => this.log.warn({ err: e }, 'leaving the group failed'));
  }

  private async poll(maxWaitMs: number): Promise<void> {
    const { assignment, config } = this.context;
    if (!assignment) {
      await this.buffer.waitForRecords(maxWaitMs);
      return;
    }
    if (this.buffer.full) return;
    const positions = assignment.map((tp) => ({ ...tp, offset: this.buffer.nextOffset(tp) ?? this.context.positions[tpKey(tp)] ?? 0 }));
    const { records, outOfRange } = await this.deps.fetcher.fetch(positions, {
      maxWaitMs: Math.min(maxWaitMs, 1000),
      minBytes: 1,
      maxBytes: Math.max(this.buffer.maxBytes - this.buffer.bytes, 1),
      maxBytesPerPartition: this.deps.settings.maxBytesPerPartition,
    });
    this.buffer.push(records);
    if (outOfRange.length > 0) {
      const edge = config.autoOffsetReset === 'earliest' ? 'beginning' : 'end';
      for (const reset of await this.deps.fetcher.edgeOffsets(outOfRange, edge)) this.buffer.reposition(reset, reset.offset);
    }
  }

  private applySeek(offsets: TopicPartitionOffset[]): void {
    this.assertAssigned(offsets);
    for (const o of offsets) this.buffer.reposition(o, o.offset);
    this.group?.seek(offsets);
    this.record({ type: 'PositionsSet', offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })), at: Date.now() });
  }

  /** Seeking a partition the consumer does not have is Kafka's IllegalStateException: 40903. */
  private assertAssigned(partitions: TopicPartition[]): void {
    const current = new Set((this.context.assignment ?? this.group?.assignment() ?? []).map(tpKey));
    const missing = partitions.find((tp) => !current.has(tpKey(tp)));
    if (missing) {
      throw new RestError(ErrorCode.IllegalState, `Illegal state: No current assignment for partition ${tpKey(missing).replace(/:(\d+)$/, '-$1')}`);
    }
  }

  private assertCan(event: SessionEvent): void {
    if (!this.actor.getSnapshot().can(event)) {
      throw new RestError(ErrorCode.IllegalState, 'Illegal state: Subscription to topics, partitions and pattern are mutually exclusive');
    }
  }

  private delivered(offsets: TopicPartitionOffset[], perTopic: Map<string, { records: number; bytes: number }>): void {
    for (const [topic, { records, bytes }] of perTopic) this.deps.metrics?.recordConsumed(topic, records, bytes);
    if (offsets.length === 0 || this.state === 'deleted' || this.state === 'expired') return;
    // A rebalance during the read may have taken partitions away: their positions are not ours.
    const owned = new Set((this.context.assignment ?? this.group?.assignment() ?? []).map(tpKey));
    const mine = offsets.filter((o) => owned.has(tpKey(o)));
    if (mine.length > 0) this.record({ type: 'Delivered', offsets: mine, at: Date.now() });
  }

  /** The response never reached the client: the records go back in line. */
  private rewind(offsets: TopicPartitionOffset[]): void {
    const positions = this.context.positions;
    const back = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: positions[tpKey(o)] })).filter(
      (o): o is TopicPartitionOffset => o.offset !== undefined,
    );
    for (const o of back) this.buffer.reposition(o, o.offset);
    this.group?.seek(back);
  }

  private async commitOffsets(offsets: Array<TopicPartitionOffset & { metadata?: string | null }>): Promise<void> {
    if (offsets.length === 0) return;
    try {
      if (this.group) await this.group.commit(offsets);
      else await this.deps.fetcher.commit(this.context.group, offsets);
    } catch (error) {
      const failure = describeKafkaError(error);
      if (failure.errorCode === ErrorCode.InternalServerError) throw error;
      const type = (error as { type?: string }).type ?? '';
      if (['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS'].includes(type)) {
        throw new RestError(ErrorCode.IllegalState, `Illegal state: Commit cannot be completed: ${failure.message}`);
      }
      throw new RestError(failure.errorCode, failure.message, failure.status);
    }
    for (const o of offsets) this.lastCommitted.set(tpKey(o), o.offset);
  }

  private async autoCommit(): Promise<void> {
    if (!this.context.config.autoCommit) return;
    const changed = Object.entries(this.context.positions)
      .filter(([key, offset]) => this.lastCommitted.get(key) !== offset)
      .map(([key, offset]) => ({ ...parseTpKey(key), offset }));
    await this.commitOffsets(changed);
  }

  private armAutoCommit(): void {
    if (!this.context.config.autoCommit || this.autoCommitTimer) return;
    this.autoCommitTimer = setInterval(() => {
      if (!this.idle) return;
      void this.mailbox.post(() => this.autoCommit()).catch((e: unknown) => this.log.warn({ err: e }, 'auto-commit failed'));
    }, this.deps.settings.autoCommitIntervalMs);
    this.autoCommitTimer.unref();
  }

  private disarmAutoCommit(): void {
    if (this.autoCommitTimer) clearInterval(this.autoCommitTimer);
    this.autoCommitTimer = null;
  }

  /** Use refreshes the expiry deadline; it is journaled only now and then, to keep reads cheap. */
  private touch(): void {
    const now = Date.now();
    if (now - this.lastJournaledUse >= this.deps.settings.instanceTimeoutMs / 10) this.record({ type: 'Touched', at: now });
    else this.actor.send({ type: 'Touched', at: now });
  }

  /** Decodes with the format's decoder; only schema formats actually wait (for the registry). */
  private async decode(bytes: Buffer | null): Promise<unknown> {
    return this.decoder.decode(bytes);
  }

  /** Journals an event and applies it: the journal is written first, so it is never behind. */
  private record(event: SessionEvent): void {
    const { type, ...payload } = event;
    const entry = this.deps.journal.append(this.actorId, CONSUMER_ACTOR_TYPE, type, payload);
    this.actor.send(event);
    this.lastJournaledUse = event.at;
    if (++this.eventsSinceSnapshot >= SNAPSHOT_EVERY && this.actor.getSnapshot().status === 'active') {
      const { value, context } = this.actor.getSnapshot();
      this.deps.journal.writeSnapshot(this.actorId, CONSUMER_ACTOR_TYPE, entry.seq, { value, context });
      // The snapshot covers everything so far: older events only serve the inspector's timeline.
      this.deps.journal.trim(this.actorId, entry.seq, HISTORY_KEPT);
      this.eventsSinceSnapshot = 0;
    }
  }
}

/** A partition or topic that does not exist: 404/40402, or 40403 for a topic, as Kafka would say. */
function notFound(error: unknown): never {
  if ((error as { partitionMissing?: boolean }).partitionMissing) throw Errors.partitionNotFound();
  const failure = describeKafkaError(error);
  throw new RestError(failure.errorCode, failure.message, failure.status);
}
