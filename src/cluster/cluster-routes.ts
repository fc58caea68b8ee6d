/**
 * The cluster listener: where the other members send the consumer commands of instances this one
 * owns (remote-port.ts is the other end). It is not a public API: it listens on its own address
 * (`cluster.listener`, loopback by default), and with `cluster.secret` set a request must carry
 * it. An instance this member does not own (any more) is answered 421, so the sender looks again.
 */
import Router from '@koa/router';
import Koa from 'koa';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Answer, CommandEnvelope, CreateInstance, ReadAnswer } from '../actors/consumer/protocol.ts';
import type { EmbeddedFormat } from '../codecs/embedded-format.ts';
import { recordsBody } from '../http/v2/records-body.ts';
import type { ConsumerSupervisor } from '../actors/consumer/supervisor.ts';
import { Errors, RestError } from '../errors.ts';
import { errorHandler } from '../http/error-handler.ts';
import { NO_BODY, readJsonBody } from '../http/body.ts';
import type { ClusterNode } from './cluster-node.ts';
import type { ClusterPort } from './cluster-port.ts';
import { ASK_PATH, CLUSTER_SECRET_HEADER, CREATE_PATH, READ_ANSWER_HEADER } from './remote-port.ts';

/** A create carries no deadline of its own: the sender's wait bounds it too. */
const CREATE_WAIT_MS = 15_000;

export interface ClusterRoutesDeps {
  node: ClusterNode;
  port: ClusterPort;
  supervisor: ConsumerSupervisor;
  secret: string | null;
  bodyMaxBytes: number;
  logger: Logger;
}

export function createClusterApp({ node, port, supervisor, secret, bodyMaxBytes, logger }: ClusterRoutesDeps): Koa {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  // Malformed or oversized bodies, unknown paths: the REST error envelope, as everywhere else.
  app.use(errorHandler);
  app.use(async (ctx, next) => {
    if (secret !== null && !sameSecret(ctx.get(CLUSTER_SECRET_HEADER), secret)) {
      throw new RestError(401, 'This is a proxy cluster listener: requests need the cluster secret.');
    }
    await next();
  });
  const answer = async (ctx: Koa.Context, serve: () => Promise<{ moved: true } | { value: unknown }>, read?: EmbeddedFormat) => {
    let outcome: Answer;
    try {
      const served = await serve();
      if ('moved' in served) {
        ctx.status = 421;
        ctx.body = { moved: true };
        return;
      }
      if (read) {
        // Records go as the v2 response body the client gets: the receiving member sends it on as is.
        const { records, delivery } = served.value as ReadAnswer;
        ctx.status = 200;
        ctx.set(READ_ANSWER_HEADER, delivery ?? '');
        ctx.type = 'application/json';
        ctx.body = recordsBody(records, read);
        return;
      }
      outcome = { ok: true, value: served.value ?? null };
    } catch (error) {
      if (!(error instanceof RestError)) logger.error({ err: error }, 'a forwarded consumer command failed');
      const rest = error instanceof RestError ? error : new RestError(500, 'Internal Server Error');
      outcome = { ok: false, error: { error_code: rest.errorCode, message: rest.message, status: rest.status } };
    }
    ctx.status = 200;
    ctx.body = outcome;
  };
  router.post(ASK_PATH, async (ctx) => {
    const body = await readJsonBody(ctx.req, bodyMaxBytes);
    const envelope = body as CommandEnvelope;
    if (body === NO_BODY || typeof envelope?.ref?.group !== 'string' || typeof envelope.ref.instance !== 'string' || typeof envelope.command?.type !== 'string') {
      throw Errors.badRequest('a command envelope is expected');
    }
    await answer(ctx, () => port.serveCommand(envelope), envelope.command.type === 'Read' ? envelope.command.format : undefined);
  });
  router.post(CREATE_PATH, async (ctx) => {
    const body = await readJsonBody(ctx.req, bodyMaxBytes);
    const create = body as { group: string; request: CreateInstance & { name: string } };
    if (body === NO_BODY || typeof create?.group !== 'string' || typeof create.request?.name !== 'string') throw Errors.badRequest('a create request is expected');
    const partition = node.partitionOf(create.group, create.request.name);
    await answer(ctx, () => port.serveLocal(partition, false, Date.now() + CREATE_WAIT_MS, () => supervisor.create(create.group, create.request)));
  });
  app.use(router.routes());
  return app;
}

function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}
