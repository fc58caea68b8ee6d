/**
 * The Kafka side of a subscribed consumer instance: at most one live group member (a
 * GroupConsumer) at a time. Joins and leaves run one after the other, so a leave always stops
 * what a join started; a member that has been replaced is detached at once (its records and
 * crashes are ignored from then on) and stopped by the next leave. Pattern subscriptions are
 * resolved here, with a linear-time matcher, into the list of topics the member subscribes to:
 * kafkajs would test a JavaScript regex itself, and never auto-creates topics this way.
 */
import type { Logger } from 'pino';
import type { GroupConsumer, GroupConsumerOptions } from '../../kafka/group-consumer.ts';
import type { PartitionFetcher } from '../../kafka/partition-fetcher.ts';
import { compileTopicPattern } from '../../kafka/topic-pattern.ts';
import type { FetchedRecord, TopicPartition, TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import type { RecordBuffer } from './record-buffer.ts';
import type { Subscription } from './session-machine.ts';

export type GroupConsumerFactory = (options: Omit<GroupConsumerOptions, 'config'>) => GroupConsumer;

export interface MembershipDeps {
  createGroupConsumer: GroupConsumerFactory;
  fetcher: Pick<PartitionFetcher, 'evictMember'>;
  /** Every topic of the cluster (internal ones may be included: patterns never match them). */
  topicNames: () => Promise<string[]>;
  buffer: RecordBuffer;
  logger: Logger;
}

export interface MembershipEvents {
  /** A (re)join: answers where each partition should start. */
  joined(memberId: string, partitions: TopicPartition[]): TopicPartitionOffset[];
  /** The member crashed for good; a new join is up to the caller. */
  failed(error: Error): void;
}

export class Membership {
  private member: GroupConsumer | null = null;
  private readonly retired = new Set<GroupConsumer>();
  private topicsValue: string[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  /**
   * Members that may still be in the group: a previous run's (from the journal), and every one this
   * run stopped or lost (kafkajs does not always leave, and a broker outage fails a LeaveGroup). The
   * next join or leave evicts them, or the group's rebalance would wait out each one's session.
   */
  private readonly stale = new Set<string>();
  private journaledMemberSeen = false;
  private group: string | null = null;

  constructor(
    private readonly deps: MembershipDeps,
    private readonly events: MembershipEvents,
  ) {}

  /** The topics the member subscribed to (a pattern's matches at its last resolution). */
  get topics(): string[] {
    return this.topicsValue;
  }

  get active(): GroupConsumer | null {
    return this.member;
  }

  /** Replaces any member by a new one for `subscription`; rejects when Kafka says no (retry later). */
  join(group: string, subscription: Subscription, fromBeginning: boolean, evictMemberId: string | null, signal: AbortSignal): Promise<void> {
    return this.serially(async () => {
      this.group = group;
      await this.stopAll();
      if (!this.journaledMemberSeen && evictMemberId) this.stale.add(evictMemberId);
      this.journaledMemberSeen = true;
      await this.evictStale(group);
      const topics = await this.resolve(subscription);
      if (topics.length === 0) throw new Error('no topic exists yet that the subscription names or matches');
      if (signal.aborted) throw new Error('join cancelled');
      const consumer = this.deps.createGroupConsumer({
        groupId: group,
        fromBeginning,
        onRecords: (records: FetchedRecord[]) => {
          if (this.member === consumer) this.deps.buffer.push(records);
        },
        isFull: () => this.member === consumer && this.deps.buffer.full,
        waitForRoom: (ms) => this.deps.buffer.waitForRoom(ms),
        onJoin: (memberId, partitions) => (this.member === consumer ? this.events.joined(memberId, partitions) : []),
        onCrash: (error) => {
          if (this.member !== consumer) return;
          if (consumer.memberId) this.stale.add(consumer.memberId);
          this.events.failed(error);
        },
      });
      this.member = consumer;
      this.topicsValue = topics;
      // Cancelled mid-join (a Delete, a new subscription): disconnecting makes a pending connect give up.
      const cancel = () => {
        this.detach();
        void consumer.stop().catch(() => undefined);
      };
      signal.addEventListener('abort', cancel, { once: true });
      try {
        await consumer.start({ topics });
      } catch (error) {
        this.detach();
        throw error;
      } finally {
        signal.removeEventListener('abort', cancel);
      }
      if (signal.aborted) throw new Error('join cancelled');
    });
  }

  /** True when the topics a pattern matches have changed since the member joined. */
  async patternChanged(subscription: Subscription): Promise<boolean> {
    if (!('pattern' in subscription)) return false;
    const topics = await this.resolve(subscription);
    return topics.join('\n') !== this.topicsValue.join('\n');
  }

  /** Stops listening to the member at once (it is stopped by the next join or leave). */
  detach(): void {
    if (this.member) this.retired.add(this.member);
    this.member = null;
    this.topicsValue = [];
  }

  /**
   * Leaves the group: every member this instance started is stopped and evicted before this
   * resolves, so the group's next rebalance (here or in another process) never waits for one.
   */
  leave(): Promise<void> {
    return this.serially(async () => {
      await this.stopAll();
      if (this.group && this.stale.size > 0) {
        await this.evictStale(this.group).catch((e: unknown) => this.deps.logger.warn({ err: e }, 'could not evict a stopped member; the group keeps it until its session expires'));
      }
    });
  }

  assignment(): TopicPartition[] {
    return this.member?.assignment() ?? [];
  }

  seek(offsets: TopicPartitionOffset[]): void {
    this.member?.seek(offsets);
  }

  /** Commits in the member's generation; false when there is no member to commit through. */
  async commit(offsets: Array<TopicPartitionOffset & { metadata?: string | null }>): Promise<boolean> {
    if (!this.member) return false;
    await this.member.commit(offsets);
    return true;
  }

  private async stopAll(): Promise<void> {
    this.detach();
    const stopping = [...this.retired];
    this.retired.clear();
    await Promise.all(
      stopping.map((m) =>
        m
          .stop()
          .catch((e: unknown) => this.deps.logger.warn({ err: e }, 'stopping a group member failed; it is evicted instead'))
          .finally(() => {
            // kafkajs may not have left (stopped mid-join, or its LeaveGroup failed silently).
            if (m.memberId) this.stale.add(m.memberId);
          }),
      ),
    );
  }

  /**
   * Evicts the stale members, or fails the join: joining while one is still in the group would wait
   * out its session (30 s or more) where a retry a moment later, once the coordinator answers, does not.
   */
  private async evictStale(group: string): Promise<void> {
    for (const memberId of this.stale) {
      await this.deps.fetcher.evictMember(group, memberId);
      this.stale.delete(memberId);
    }
  }

  private async resolve(subscription: Subscription): Promise<string[]> {
    if ('topics' in subscription) return subscription.topics;
    const pattern = compileTopicPattern(subscription.pattern);
    return (await this.deps.topicNames()).filter((t) => pattern.matches(t)).sort();
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
