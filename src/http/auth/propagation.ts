/**
 * Principal propagation in the REST API (after authentication): a request of an authenticated
 * principal runs with that principal's own Kafka clients until its response is done (a streamed
 * response included). Where its Kafka login comes from depends on the method: the Basic user name
 * and password of the request (JETTY_AUTH), or the certificate of its subject in the principals'
 * keystore (SSL). Requests without a principal (authentication.skip.paths) use the proxy's own login.
 */
import type { Context, Next } from 'koa';
import { ErrorCode, RestError } from '../../errors.ts';
import type { KafkaLogin, PrincipalClients } from '../../principals/principal-clients.ts';
import { withClients } from '../../principals/scoped.ts';
import type { Principal } from '../principal.ts';
import { basicCredentials } from './basic.ts';

/** The principal's Kafka login for this request; null: the request goes on with the proxy's own. */
export type LoginSource = (principal: Principal, ctx: Context) => KafkaLogin | null;

/** JETTY_AUTH: the request's own Basic credentials (the settings allow it only with BASIC). */
export const basicLogin: LoginSource = (principal, ctx) => {
  const credentials = principal.via === 'basic' ? basicCredentials(ctx.get('authorization')) : null;
  return credentials && { username: credentials.user, password: credentials.password };
};

/** SSL: the keystore's certificate for the principal's subject; a subject it lacks is refused. */
export function keystoreLogin(identities: ReadonlyMap<string, KafkaLogin>): LoginSource {
  return (principal) => {
    if (principal.via !== 'certificate') return null;
    const login = identities.get(principal.name);
    if (!login) {
      throw new RestError(ErrorCode.KafkaAuthorization, `No Kafka certificate for ${principal.name} in client.ssl.keystore.location: this principal cannot reach Kafka through this proxy.`, 403);
    }
    return login;
  };
}

export function propagatePrincipal(principals: PrincipalClients, loginOf: LoginSource) {
  return (ctx: Context, next: Next): Promise<void> => {
    const principal = ctx.state.principal;
    const login = principal ? loginOf(principal, ctx) : null;
    if (!principal || !login) return next();
    const lease = principals.lease(principal.name, login);
    // 'close' comes once the response is written or the client went away, after any streaming.
    ctx.res.once('close', lease.release);
    return withClients(lease.clients, next);
  };
}
