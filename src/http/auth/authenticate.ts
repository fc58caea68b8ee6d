/**
 * The authentication middleware: decides who a request is from (ctx.state.principal) or answers
 * 401 with a `WWW-Authenticate` challenge, then checks the principal's roles (403 when none is
 * allowed). It answers by itself rather than throwing, so the REST API, the schema registry and
 * the management listener, each with their own error handler, give the same answer.
 *
 * With authentication.method NONE a verified TLS client certificate still names the principal;
 * with BASIC or BEARER the request must carry those credentials (a certificate does not replace them).
 */
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { AuthSettings } from '../../config/auth-settings.ts';
import { ErrorCode } from '../../errors.ts';
import type { Principal } from '../principal.ts';
import { basicCredentials, type BasicUsers } from './basic.ts';
import { InvalidToken, type BearerVerifier } from './bearer.ts';
import { certificateSubject } from './certificate.ts';
import { isSkipped } from './path-spec.ts';

export interface Authenticators {
  readonly settings: AuthSettings;
  readonly basic: BasicUsers | null;
  readonly bearer: BearerVerifier | null;
  readonly logger: Logger;
}

const quoted = (text: string) => `"${text.replace(/["\\]/g, '\\$&')}"`;

function refuse(ctx: Context, status: 401 | 403, message: string, challenge?: string): void {
  if (challenge) ctx.set('WWW-Authenticate', challenge);
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = { error_code: status === 401 ? ErrorCode.KafkaAuthentication : ErrorCode.KafkaAuthorization, message };
}

export function authenticate(auth: Authenticators) {
  const { settings, basic, bearer, logger } = auth;
  const realm = quoted(settings.realm);
  const allowed = settings.roles === null ? null : new Set(settings.roles);

  return async (ctx: Context, next: Next): Promise<void> => {
    ctx.state.principal = undefined;
    const subject = certificateSubject(ctx.req);
    if (settings.method === 'NONE' || isSkipped(settings.skipPaths, ctx.path)) {
      if (subject) ctx.state.principal = { name: subject, roles: [], via: 'certificate' } satisfies Principal;
      return next();
    }

    const authorization = ctx.get('authorization');
    let principal: Principal;
    if (settings.method === 'BASIC') {
      const challenge = `Basic realm=${realm}`;
      const credentials = authorization ? basicCredentials(authorization) : null;
      if (!credentials) return refuse(ctx, 401, 'Authentication required: send HTTP Basic credentials', challenge);
      const user = await basic!.authenticate(credentials);
      if (!user) {
        // The user name is the caller's own input; the password is never logged.
        (ctx.log ?? logger).info({ user: credentials.user }, 'basic authentication failed');
        return refuse(ctx, 401, 'Authentication failed: unknown user or wrong password', challenge);
      }
      principal = { name: credentials.user, roles: user.roles, via: 'basic' };
    } else {
      const match = /^bearer[ \t]+([A-Za-z0-9._~+/-]+=*)[ \t]*$/i.exec(authorization);
      if (!match) return refuse(ctx, 401, 'Authentication required: send a Bearer token', `Bearer realm=${realm}`);
      try {
        const identity = await bearer!.verify(match[1]!);
        principal = { name: identity.name, roles: identity.roles, via: 'bearer' };
      } catch (error) {
        if (!(error instanceof InvalidToken)) throw error;
        (ctx.log ?? logger).info({ reason: error.message }, 'bearer token refused');
        // RFC 6750: error_description may hold neither quotes nor backslashes.
        return refuse(ctx, 401, `Invalid token: ${error.message}`, `Bearer realm=${realm}, error="invalid_token", error_description="${error.message.replace(/["\\]/g, '')}"`);
      }
    }
    if (allowed && !principal.roles.some((role) => allowed.has(role))) {
      return refuse(ctx, 403, `Forbidden: ${principal.name} has none of the roles allowed here`);
    }
    ctx.state.principal = principal;
    return next();
  };
}
