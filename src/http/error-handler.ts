/**
 * Turns anything thrown below into Confluent's `{"error_code", "message"}` envelope, so no error
 * leaves the proxy as an HTML page, a bare status or a crash. Unexpected errors are logged with
 * their stack and answered with a plain 500.
 */
import type { Context, Next } from 'koa';
import { withoutInternals } from '../client-message.ts';
import { Errors, RestError } from '../errors.ts';
import { describeKafkaError } from '../kafka/kafka-error.ts';
import { MediaType, V2_RESPONSE } from './media-types.ts';
import { negotiate } from './negotiation.ts';

export async function errorHandler(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw Errors.notFound();
  } catch (thrown) {
    const error = toRestError(thrown, ctx);
    ctx.status = error.status;
    ctx.body = error.toJSON();
    // The route's negotiated type when there is one (Confluent answers in it), else by Accept;
    // API v3 speaks only JSON, so its errors are JSON even before a route negotiated.
    ctx.set('Content-Type', (ctx.state.responseType as string | undefined) ?? (isV3(ctx.path) ? MediaType.JSON : negotiate(ctx.get('accept'), V2_RESPONSE) ?? MediaType.JSON));
  }
}

const isV3 = (path: string) => path === '/v3' || path.startsWith('/v3/');

function toRestError(thrown: unknown, ctx: Context): RestError {
  if (thrown instanceof RestError) return thrown.status >= 500 ? withoutAddresses(thrown, ctx) : thrown;
  const name = (thrown as { name?: string } | null)?.name ?? '';
  if (name.startsWith('KafkaJS')) {
    const failure = describeKafkaError(thrown);
    // Kafka's words without addresses (kafkajs's own log lines, which the proxy logs, keep them).
    return new RestError(failure.errorCode, failure.message, failure.status);
  }
  const status = (thrown as { status?: number } | null)?.status;
  if (status === 405) return Errors.methodNotAllowed();
  if (status === 501) return Errors.methodNotAllowed();
  ctx.log?.error({ err: thrown }, 'unexpected error');
  return Errors.internal();
}

/** A server-side failure's message may carry a broker's or registry's address: not for clients. */
function withoutAddresses(error: RestError, ctx: Context): RestError {
  const message = withoutInternals(error.message);
  if (message === error.message) return error;
  ctx.log?.debug({ err: error }, 'address taken out of an error message');
  return new RestError(error.errorCode, message, error.status);
}
