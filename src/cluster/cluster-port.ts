/**
 * The consumer port in cluster mode: every command goes to the member that owns its instance's
 * partition — this process's supervisor, or another member over HTTP (remote-port.ts) — and is
 * answered to the HTTP adapter exactly as a local one, so the v2 routes and the SSE stream do not
 * know where an instance lives. While a partition changes owner, a command waits for the new one
 * (at most `waitMs`, never past its deadline) and then answers 503 (50304, retriable). A local
 * answer is given only once what the command journaled is in the sessions topic.
 */
import { randomUUID } from 'node:crypto';
import type { AnswerOf, CommandEnvelope, ConsumerCommand, ConsumerPort, CreateInstance, InstanceDescription, ReadAnswer } from '../actors/consumer/protocol.ts';
import type { ConsumerSupervisor } from '../actors/consumer/supervisor.ts';
import { ErrorCode, RestError } from '../errors.ts';
import type { ClusterNode } from './cluster-node.ts';
import type { RemotePorts } from './remote-port.ts';
import type { SessionLog } from './session-log.ts';

/** Commands that belong to work already running: served by a member that is handing over too. */
const FOLLOW_UPS = new Set<ConsumerCommand['type']>(['Ack', 'Cancel']);
const UNREACHABLE_RETRY_MS = 250;

export interface ClusterPortDeps {
  node: ClusterNode;
  supervisor: ConsumerSupervisor;
  remote: RemotePorts;
  log: SessionLog;
  proxyId: string;
  /** Longest a command waits for its partition to get an owner. */
  waitMs: number;
  metrics?: { recordForwarded(command: string, outcome: 'answered' | 'moved' | 'unreachable'): void };
}

export class ClusterPort implements ConsumerPort {
  constructor(private readonly deps: ClusterPortDeps) {}

  async create(group: string, request: CreateInstance): Promise<InstanceDescription> {
    const name = request.name ?? `rest-consumer-${this.deps.proxyId ? `${this.deps.proxyId}-` : ''}${randomUUID()}`;
    const named = { ...request, name };
    const deadline = Date.now() + this.deps.waitMs;
    const partition = this.deps.node.partitionOf(group, name);
    return this.route(partition, deadline, 'Create', {
      local: () => this.serveLocal(partition, false, deadline, () => this.deps.supervisor.create(group, named)),
      remote: (url) => this.deps.remote.create(url, group, named, deadline),
    }) as Promise<InstanceDescription>;
  }

  async ask<C extends ConsumerCommand>(envelope: CommandEnvelope<C>): Promise<AnswerOf[C['type']]> {
    const partition = this.deps.node.partitionOf(envelope.ref.group, envelope.ref.instance);
    return this.route(partition, envelope.deadline, envelope.command.type, {
      local: () => this.serveCommand(envelope),
      remote: (url) => this.deps.remote.ask(url, envelope),
      followUp: FOLLOW_UPS.has(envelope.command.type),
    }) as Promise<AnswerOf[C['type']]>;
  }

  /** A command for an instance of this member, from this process or another member. */
  async serveCommand(envelope: CommandEnvelope): Promise<{ moved: true } | { value: unknown }> {
    const { node, supervisor } = this.deps;
    const partition = node.partitionOf(envelope.ref.group, envelope.ref.instance);
    const { command } = envelope;
    let delivery: string | null = null;
    const served = await this.serveLocal(partition, FOLLOW_UPS.has(command.type), envelope.deadline, async () => {
      const value = await supervisor.ask(envelope);
      if (command.type === 'Read') delivery = (value as ReadAnswer).delivery;
      // Open from here, not from the answer: a hand-over that starts while the answer waits for the
      // sessions topic must still wait for its ack, or the ack's `Delivered` would come too late.
      if (delivery) node.openDelivery(partition, delivery);
      return value;
    }, async () => {
      // Records handed out by an answer that will not be given: back into the instance at once.
      if (!delivery) return;
      await supervisor.ask({ ...envelope, command: { type: 'Ack', delivery, delivered: false } }).catch(() => undefined);
      node.closeDelivery(delivery);
    });
    if ('value' in served && command.type === 'Ack') node.closeDelivery(command.delivery);
    return served;
  }

  /**
   * Serves a command here, if this member owns the partition (the cluster listener's entry). The
   * answer waits for the journal records it caused, but not past the caller's deadline: then it is
   * 503/50303, after `undo` (a read puts its records back).
   */
  async serveLocal<T>(partition: number, followUp: boolean, deadline: number, work: () => Promise<T>, undo?: () => Promise<void>): Promise<{ moved: true } | { value: T }> {
    const { node } = this.deps;
    const state = node.state(partition);
    if (state !== 'owned' && !(followUp && state === 'releasing')) return { moved: true };
    const releases = node.releaseCount(partition);
    let value: T;
    try {
      value = await node.serve(partition, work);
    } catch (error) {
      // The partition was released under the command (a fence does not wait): its instance lives on at the next owner.
      if (error instanceof RestError && error.errorCode === ErrorCode.ConsumerInstanceNotFound && node.releaseCount(partition) !== releases) return { moved: true };
      throw error;
    }
    if (!(await this.deps.log.flushedWithin(Math.max(0, deadline - Date.now())))) {
      await undo?.();
      throw new RestError(ErrorCode.JournalUnavailable, 'The consumer instance’s change could not be written to the sessions topic in time; it is retried in the background. Check the brokers, then retry the request.', 503);
    }
    return { value };
  }

  private async route(
    partition: number,
    deadline: number,
    command: string,
    ways: { local: () => Promise<{ moved: true } | { value: unknown }>; remote: (url: string) => ReturnType<RemotePorts['ask']>; followUp?: boolean },
  ): Promise<unknown> {
    const { node, metrics } = this.deps;
    const waitUntil = Math.min(deadline, Date.now() + this.deps.waitMs);
    for (;;) {
      const owner = node.owner(partition);
      const state = node.state(partition);
      if (owner === 'self' || (ways.followUp && state === 'releasing')) {
        const served = await ways.local();
        if ('value' in served) return served.value;
      } else if (owner !== null) {
        const outcome = await ways.remote(owner);
        metrics?.recordForwarded(command, outcome.kind === 'answer' ? 'answered' : outcome.kind);
        if (outcome.kind === 'answer') {
          if (outcome.answer.ok) return outcome.answer.value;
          const { error_code, message, status } = outcome.answer.error;
          throw new RestError(error_code, message, status);
        }
        // The view is stale (moved) or the member is gone (unreachable): look again.
        if (outcome.kind === 'unreachable' && (outcome.error as NodeJS.ErrnoException).code === 'ECONNREFUSED') await node.evictUnreachable(owner);
        await node.refreshView();
        if (outcome.kind === 'unreachable') await node.changed(UNREACHABLE_RETRY_MS);
      } else {
        await node.changed(Math.max(0, waitUntil - Date.now()));
      }
      if (Date.now() >= waitUntil) {
        throw new RestError(ErrorCode.SessionMoving, 'The consumer instance is moving to another proxy of the cluster; retry the request.', 503);
      }
    }
  }
}
