/**
 * One member of a proxy cluster: which partitions of the sessions topic it owns, and the moves
 * between owners. Every assignment the group gives it is handled in turn:
 * - a partition it lost is released: new commands for it are turned away (the caller asks the
 *   new owner), commands and deliveries in flight finish (bounded by `handoverTimeoutMs`), its
 *   instances close their Kafka side, everything they journaled is written, and a `released`
 *   marker says the partition is free;
 * - a partition it gained is adopted: read back from the topic and folded into sessions exactly
 *   as the SQLite journal is at a restart; when the marker says a member still in the group owns
 *   it, the read is repeated until that member's `released` marker is there (or the timeout).
 * Until a partition is adopted, its commands wait (see cluster-port.ts).
 */
import type { Logger } from 'pino';
import type { ConsumerSupervisor } from '../actors/consumer/supervisor.ts';
import type { Journal } from '../journal/journal.ts';
import type { ClusterGroup, ClusterView } from '../kafka/cluster-group.ts';
import type { SessionTopic } from '../kafka/session-topic.ts';
import type { SessionLog } from './session-log.ts';
import { sessionPartition } from './session-partition.ts';
import { replayPartition, type OwnerMarker, type ReplayedPartition } from './session-records.ts';
import { PartitionWork } from './partition-work.ts';
import { SessionsTopicGuard } from './sessions-topic-restore.ts';
import { WakeUp } from '../wake-up.ts';

export type PartitionState = 'adopting' | 'owned' | 'releasing';

export interface ClusterNodeDeps {
  topic: SessionTopic;
  log: SessionLog;
  journal: Journal;
  supervisor: ConsumerSupervisor;
  handoverTimeoutMs: number;
  logger: Logger;
  metrics?: { recordHandover(kind: 'adopted' | 'released', seconds: number, sessions: number): void; recordRestore(sessions: number): void };
}

const HANDOVER_POLL_MS = 200;
const HISTORY_KEPT = 50;

/** One ownership change of this member, for the inspector's cluster view. */
export interface Rebalance {
  at: number;
  lost: number[];
  gained: number[];
  owned: number[];
  ms: number;
}

export class ClusterNode {
  private readonly states = new Map<number, PartitionState>();
  private readonly work = new PartitionWork();
  private readonly ownership = new WakeUp();
  private view: ClusterView = { state: 'Empty', members: [] };
  private rebalancing: Promise<void> = Promise.resolve();
  /**
   * The partitions of the group's latest answer, which may be newer than the rebalance running:
   * an adoption still waiting for a partition the group has since given to another member stops.
   */
  private latest: ReadonlySet<number> = new Set();
  private group: ClusterGroup | null = null;
  memberId: string | null = null;
  /** Where the other members reach this one: known once the cluster listener is bound, before the first join. */
  url = '';
  private closing = false;
  private readonly evicted = new Set<string>();
  private readonly guard: SessionsTopicGuard;
  /** Per partition, how many times this member released it: a command that saw one has lost its instance here. */
  private readonly releases = new Map<number, number>();
  /** The latest ownership changes, newest last. */
  readonly history: Rebalance[] = [];

  constructor(private readonly deps: ClusterNodeDeps) {
    const { topic, log, journal, logger, handoverTimeoutMs, metrics } = deps;
    this.guard = new SessionsTopicGuard({ topic, log, journal, logger, flushTimeoutMs: handoverTimeoutMs, recordRestore: (n) => metrics?.recordRestore(n) });
  }

  get partitionCount(): number {
    return this.deps.topic.partitionCount;
  }

  partitionOf(group: string, instance: string): number {
    return sessionPartition({ group, instance }, this.partitionCount);
  }

  attach(group: ClusterGroup): void {
    this.group = group;
  }

  /** The partitions this member owns or is taking over (what it claims at the next join). */
  claimed(): number[] {
    return [...this.states].filter(([, state]) => state !== 'releasing').map(([p]) => p);
  }

  /** Every partition this member owns or is moving, and how far it is, in partition order. */
  partitionStates(): Array<{ partition: number; state: PartitionState }> {
    return [...this.states].map(([partition, state]) => ({ partition, state })).sort((a, b) => a.partition - b.partition);
  }

  state(partition: number): PartitionState | undefined {
    return this.states.get(partition);
  }

  /** The member that serves a partition now: this one (`self`), another's URL, or null while nobody does. */
  owner(partition: number): 'self' | string | null {
    const state = this.states.get(partition);
    if (state === 'owned') return 'self';
    if (state !== undefined) return null;
    const member = this.view.members.find((m) => m.partitions.includes(partition) && m.memberId !== this.memberId);
    return member?.url || null;
  }

  members(): ClusterView {
    return this.view;
  }

  /** Resolves at the next change of ownership (here or in the group's view), or after `ms`. */
  changed(ms: number): Promise<void> {
    return this.ownership.wait(ms);
  }

  /** How many times this member released `partition` so far. */
  releaseCount(partition: number): number {
    return this.releases.get(partition) ?? 0;
  }

  /** Runs a command of an owned partition, so a hand-over waits for it. */
  serve<T>(partition: number, work: () => Promise<T>): Promise<T> {
    return this.work.serve(partition, work);
  }

  /** A read's records are on their way to the client: the partition stays busy until the ack. */
  openDelivery(partition: number, delivery: string): void {
    this.work.openDelivery(partition, delivery);
  }

  closeDelivery(delivery: string): void {
    this.work.closeDelivery(delivery);
  }

  /** The group's answer to a join: releases what was lost, then adopts what was gained. */
  assigned(memberId: string, partitions: number[], fenced = false): Promise<void> {
    // A member shutting down takes nothing more over.
    if (this.closing && partitions.length > 0) return this.rebalancing;
    // A new member id means the group dropped the old one (its session expired): what it owned
    // was given to others meanwhile, so it is released without a word.
    const dropped = fenced || (this.memberId !== null && memberId !== '' && memberId !== this.memberId);
    this.memberId = memberId || this.memberId;
    this.latest = new Set(partitions);
    this.rebalancing = this.rebalancing.then(() => this.rebalance(partitions, dropped)).catch((error: unknown) => {
      this.deps.logger.error({ err: error }, 'cluster rebalance failed; the group reassigns at the next join');
    });
    return this.rebalancing;
  }

  /** Fencing: a member that fell out of the group stops serving at once, so two never serve one session. */
  crashed(error: Error): void {
    this.deps.logger.error({ err: error }, 'this member left the proxy cluster (its Kafka group member crashed); it stops serving its sessions until it is assigned partitions again');
    // A deleted sessions topic crashes every member: what this one owns is written back first
    // (`releasing` … `released`, so an adopter waits for all of it), and the fence loses nothing.
    this.rebalancing = this.rebalancing.then(() => this.restoreIfLost());
    void this.assigned('', [], true);
  }

  /**
   * Shutdown: leaves the group first, so the others are assigned this member's partitions at once
   * (and wait for each one's `released` marker), then hands every partition over.
   */
  async close(): Promise<void> {
    this.closing = true;
    // `releasing` first: the next owners then wait for `released` although this member is gone.
    for (const [partition, state] of this.states) if (state === 'owned') this.deps.log.marker(partition, this.marker('releasing'));
    await this.durable('releasing markers');
    await this.group?.stop();
    await this.assigned('', []);
  }

  /**
   * A member whose cluster listener refused a connection has no process behind it (a member
   * shutting down closes that listener last, after its hand-over): it is evicted from the group,
   * once, so its sessions move now rather than after cluster.session.timeout.ms.
   */
  async evictUnreachable(url: string): Promise<void> {
    const member = this.view.members.find((m) => m.url === url && m.memberId !== this.memberId);
    if (!member || this.evicted.has(member.memberId) || !this.group) return;
    this.evicted.add(member.memberId);
    this.deps.logger.warn({ member: member.memberId, url }, 'a proxy cluster member refuses connections: evicting it from the group so its sessions move now');
    await this.group.evict(member.memberId).catch((error: unknown) => this.deps.logger.warn({ err: error, member: member.memberId }, 'could not evict a dead cluster member; its session times out instead'));
  }

  async refreshView(): Promise<void> {
    if (!this.group || this.closing) return;
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        this.view = await this.group.members();
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'cannot describe the proxy cluster group; retrying');
      }
      if (this.view.state === 'Stable') break;
      await sleep(200);
    }
    this.notify();
  }

  private async rebalance(next: number[], fenced: boolean): Promise<void> {
    const started = Date.now();
    const wanted = new Set(next);
    // A partition an earlier answer gave and a later one took back before it was adopted: nothing to release.
    for (const [p, state] of this.states) if (state === 'adopting' && !wanted.has(p)) this.states.delete(p);
    const lost = [...this.states.keys()].filter((p) => !wanted.has(p));
    const gained = next.filter((p) => !this.states.has(p));
    for (const p of gained) this.states.set(p, 'adopting');
    for (const p of lost) this.states.set(p, 'releasing');
    this.notify();
    await Promise.all(lost.map((p) => this.release(p, fenced)));
    await this.refreshView();
    // One at a time: a partition is read in milliseconds, and kafkajs's first connections to a
    // broker are not safe to open concurrently from one client (the loser's socket is never closed).
    for (const p of gained) await this.adopt(p);
    if (lost.length === 0 && gained.length === 0) return;
    const owned = [...this.states].filter(([, state]) => state === 'owned').map(([p]) => p).sort((a, b) => a - b);
    this.history.push({ at: started, lost, gained, owned, ms: Date.now() - started });
    if (this.history.length > HISTORY_KEPT) this.history.shift();
    this.deps.logger.info({ owned, lost, gained }, 'proxy cluster ownership changed');
  }

  /**
   * `fenced`: another member may own the partition already, so nothing more is written to it. A
   * graceful release takes at most cluster.handover.timeout.ms in all; past it, the next owner may
   * be taking the partition over, so what this member has not written by then is dropped rather
   * than written under the new owner (an instance's copy here, still a member of its group, would
   * otherwise journal the join that gives its partitions to the new copy, and erase its positions).
   */
  private async release(partition: number, fenced: boolean): Promise<void> {
    const { supervisor, log, journal } = this.deps;
    const started = Date.now();
    const deadline = started + this.deps.handoverTimeoutMs;
    if (fenced) log.mute(partition);
    // Commands already running (reads included) finish first: the hand-over is graceful.
    if (!fenced) await this.work.drain(partition, deadline);
    this.releases.set(partition, (this.releases.get(partition) ?? 0) + 1);
    const actorIds = await supervisor.release((ref) => this.partitionOf(ref.group, ref.instance) === partition);
    const late = !fenced && !(await this.durableUntil(deadline, `the last events of partition ${partition}`));
    if (late) log.mute(partition);
    for (const actorId of actorIds) log.forget(journal, actorId);
    if (!late) {
      log.marker(partition, this.marker('released'));
      if (!(await this.durableUntil(deadline, `the released marker of partition ${partition}`))) log.mute(partition);
    }
    log.disowned(partition);
    this.states.delete(partition);
    this.notify();
    this.deps.metrics?.recordHandover('released', (Date.now() - started) / 1000, actorIds.length);
  }

  private async adopt(partition: number): Promise<void> {
    const { topic, log, journal, supervisor, handoverTimeoutMs, logger } = this.deps;
    const started = Date.now();
    let replayed: ReplayedPartition;
    for (;;) {
      // The group gave it to another member meanwhile: taking it over would serve it twice.
      if (!this.latest.has(partition)) return;
      replayed = replayPartition(await this.read(partition));
      const holder = replayed.marker;
      const other = holder !== null && holder.memberId !== this.memberId;
      // Still owned by a member in the group, or being released by one that left: wait for `released`.
      const handingOver = other && (holder.state === 'releasing' || (holder.state === 'owned' && this.view.members.some((m) => m.memberId === holder.memberId)));
      // Just after the topic lost its records, an empty partition's owner may still be writing it back.
      const writingBack = holder === null && this.guard.lostWithin(handoverTimeoutMs);
      if (!handingOver && !writingBack) break;
      // Twice a release's own bound: the two members learn of the move at slightly different times.
      if (Date.now() - started >= 2 * handoverTimeoutMs) {
        logger.warn({ partition, holder: holder?.url ?? null }, 'the previous owner did not hand the partition over within cluster.handover.timeout.ms; taking it over anyway');
        break;
      }
      await sleep(HANDOVER_POLL_MS);
    }
    if (this.states.get(partition) !== 'adopting' || !this.latest.has(partition)) return;
    log.unmute(partition);
    log.marker(partition, this.marker('owned'));
    for (const actor of replayed.actors) log.load(journal, partition, actor);
    const { recovered, expired } = supervisor.recover(replayed.actors.map((a) => a.actorId));
    await this.durable(`the owned marker of partition ${partition}`);
    this.states.set(partition, 'owned');
    this.notify();
    const seconds = (Date.now() - started) / 1000;
    this.deps.metrics?.recordHandover('adopted', seconds, recovered);
    logger.info({ partition, recovered, expired, ms: Math.round(seconds * 1000), topic: topic.name }, 'took a sessions partition over');
  }

  /**
   * Waits for the sessions topic to take what is queued, at most cluster.handover.timeout.ms: a
   * topic that refuses writes (deleted, brokers down) must not stall every later rebalance. What
   * is still queued goes on being retried.
   */
  private async durable(what: string): Promise<void> {
    if (await this.deps.log.flushedWithin(this.deps.handoverTimeoutMs)) return;
    this.deps.logger.warn({ pending: this.deps.log.pending }, `the sessions topic did not take ${what} within cluster.handover.timeout.ms; going on (the records stay queued)`);
  }

  /** As durable(), within what is left of a release's bound; false (and said) when it ran out. */
  private async durableUntil(deadline: number, what: string): Promise<boolean> {
    if (await this.deps.log.flushedWithin(Math.max(0, deadline - Date.now()))) return true;
    this.deps.logger.warn(
      { pending: this.deps.log.pending },
      `the sessions topic did not take ${what} within cluster.handover.timeout.ms; the next owner takes the partition over without them (a read they held may be delivered again)`,
    );
    return false;
  }

  /**
   * The fence that follows lets go of every partition: what is written back ends with `released`,
   * so this member serves nothing more of them first, and the commands running finish.
   */
  private async restoreIfLost(): Promise<void> {
    const owned = [...this.states].filter(([, state]) => state === 'owned').map(([partition]) => partition);
    await this.guard.check(owned, { first: this.marker('releasing'), last: this.marker('released') }, async () => {
      for (const partition of owned) this.states.set(partition, 'releasing');
      this.notify();
      const until = Date.now() + this.deps.handoverTimeoutMs;
      await Promise.all(owned.map((partition) => this.work.drain(partition, until)));
    });
  }

  private marker(state: OwnerMarker['state']): OwnerMarker {
    return { state, memberId: this.memberId ?? '', url: this.url, at: Date.now() };
  }

  private async read(partition: number) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.topic.read(partition);
      } catch (error) {
        if (attempt >= 20) throw error;
        this.deps.logger.warn({ err: error, partition }, 'cannot read a sessions partition; retrying');
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
  }

  private notify(): void {
    this.ownership.wake();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
