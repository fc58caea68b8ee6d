/**
 * A group member for a subscribed consumer instance: a kafkajs consumer whose records go to the
 * instance's buffer instead of a handler. kafkajs's own offset commits are off: the instance
 * commits what it has delivered, never what it has merely buffered. While the buffer is full the
 * batch handler waits (heartbeating) for room, which holds kafkajs's fetch loop: memory per
 * instance stays bounded, and fetching resumes the moment a read makes room. (kafkajs's pause()
 * would also bound it, but a fully paused kafkajs consumer sleeps a whole fetch wait before it
 * looks again.)
 */
import { createGroupMember, type Consumer, type ConsumerConfig, type Kafka } from './client.ts';
import { fetchedHeaders } from './record-headers.ts';
import type { FetchedRecord, TopicPartition, TopicPartitionOffset } from './topic-partition.ts';

export interface GroupConsumerOptions {
  groupId: string;
  config: ConsumerConfig;
  fromBeginning: boolean;
  /** Called with every record fetched, in order. */
  onRecords: (records: FetchedRecord[]) => void;
  /** Asked after each batch; while true, fetching waits. */
  isFull: () => boolean;
  /** Resolves when the buffer may have room again, or after `ms`. */
  waitForRoom: (ms: number) => Promise<void>;
  /** Called on every (re)join, before fetching starts: return where each partition should start. */
  onJoin: (memberId: string, partitions: TopicPartition[]) => TopicPartitionOffset[];
  onCrash: (error: Error) => void;
}

const HEARTBEAT_WHILE_FULL_MS = 1000;

/** Topic names only: patterns are resolved by the caller with a linear-time matcher. */
export interface GroupSubscription {
  topics: string[];
}

export class GroupConsumer {
  private readonly consumer: Consumer;
  private assigned: TopicPartition[] = [];
  /** The id the coordinator assigned, from the first JoinGroup round on. */
  private memberIdValue: string | null = null;

  constructor(
    kafka: Kafka,
    private readonly options: GroupConsumerOptions,
  ) {
    const config = {
      ...options.config,
      groupId: options.groupId,
      // A subscription never creates topics; and every crash goes to the caller, which rejoins
      // with its own visible backoff instead of kafkajs restarting behind its back.
      allowAutoTopicCreation: false,
      // kafkajs's default retries grow to 30 s: a broker that is back would wait that long to be
      // tried again. Short ones hand a lasting failure to the caller's own backoff (≤ 2 s) instead.
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 5, ...options.config.retry, restartOnFailure: async () => false },
    };
    this.consumer = createGroupMember(kafka, config, (memberId) => {
      this.memberIdValue = memberId;
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.memberIdValue = payload.memberId;
      this.assigned = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
        (partitions as number[]).map((partition) => ({ topic, partition })),
      );
      // Seeks made here are applied by kafkajs before its first fetch of the new generation.
      for (const seek of options.onJoin(payload.memberId, this.assigned)) {
        this.consumer.seek({ topic: seek.topic, partition: seek.partition, offset: String(seek.offset) });
      }
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) options.onCrash(payload.error);
    });
  }

  /** The member's id once the coordinator assigned one (it may not have finished joining). */
  get memberId(): string | null {
    return this.memberIdValue;
  }

  assignment(): TopicPartition[] {
    return this.assigned;
  }

  async start(subscription: GroupSubscription): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: subscription.topics,
      fromBeginning: this.options.fromBeginning,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        // Nothing can stop or seek the member while this runs synchronously: asking once per batch
        // (not per record) is the same, and resolving the last offset resolves all before it.
        const { messages } = batch;
        if (messages.length > 0 && isRunning() && !isStale()) {
          const { topic, partition } = batch;
          const records: FetchedRecord[] = new Array(messages.length);
          for (let i = 0; i < messages.length; i++) {
            const m = messages[i]!;
            const record: FetchedRecord = { topic, partition, offset: Number(m.offset), key: m.key, value: m.value, timestamp: Number(m.timestamp) };
            const headers = fetchedHeaders(m);
            if (headers) record.headers = headers;
            records[i] = record;
          }
          this.options.onRecords(records);
          resolveOffset(messages[messages.length - 1]!.offset);
        }
        await heartbeat();
        // A rebalance shows up as an error from heartbeat(), which kafkajs handles by rejoining.
        while (this.options.isFull() && isRunning() && !isStale()) {
          await this.options.waitForRoom(HEARTBEAT_WHILE_FULL_MS);
          await heartbeat();
        }
      },
    });
  }

  /** Moves partitions (must be assigned) to new offsets; kafkajs drops batches fetched before. */
  seek(offsets: TopicPartitionOffset[]): void {
    for (const o of offsets) this.consumer.seek({ topic: o.topic, partition: o.partition, offset: String(o.offset) });
  }

  /** Commits offsets in the current generation of the group. */
  async commit(offsets: Array<TopicPartitionOffset & { metadata?: string | null }>): Promise<void> {
    if (offsets.length === 0) return;
    await this.consumer.commitOffsets(
      offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset), metadata: o.metadata ?? null })),
    );
  }

  /**
   * Closes the connections, leaving the group if the member had finished joining. kafkajs skips
   * the LeaveGroup of a member stopped mid-join, and hides a LeaveGroup that failed: the group
   * keeps such a member until its session expires, so the caller evicts `memberId` after this.
   */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
