/**
 * A proxy cluster's own Kafka group, as Kafka Connect workers form one: every member subscribes
 * to the sessions topic with the proxy's assignor, publishing in its member metadata the URL other
 * members forward requests to and the partitions it owns (for a sticky assignment). The group
 * leader divides the partitions (src/cluster/assignment.ts); each member learns its own share on
 * every join, and anyone's from the coordinator (`members()`, DescribeGroups). The member never
 * consumes: session records are read by the member that takes a partition over (session-topic.ts).
 */
import type { Logger } from 'pino';
import { AssignerProtocol, type Consumer, type Kafka } from './client.ts';
import { assignPartitions } from '../cluster/assignment.ts';
import { PartitionFetcher } from './partition-fetcher.ts';

export const CLUSTER_ASSIGNOR = 'kafka-rest-sessions';
const ASSIGNOR_VERSION = 1;

export interface ClusterGroupOptions {
  groupId: string;
  topic: string;
  /** Where the other members reach this one (its cluster listener). */
  url: string;
  sessionTimeoutMs: number;
  partitionCount: () => number;
  /** The partitions this member owns now: sent at every join so the assignment stays sticky. */
  owned: () => number[];
}

export interface ClusterMember {
  memberId: string;
  url: string;
  partitions: number[];
}

export interface ClusterView {
  /** The coordinator's word: Stable, PreparingRebalance, CompletingRebalance, Empty or Dead. */
  state: string;
  members: ClusterMember[];
}

interface MemberData {
  url: string;
  owned: number[];
}

/** Waits before starting a member again that kafkajs gave up on (a crash it does not restart). */
const RESTART_BACKOFF_MS = [500, 1_000, 2_000, 5_000, 10_000];

type Handlers = { assigned: (memberId: string, partitions: number[]) => void; crashed: (error: Error) => void };

export class ClusterGroup {
  private consumer: Consumer;
  private readonly admin: ReturnType<Kafka['admin']>;
  /** Connects only to evict a dead member (LeaveGroup on its behalf). */
  private readonly evictor: PartitionFetcher;
  private memberIdValue: string | null = null;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private restarts = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ClusterGroupOptions,
    private readonly handlers: Handlers,
    private readonly logger: Logger,
  ) {
    this.consumer = this.newConsumer();
    this.admin = kafka.admin();
    this.evictor = new PartitionFetcher(kafka);
  }

  private newConsumer(): Consumer {
    const { groupId, topic, url, sessionTimeoutMs } = this.options;
    const assignor = () => ({
      name: CLUSTER_ASSIGNOR,
      version: ASSIGNOR_VERSION,
      protocol: ({ topics }: { topics: string[] }) => ({
        name: CLUSTER_ASSIGNOR,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: ASSIGNOR_VERSION, topics, userData: encode({ url, owned: this.options.owned() }) }),
      }),
      assign: async ({ members }: { members: Array<{ memberId: string; memberMetadata: Buffer }> }) => {
        const claims = members.map(({ memberId, memberMetadata }) => ({ memberId, owned: decodeMetadata(memberMetadata)?.owned ?? [] }));
        const shares = assignPartitions(claims, this.options.partitionCount());
        return [...shares].map(([memberId, partitions]) => ({
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: ASSIGNOR_VERSION, assignment: { [topic]: partitions }, userData: Buffer.alloc(0) }),
        }));
      },
    });
    const consumer = this.kafka.consumer({
      groupId,
      partitionAssigners: [assignor],
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.min(1_000, Math.floor(sessionTimeoutMs / 3))),
      rebalanceTimeout: Math.max(sessionTimeoutMs, 10_000),
      allowAutoTopicCreation: false,
      maxBytes: 64 * 1024,
      // Short fetch waits: leaving the group (shutdown) waits for the fetch in progress.
      maxWaitTimeInMs: 200,
      // A member that crashed has lost its partitions to the others: it rejoins from nothing.
      retry: { initialRetryTime: 200, maxRetryTime: 2_000, restartOnFailure: async () => !this.stopping },
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.memberIdValue = payload.memberId;
      this.restarts = 0;
      this.handlers.assigned(payload.memberId, ((payload.memberAssignment as Record<string, number[]>)[topic] ?? []).slice().sort((a, b) => a - b));
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.stopping || consumer !== this.consumer) return;
      // kafkajs restarts a member only after a retriable error; after any other (its own TypeError
      // when the sessions topic was deleted, say) the member would stay out of the group for good.
      const restart = payload.restart;
      this.logger.warn({ err: payload.error, restart }, restart ? 'the proxy cluster group member crashed; kafkajs rejoins' : 'the proxy cluster group member crashed; starting it again');
      this.handlers.crashed(payload.error);
      if (!restart) this.startAgain();
    });
    return consumer;
  }

  /** A new group member in place of one kafkajs stopped, with backoff until one starts. */
  private startAgain(): void {
    const wait = RESTART_BACKOFF_MS[Math.min(this.restarts++, RESTART_BACKOFF_MS.length - 1)];
    this.restartTimer = setTimeout(async () => {
      this.restartTimer = null;
      // The old member's connections are closed before the next one opens its own.
      await this.consumer.disconnect().catch(() => undefined);
      if (this.stopping) return;
      this.consumer = this.newConsumer();
      this.startConsumer().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'could not start the proxy cluster group member again; retrying');
        this.startAgain();
      });
    }, wait);
  }

  get memberId(): string | null {
    return this.memberIdValue;
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await this.startConsumer();
  }

  private async startConsumer(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: false });
    // Records are never processed here (the owner reads its partitions itself); offsets are never committed.
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: true, eachBatch: async () => undefined });
  }

  /** Every member, its URL and its partitions, as the coordinator has them now. */
  async members(): Promise<ClusterView> {
    // A stopped admin would connect again, and nothing would close it.
    if (this.stopping) throw new Error('the proxy cluster group member has stopped');
    const { groups } = await this.admin.describeGroups([this.options.groupId]);
    const group = groups[0];
    const members = (group?.members ?? []).map(({ memberId, memberMetadata, memberAssignment }) => {
      const data = decodeMetadata(memberMetadata);
      const assignment = memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(memberAssignment) : null;
      return { memberId, url: data?.url ?? '', partitions: (assignment?.assignment[this.options.topic] ?? []).slice().sort((a, b) => a - b) };
    });
    return { state: group?.state ?? 'Dead', members };
  }

  /**
   * Removes a member that is known dead (its cluster listener refuses connections) instead of
   * waiting for its session to time out: the group rebalances at once.
   */
  async evict(memberId: string): Promise<void> {
    if (this.stopping) return;
    await this.evictor.evictMember(this.options.groupId, memberId);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    // disconnect() leaves the group: the others take the partitions over at once.
    await Promise.allSettled([this.consumer.disconnect(), this.admin.disconnect(), this.evictor.close()]);
  }
}

function encode(data: MemberData): Buffer {
  return Buffer.from(JSON.stringify(data), 'utf8');
}

function decodeMetadata(metadata: Buffer): MemberData | null {
  try {
    const decoded = AssignerProtocol.MemberMetadata.decode(metadata);
    const data = decoded?.userData?.length ? (JSON.parse(decoded.userData.toString('utf8')) as Partial<MemberData>) : null;
    if (!data || typeof data.url !== 'string') return null;
    return { url: data.url, owned: Array.isArray(data.owned) ? data.owned.filter((p): p is number => typeof p === 'number') : [] };
  } catch {
    return null;
  }
}
