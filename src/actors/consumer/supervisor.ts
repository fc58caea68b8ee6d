/**
 * Owns the consumer actors of this process and serves the consumer port: creation (unique per
 * group and name), routing of commands by reference (only the instance's owner reaches it),
 * recovery from the journal at start-up, and shutdown. Each actor keeps its own expiry timer; an
 * instance whose deadline passed while the proxy was down is ended here without touching Kafka
 * (its stale positions are never committed).
 */
import { randomUUID } from 'node:crypto';
import { initialTransition } from 'xstate';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import { CONSUMER_ACTOR_TYPE, ConsumerActor, type ConsumerDeps } from './consumer-actor.ts';
import type { AnswerOf, CommandEnvelope, ConsumerCommand, ConsumerPort, ConsumerRef, CreateInstance, InstanceDescription } from './protocol.ts';
import type { SessionSnapshot } from './decide.ts';
import { mayUse } from './ownership.ts';
import { foldSession } from './recovery.ts';
import { consumerSessionMachine, type SessionInput } from './session-machine.ts';

const MAX_TIMER_MS = 2_147_483_647;

export class ConsumerSupervisor implements ConsumerPort {
  private readonly instances = new Map<string, ConsumerActor>();
  private closing = false;

  constructor(
    private readonly deps: ConsumerDeps,
    private readonly proxyId: string,
    /** `consumer.instances.max` (all instances) and `.per.principal` (one owner's); recovered ones count; 0 = no limit. */
    private readonly limits: { maxInstances?: number; maxPerPrincipal?: number } = {},
  ) {}

  /**
   * Brings back every instance the journal says is alive (or those of `actorIds`: a cluster member
   * taking a partition over); says how many, and how many had expired.
   */
  recover(actorIds: readonly string[] = this.deps.journal.actorIds(CONSUMER_ACTOR_TYPE)): { recovered: number; expired: number } {
    const { journal, settings, logger } = this.deps;
    let recovered = 0;
    let expired = 0;
    for (const actorId of actorIds) {
      const session = foldSession(journal, actorId);
      if (!session || session.status !== 'active') {
        journal.compact(actorId);
        continue;
      }
      const { group, name, lastUsedAt } = session.context;
      if (Date.now() - lastUsedAt >= settings.instanceTimeoutMs) {
        journal.append(actorId, CONSUMER_ACTOR_TYPE, 'Expired', { at: Date.now() });
        journal.compact(actorId);
        logger.info({ group, instance: name }, 'consumer instance expired while the proxy was down');
        expired++;
        continue;
      }
      this.spawn(actorId, session);
      recovered++;
    }
    return { recovered, expired };
  }

  async create(group: string, request: CreateInstance): Promise<InstanceDescription> {
    if (this.closing) throw new RestError(ErrorCode.ServiceUnavailable, 'The proxy is shutting down.');
    const name = request.name ?? `rest-consumer-${this.proxyId ? `${this.proxyId}-` : ''}${randomUUID()}`;
    if (this.instances.has(key({ group, instance: name }))) {
      throw new RestError(ErrorCode.ConsumerAlreadyExists, 'Consumer with specified consumer ID already exists in the specified consumer group.');
    }
    const { maxInstances = 0, maxPerPrincipal = 0 } = this.limits;
    if (maxInstances > 0 && this.instances.size >= maxInstances) {
      // 42903 is this proxy's own code (Confluent has no instance limit); see docs/SECURITY.md.
      throw new RestError(42903, `Too many consumer instances: this proxy holds at most ${maxInstances} (consumer.instances.max); delete unused instances or retry later.`, 429);
    }
    if (maxPerPrincipal > 0 && request.owner !== undefined && this.ownedBy(request.owner) >= maxPerPrincipal) {
      throw new RestError(
        42903,
        `Too many consumer instances: ${request.owner} owns ${maxPerPrincipal}, the most one principal may (consumer.instances.max.per.principal); delete unused instances or retry later.`,
        429,
      );
    }
    const actorId = `consumer-${randomUUID()}`;
    // The owner is journaled only when there is one: unowned instances are journaled as before.
    const input: SessionInput = { group, name, config: request.config, at: Date.now(), ...(request.owner !== undefined && { owner: request.owner }) };
    this.deps.journal.append(actorId, CONSUMER_ACTOR_TYPE, 'Created', input);
    const [session] = initialTransition(consumerSessionMachine, input);
    this.spawn(actorId, session);
    return { group, name, config: request.config };
  }

  async ask<C extends ConsumerCommand>(envelope: CommandEnvelope<C>): Promise<AnswerOf[C['type']]> {
    const actor = this.instances.get(key(envelope.ref));
    // Another principal's instance is answered exactly as one that does not exist, and left untouched.
    if (!actor || !mayUse(actor.context.session.context.owner, envelope.principal)) throw Errors.consumerInstanceNotFound();
    let timer: NodeJS.Timeout | undefined;
    // Nobody waits past the deadline: the caller is answered, and the actor drops the request.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void actor.ask({ ...envelope, command: { type: 'Cancel', requestId: envelope.requestId } });
        reject(new RestError(ErrorCode.KafkaRetriableError, 'The consumer instance did not answer in time.'));
      }, Math.min(Math.max(0, envelope.deadline - Date.now()), MAX_TIMER_MS));
    });
    try {
      const answer = await Promise.race([actor.ask(envelope), late]);
      if (!answer.ok) throw new RestError(answer.error.error_code, answer.error.message, answer.error.status);
      return answer.value as AnswerOf[C['type']];
    } finally {
      clearTimeout(timer);
    }
  }

  /** The actor of an instance of this process (for inspection and tests; callers use `ask`). */
  get(group: string, instance: string): ConsumerActor {
    const actor = this.instances.get(key({ group, instance }));
    if (!actor) throw Errors.consumerInstanceNotFound();
    return actor;
  }

  list(): ConsumerActor[] {
    return [...this.instances.values()];
  }

  private ownedBy(owner: string): number {
    let owned = 0;
    for (const actor of this.instances.values()) if (actor.context.session.context.owner === owner) owned++;
    return owned;
  }

  /**
   * Hands instances over (cluster mode): each matching one closes its Kafka side as at shutdown and
   * is gone from here; its session lives on in the journal for the next owner. Says which.
   */
  async release(matches: (ref: ConsumerRef) => boolean): Promise<string[]> {
    const leaving = [...this.instances].filter(([, actor]) => matches({ group: actor.context.session.context.group, instance: actor.context.session.context.name }));
    for (const [ref] of leaving) this.instances.delete(ref);
    await Promise.all(leaving.map(([, actor]) => actor.close()));
    return leaving.map(([, actor]) => actor.actorId);
  }

  /** Proxy shutdown: instances stay alive in the journal and come back on the next start. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.list().map((actor) => actor.close()));
  }

  private spawn(actorId: string, session: SessionSnapshot): void {
    const { group, name } = session.context;
    const ref = key({ group, instance: name });
    const { owner } = session.context;
    const deps = owner !== undefined && this.deps.kafkaFor ? { ...this.deps, ...this.deps.kafkaFor(owner) } : this.deps;
    const actor = new ConsumerActor(actorId, session, deps);
    this.instances.set(ref, actor);
    void actor.done.then(() => {
      if (this.instances.get(ref) === actor) this.instances.delete(ref);
    });
    actor.start();
  }
}

const key = (ref: ConsumerRef) => `${ref.group}\u0000${ref.instance}`;
