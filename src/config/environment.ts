/**
 * `KAFKA_REST_*` environment variables, the convention of Confluent's Docker images. Two kinds of
 * variable share the prefix without being settings: those Kubernetes injects for a Service named
 * `kafka-rest`, and the JVM and log4j variables of Confluent's image. Both are ignored with a
 * warning rather than stopping start-up; the image's log4j root level gives `log.level`.
 */
import type { RawValue } from './messages.ts';

export const ENV_PREFIX = 'KAFKA_REST_';

/**
 * `KAFKA_REST_CLIENT_SASL_MECHANISM` → `client.sasl.mechanism`, decoding like Confluent's
 * images (confluent-docker-utils `env_to_props`): `_` → `.`, `__` → `_`, `___` → `-`.
 */
export function envNameToKey(name: string): string {
  return name
    .slice(ENV_PREFIX.length)
    .toLowerCase()
    .replace(/(?<!_)_(?!_)/g, '.')
    .replaceAll('___', '-')
    .replaceAll('__', '_');
}

/** The inverse of envNameToKey: `journal.path` → `KAFKA_REST_JOURNAL_PATH`. */
export function keyToEnvName(key: string): string {
  return ENV_PREFIX + key.replaceAll('-', '___').replaceAll('_', '__').replaceAll('.', '_').toUpperCase();
}

/** The image's log4j root level, which `log.level` takes when it is not set. */
export const ROOT_LOG_LEVEL_VARIABLE = 'KAFKA_REST_LOG4J_ROOT_LOGLEVEL';

const IMAGE_VARIABLES = new Set([
  'KAFKA_REST_HEAP_OPTS',
  'KAFKA_REST_OPTS',
  'KAFKA_REST_JMX_OPTS',
  'KAFKA_REST_JMX_PORT',
  'KAFKA_REST_JMX_HOSTNAME',
  'KAFKA_REST_LOG4J_OPTS',
  'KAFKA_REST_LOG4J_LOGGERS',
  'KAFKA_REST_TOOLS_LOG4J_LOGLEVEL',
]);

/**
 * Kubernetes's service links for a Service named kafka-rest: `KAFKA_REST_SERVICE_HOST`,
 * `KAFKA_REST_SERVICE_PORT[_<name>]`, `KAFKA_REST_PORT=tcp://…`, `KAFKA_REST_PORT_<n>_TCP[_…]`.
 * A plain `KAFKA_REST_PORT=8082` is the image's way to set Confluent's `port`.
 */
export function isServiceLink(name: string, value: string): boolean {
  if (name === 'KAFKA_REST_PORT') return /^(tcp|udp|sctp):\/\//i.test(value.trim());
  return /^KAFKA_REST_SERVICE_(HOST|PORT)(_\w+)?$/.test(name) || /^KAFKA_REST_PORT_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?$/.test(name);
}

export interface EnvironmentReading {
  /** Settings, by Confluent key. */
  readonly settings: ReadonlyArray<readonly [key: string, value: RawValue]>;
  readonly rootLogLevel: RawValue | null;
  readonly warnings: readonly string[];
}

export function readEnvironment(env: NodeJS.ProcessEnv): EnvironmentReading {
  const settings: Array<readonly [string, RawValue]> = [];
  const warnings: string[] = [];
  let rootLogLevel: RawValue | null = null;
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const raw = { value, source: `env ${name}` };
    if (isServiceLink(name, value)) {
      warnings.push(
        `${name} (env): ignored: Kubernetes sets it for a Service named kafka-rest; it is not a setting (enableServiceLinks: false in the pod spec drops these variables).`,
      );
    } else if (IMAGE_VARIABLES.has(name)) {
      warnings.push(`${name} (env): ignored: a JVM or log4j variable of Confluent's Docker image; this proxy runs on Node.js (its log level is log.level).`);
    } else if (name === ROOT_LOG_LEVEL_VARIABLE) {
      rootLogLevel = raw;
    } else {
      settings.push([envNameToKey(name), raw]);
    }
  }
  return { settings, rootLogLevel, warnings };
}
