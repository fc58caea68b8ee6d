import type { Context } from 'koa';

/**
 * The origin for absolute URLs a response carries (v2 `base_uri`, v3 `self` and `related`): the
 * advertised listener with the request's scheme, else the first advertised one, else the request's own.
 */
export function publicOrigin(ctx: Context, advertised: readonly URL[]): string {
  const scheme = `${ctx.protocol}:`;
  const listener = advertised.find((url) => url.protocol === scheme) ?? advertised[0];
  return listener ? `${listener.protocol}//${listener.host}` : `${ctx.protocol}://${ctx.host}`;
}
