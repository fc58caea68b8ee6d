/**
 * Builds the authentication of the three listeners from the settings: loads the password file
 * (directly or through the JAAS config) or the token keys, and gives the middleware each app
 * installs. Problems with those files stop the start-up as configuration problems do.
 */
import type { Middleware } from 'koa';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { AuthSettings } from '../../config/auth-settings.ts';
import { ConfigError } from '../../config/config.ts';
import { authenticate } from './authenticate.ts';
import { BasicUsers } from './basic.ts';
import { BearerVerifier } from './bearer.ts';
import { passwordFileFromJaas } from './jaas-config.ts';
import { requireProduceContentType } from './produce-content-type.ts';

export interface Authentication {
  /** REST API: authentication, then (when it is on) the produce Content-Type rule. */
  readonly api: Middleware[];
  readonly registry: Middleware[];
  /** Empty when management.authentication.enable is false. */
  readonly management: Middleware[];
  close(): void;
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

function passwordFile(settings: AuthSettings): string {
  if (settings.usersFile) return settings.usersFile;
  const jaas = settings.jaasConfigFile!;
  let text: string;
  try {
    text = readFileSync(jaas, 'utf8');
  } catch (error) {
    throw new ConfigError([`java.security.auth.login.config: cannot read ${jaas}: ${reason(error)}`]);
  }
  const found = passwordFileFromJaas(text, settings.realm);
  if ('problem' in found) throw new ConfigError([`java.security.auth.login.config (${jaas}): ${found.problem}`]);
  return found.file;
}

export function createAuthentication(settings: AuthSettings, logger: Logger): Authentication {
  let basic: BasicUsers | null = null;
  let bearer: BearerVerifier | null = null;
  if (settings.method === 'BASIC') {
    const file = passwordFile(settings);
    try {
      basic = new BasicUsers(file, logger);
    } catch (error) {
      throw new ConfigError([`authentication.method=BASIC: cannot load the password file ${file}: ${reason(error)}`]);
    }
    basic.watch();
    logger.info({ file, users: basic.size }, 'basic authentication: password file loaded');
  } else if (settings.method === 'BEARER') {
    try {
      bearer = new BearerVerifier(settings.bearer);
    } catch (error) {
      throw new ConfigError([`authentication.method=BEARER: cannot load the token keys: ${reason(error)}`]);
    }
  }
  const middleware = authenticate({ settings, basic, bearer, logger });
  const on = settings.method !== 'NONE';
  return {
    api: on ? [middleware, requireProduceContentType] : [middleware],
    registry: [middleware],
    management: settings.management ? [middleware] : [],
    close: () => basic?.close(),
  };
}
