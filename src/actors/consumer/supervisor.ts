/**
 * Owns the consumer instances: creation (unique per group and name), lookup, deletion, idle expiry
 * from last use, recovery from the journal at start-up, and shutdown. Expiry deadlines are data
 * (each session's lastUsedAt), checked by a sweep, so they survive a restart unchanged.
 */
import { randomUUID } from 'node:crypto';
import { initialTransition } from 'xstate';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import { CONSUMER_ACTOR_TYPE, ConsumerInstance, type ConsumerDeps } from './instance.ts';
import { foldSession } from './recovery.ts';
import { consumerSessionMachine, type InstanceConfig, type SessionInput } from './session-machine.ts';

export interface CreateInstance {
  name?: string;
  config: InstanceConfig;
}

export class ConsumerSupervisor {
  private readonly instances = new Map<string, ConsumerInstance>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: ConsumerDeps,
    private readonly proxyId: string,
  ) {}

  /** Brings back every instance the journal says is alive; returns how many. */
  recover(): number {
    const { journal, settings, logger } = this.deps;
    let recovered = 0;
    for (const actorId of journal.actorIds(CONSUMER_ACTOR_TYPE)) {
      const snapshot = foldSession(journal, actorId);
      if (!snapshot || snapshot.status !== 'active') {
        journal.compact(actorId);
        continue;
      }
      const instance = new ConsumerInstance(actorId, snapshot, this.deps);
      const { group, name, lastUsedAt } = instance.context;
      if (Date.now() - lastUsedAt >= settings.instanceTimeoutMs) {
        // Its deadline passed while the proxy was down.
        void instance.expire();
        continue;
      }
      this.instances.set(key(group, name), instance);
      void instance.start().catch((error: unknown) => logger.error({ err: error, group, name }, 'could not resume consumer instance'));
      recovered++;
    }
    return recovered;
  }

  create(group: string, request: CreateInstance): ConsumerInstance {
    const name = request.name ?? `rest-consumer-${this.proxyId ? `${this.proxyId}-` : ''}${randomUUID()}`;
    if (this.instances.has(key(group, name))) {
      throw new RestError(
        ErrorCode.ConsumerAlreadyExists,
        'Consumer with specified consumer ID already exists in the specified consumer group.',
      );
    }
    const actorId = `consumer-${randomUUID()}`;
    const input: SessionInput = { group, name, config: request.config, at: Date.now() };
    this.deps.journal.append(actorId, CONSUMER_ACTOR_TYPE, 'Created', input);
    const [snapshot] = initialTransition(consumerSessionMachine, input);
    const instance = new ConsumerInstance(actorId, snapshot, this.deps);
    this.instances.set(key(group, name), instance);
    void instance.start();
    return instance;
  }

  get(group: string, name: string): ConsumerInstance {
    const instance = this.instances.get(key(group, name));
    if (!instance) throw Errors.consumerInstanceNotFound();
    return instance;
  }

  async delete(group: string, name: string): Promise<void> {
    const instance = this.get(group, name);
    this.instances.delete(key(group, name));
    await instance.delete();
  }

  list(): ConsumerInstance[] {
    return [...this.instances.values()];
  }

  startExpiry(): void {
    const every = Math.max(50, Math.min(1000, this.deps.settings.instanceTimeoutMs / 4));
    this.sweeper = setInterval(() => this.expireIdle(), every);
    this.sweeper.unref();
  }

  /** Proxy shutdown: instances stay alive in the journal and come back on the next start. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all(this.list().map((instance) => instance.close().catch(() => undefined)));
  }

  private expireIdle(): void {
    const now = Date.now();
    for (const [k, instance] of this.instances) {
      if (!instance.idle || now - instance.context.lastUsedAt < this.deps.settings.instanceTimeoutMs) continue;
      this.instances.delete(k);
      this.deps.logger.info({ group: instance.context.group, instance: instance.context.name }, 'consumer instance expired');
      void instance.expire().catch(() => undefined);
    }
  }
}

const key = (group: string, name: string) => `${group}\u0000${name}`;
