/**
 * HTTP authentication settings (Confluent's `authentication.*` keys, its `oauth.*` keys for
 * Bearer tokens, and the proxy's own keys naming the files Java reads through JAAS), read into
 * one `AuthSettings`. The definitions join SETTINGS (settings.ts), so validation and
 * docs/CONFIGURATION.md see them like any other key.
 */
import { accept, bool, integer, mapped, reject, text, type ValueType } from './kafka-client-options.ts';
import { warning, type RawValue } from './messages.ts';
import type { DefaultedSetting, Setting } from './settings.ts';
import { parsePathSpec, type PathSpec } from '../http/auth/path-spec.ts';

export type AuthenticationMethod = 'NONE' | 'BASIC' | 'BEARER';

export interface BearerSettings {
  readonly publicKeyFile: string | null;
  readonly jwksFile: string | null;
  readonly jwksEndpointUrl: string | null;
  readonly issuer: string | null;
  readonly audiences: readonly string[];
  readonly subClaimName: string;
  readonly groupsClaimName: string;
  readonly clockSkewSeconds: number;
}

export interface AuthSettings {
  readonly method: AuthenticationMethod;
  /** Shown in `WWW-Authenticate` (Basic and Bearer). */
  readonly realm: string;
  /** Roles allowed; null = any authenticated principal (`*`). */
  readonly roles: readonly string[] | null;
  readonly skipPaths: readonly PathSpec[];
  /** BASIC: the password file, from authentication.basic.users.file or the JAAS config's `file=`. */
  readonly usersFile: string | null;
  /** BASIC: the JAAS config whose `<realm>` section names the password file, when that is how it is given. */
  readonly jaasConfigFile: string | null;
  readonly bearer: BearerSettings;
  /** Whether the management listener asks for the same authentication. */
  readonly management: boolean;
}

const split = (raw: string): string[] => raw.split(',').map((s) => s.trim()).filter((s) => s !== '');

const method: ValueType<AuthenticationMethod> = mapped([
  ['NONE', 'NONE'],
  ['BASIC', 'BASIC'],
  ['BEARER', 'BEARER'],
] as const);

const file: ValueType<string> = { expected: 'a file path', parse: (raw) => (raw.trim() === '' ? reject() : accept(raw.trim())) };

const roles: ValueType<readonly string[] | null> = {
  expected: 'a comma-separated list of role names, or *',
  parse(raw) {
    const items = split(raw);
    // Jetty gives an empty role list to nobody; refused rather than locking everyone out.
    if (items.length === 0) return reject('an empty list would refuse every user (as in Confluent); use * to allow any authenticated user');
    return accept(items.includes('*') || items.includes('**') ? null : items);
  },
};

const pathSpecs: ValueType<readonly PathSpec[]> = {
  expected: 'a comma-separated list of Jetty path specs (/exact, /prefix/*, *.suffix)',
  parse(raw) {
    const specs: PathSpec[] = [];
    for (const item of split(raw)) {
      const spec = parsePathSpec(item);
      if (typeof spec === 'string') return reject(spec);
      specs.push(spec);
    }
    return accept(specs);
  },
};

const list: ValueType<readonly string[]> = { expected: 'a comma-separated list', parse: (raw) => accept(split(raw)) };

const httpsUrl: ValueType<string> = {
  expected: 'an https:// (or http://) URL',
  parse(raw) {
    try {
      const url = new URL(raw.trim());
      return url.protocol === 'https:' || url.protocol === 'http:' ? accept(url.href) : reject();
    } catch {
      return reject();
    }
  },
};

const nonEmpty: ValueType<string> = { expected: 'a claim name', parse: (raw) => (raw.trim() === '' ? reject() : accept(raw.trim())) };

const s = <T>(key: string, type: ValueType<T>, fallback: string, description: string): DefaultedSetting<T> => ({ key, type, fallback, description });
const o = <T>(key: string, type: ValueType<T>, description: string): Setting<T> => ({ key, type, fallback: null, description });

export const AUTH_SETTINGS = {
  authenticationMethod: s(
    'authentication.method',
    method,
    'NONE',
    'HTTP authentication of the REST API, the embedded schema registry and (see management.authentication.enable) the management listener: NONE, BASIC (password file) or BEARER (JWT). See docs/SECURITY.md.',
  ),
  authenticationRealm: s(
    'authentication.realm',
    text,
    'KafkaRest',
    'The realm in `WWW-Authenticate`; with authentication.method=BASIC and java.security.auth.login.config, also the JAAS section naming the password file.',
  ),
  authenticationRoles: s(
    'authentication.roles',
    roles,
    '*',
    'Roles (Basic: from the password file; Bearer: the groups claim) allowed to call; a principal with none of them gets 403 (40301); * = any authenticated principal.',
  ),
  authenticationSkipPaths: s(
    'authentication.skip.paths',
    pathSpecs,
    '',
    'Paths served without authentication, as Jetty path specs (`/health/live`, `/health/*`); as in Confluent, a suffix spec (`*.json`) never wins over the global `/*`.',
  ),
  authenticationBasicUsersFile: o(
    'authentication.basic.users.file',
    file,
    'BASIC: the Jetty-style password file (`user: password[,role…]`; plain, MD5: or bcrypt credentials), re-read when it changes.',
  ),
  jaasConfigFile: o(
    'java.security.auth.login.config',
    file,
    "BASIC, instead of authentication.basic.users.file: a JAAS config (Confluent's setup); the `file=` of the PropertyFileLoginModule in its authentication.realm section is the password file.",
  ),
  bearerPublicKeyFile: o('authentication.bearer.public.key.file', file, 'BEARER: a PEM public key (RSA, EC or Ed25519) that signs the tokens.'),
  bearerJwksFile: o('authentication.bearer.jwks.file', file, 'BEARER: a JWKS file with the keys that sign the tokens.'),
  oauthJwksEndpointUrl: o('oauth.jwks.endpoint.url', httpsUrl, "BEARER: the issuer's JWKS endpoint, fetched and cached (one of the three key sources)."),
  oauthExpectedIssuer: o('oauth.expected.issuer', text, 'BEARER: the required `iss` claim; unset = not checked.'),
  oauthExpectedAudiences: s('oauth.expected.audiences', list, '', 'BEARER: accepted `aud` values (one must match); empty = not checked.'),
  oauthSubClaimName: s('oauth.sub.claim.name', nonEmpty, 'sub', 'BEARER: the claim naming the principal.'),
  oauthGroupsClaimName: s('oauth.groups.claim.name', nonEmpty, 'groups', 'BEARER: the claim listing the principal’s roles.'),
  bearerClockSkewSeconds: s(
    'authentication.bearer.clock.skew.seconds',
    integer(0, 600),
    '30',
    'BEARER: leeway on `exp` and `nbf` for clocks that disagree (s).',
  ),
  managementAuthenticationEnable: o(
    'management.authentication.enable',
    bool,
    'Whether the management listener requires the same authentication; unset = yes whenever authentication.method is not NONE (skip paths apply there too).',
  ),
};

type Read = <T>(s: Setting<T>) => T | null;
type Value = <T>(s: DefaultedSetting<T>) => T;

const BASIC_ONLY = [AUTH_SETTINGS.authenticationBasicUsersFile, AUTH_SETTINGS.jaasConfigFile];
const BEARER_ONLY = [
  AUTH_SETTINGS.bearerPublicKeyFile,
  AUTH_SETTINGS.bearerJwksFile,
  AUTH_SETTINGS.oauthJwksEndpointUrl,
  AUTH_SETTINGS.oauthExpectedIssuer,
  AUTH_SETTINGS.oauthExpectedAudiences,
  AUTH_SETTINGS.oauthSubClaimName,
  AUTH_SETTINGS.oauthGroupsClaimName,
  AUTH_SETTINGS.bearerClockSkewSeconds,
];

export function readAuthSettings(raw: ReadonlyMap<string, RawValue>, read: Read, value: Value, problems: string[], warnings: string[]): AuthSettings {
  const A = AUTH_SETTINGS;
  const chosen = value(A.authenticationMethod);
  const unused = (keys: readonly Setting<unknown>[], why: string) => {
    for (const k of keys) {
      const given = raw.get(k.key);
      if (given) warnings.push(warning(k.key, given, `ignored: ${why}`));
    }
  };
  if (chosen !== 'BASIC') unused(BASIC_ONLY, `authentication.method is ${chosen}, not BASIC`);
  if (chosen !== 'BEARER') unused(BEARER_ONLY, `authentication.method is ${chosen}, not BEARER`);
  if (chosen === 'NONE') unused([A.authenticationRealm, A.authenticationRoles, A.authenticationSkipPaths], 'authentication.method is NONE');

  const usersFile = read(A.authenticationBasicUsersFile);
  const jaasConfigFile = read(A.jaasConfigFile);
  if (chosen === 'BASIC' && (usersFile === null) === (jaasConfigFile === null)) {
    problems.push(`authentication.method=BASIC needs the password file: set exactly one of ${A.authenticationBasicUsersFile.key} or ${A.jaasConfigFile.key}`);
  }
  const bearer: BearerSettings = {
    publicKeyFile: read(A.bearerPublicKeyFile),
    jwksFile: read(A.bearerJwksFile),
    jwksEndpointUrl: read(A.oauthJwksEndpointUrl),
    issuer: read(A.oauthExpectedIssuer),
    audiences: value(A.oauthExpectedAudiences),
    subClaimName: value(A.oauthSubClaimName),
    groupsClaimName: value(A.oauthGroupsClaimName),
    clockSkewSeconds: value(A.bearerClockSkewSeconds),
  };
  const keySources = [bearer.publicKeyFile, bearer.jwksFile, bearer.jwksEndpointUrl].filter((k) => k !== null).length;
  if (chosen === 'BEARER' && keySources !== 1) {
    problems.push(
      `authentication.method=BEARER needs the token signing keys: set exactly one of ${A.bearerPublicKeyFile.key}, ${A.bearerJwksFile.key} or ${A.oauthJwksEndpointUrl.key}`,
    );
  }
  return {
    method: chosen,
    realm: value(A.authenticationRealm),
    roles: value(A.authenticationRoles),
    skipPaths: value(A.authenticationSkipPaths),
    usersFile,
    jaasConfigFile,
    bearer,
    management: chosen !== 'NONE' && (read(A.managementAuthenticationEnable) ?? true),
  };
}
