/**
 * How an HTTP handler speaks to one consumer instance through the port: each command in an
 * envelope with a fresh request id and the handler's deadline (its answer bound plus any wait the
 * command itself asks for), or fired and forgotten (Ack, Cancel: the instance may be gone).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { AnswerOf, ConsumerCommand, ConsumerPort, ConsumerRef } from '../../actors/consumer/protocol.ts';

export class InstanceClient {
  readonly ref: ConsumerRef;

  constructor(
    ctx: Context,
    private readonly consumers: ConsumerPort,
    private readonly answerWithinMs: number,
  ) {
    this.ref = { group: ctx.params.group!, instance: ctx.params.instance! };
  }

  ask<C extends ConsumerCommand>(command: C, extraMs = 0, requestId = randomUUID()): Promise<AnswerOf[C['type']]> {
    return this.consumers.ask({ ref: this.ref, requestId, deadline: Date.now() + this.answerWithinMs + extraMs, command });
  }

  tell(command: ConsumerCommand): void {
    this.ask(command).catch(() => undefined);
  }
}
