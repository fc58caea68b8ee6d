/**
 * Principal propagation in the REST API (after authentication): a request of a principal
 * authenticated with HTTP Basic runs with that principal's own Kafka clients, logged in with the
 * same user name and password, until its response is done (a streamed response included).
 * Requests without a principal (authentication.skip.paths) use the proxy's own login.
 */
import type { Context, Next } from 'koa';
import type { PrincipalClients } from '../../principals/principal-clients.ts';
import { withClients } from '../../principals/scoped.ts';
import { basicCredentials } from './basic.ts';

export function propagatePrincipal(principals: PrincipalClients) {
  return (ctx: Context, next: Next): Promise<void> => {
    const principal = ctx.state.principal;
    // Only Basic principals carry a password; the settings allow propagation only with BASIC.
    const credentials = principal?.via === 'basic' ? basicCredentials(ctx.get('authorization')) : null;
    if (!principal || !credentials) return next();
    const lease = principals.lease(principal.name, { username: credentials.user, password: credentials.password });
    // 'close' comes once the response is written or the client went away, after any streaming.
    ctx.res.once('close', lease.release);
    return withClients(lease.clients, next);
  };
}
