/**
 * Route middleware for what a resource consumes (request Content-Type, else 415) and produces
 * (response type negotiated from Accept, else 406), mirroring JAX-RS @Consumes / @Produces.
 */
import type { Context, Next } from 'koa';
import { Errors } from '../errors.ts';
import type { Offer } from './media-types.ts';
import { negotiate, requestMediaType } from './negotiation.ts';

export function produces(offers: readonly Offer[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const type = negotiate(ctx.get('accept'), offers);
    if (!type) throw Errors.notAcceptable();
    ctx.state.responseType = type;
    await next();
    // Set as is: Koa's ctx.type would add `; charset=utf-8` to JSON, which Confluent (Jersey) does not send.
    if (ctx.body !== undefined && ctx.body !== null) ctx.set('Content-Type', type);
  };
}

/** A missing Content-Type is let through, as Jersey treats it like a wildcard. */
export function consumes(types: Iterable<string>) {
  const accepted = new Set(types);
  return async (ctx: Context, next: Next): Promise<void> => {
    const type = requestMediaType(ctx.get('content-type'));
    if (type !== undefined && !accepted.has(type)) throw Errors.unsupportedMediaType();
    await next();
  };
}
