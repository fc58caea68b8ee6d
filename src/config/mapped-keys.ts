/**
 * Deprecated Confluent keys that still mean something here, mapped onto the proxy's own:
 * `port` onto `listeners`, `host.name` onto `advertised.listeners`, and the Docker image's
 * log4j root level onto `log.level`. Each mapping says with a warning what it did, and the
 * proxy's own key wins when both are set, as `listeners` wins over `port` in Confluent.
 */
import { ROOT_LOG_LEVEL_VARIABLE } from './environment.ts';
import { integer } from './kafka-client-options.ts';
import { invalid, warning, type RawValue } from './messages.ts';
import type { LogLevel } from './settings.ts';

export const MAPPED_KEYS: ReadonlySet<string> = new Set(['port', 'host.name']);

interface Report {
  readonly problems: string[];
  readonly warnings: string[];
}

const PORT = integer(0, 65535);

/** `port`, used when `listeners` is not set: http://0.0.0.0:<port>. */
export function listenersFromPort(port: RawValue | undefined, listenersSet: boolean, report: Report): URL[] | null {
  if (port === undefined) return null;
  const parsed = PORT.parse(port.value);
  if (!parsed.ok) {
    report.problems.push(invalid('port', port, PORT.expected, undefined, false));
    return null;
  }
  if (listenersSet) {
    report.warnings.push(warning('port', port, 'ignored: listeners is set and wins, as in Confluent'));
    return null;
  }
  const listener = new URL(`http://0.0.0.0:${parsed.value}`);
  report.warnings.push(warning('port', port, `deprecated in Confluent (use listeners): the proxy listens on ${listener.origin}`));
  return [listener];
}

/** A host name or IP address, as a URL host (an IPv6 address gets its brackets). */
function asHost(raw: string): string | null {
  const host = raw.includes(':') && !raw.startsWith('[') ? `[${raw}]` : raw;
  try {
    const url = new URL(`http://${host}`);
    return url.host === url.hostname && url.hostname === host.toLowerCase() ? url.hostname : null;
  } catch {
    return null;
  }
}

/**
 * `host.name`, Confluent's fallback host for absolute URLs when `advertised.listeners` has none:
 * each listener is advertised under that host with its own port. (Confluent adds the port only
 * when the request named one; an advertised URL always names it.)
 */
export function advertisedFromHostName(hostName: RawValue | undefined, advertised: URL[], listeners: URL[], report: Report): URL[] {
  if (hostName === undefined || hostName.value.trim() === '') return advertised;
  const host = asHost(hostName.value.trim());
  if (host === null) {
    report.problems.push(invalid('host.name', hostName, 'a host name or IP address, without port', undefined, false));
    return advertised;
  }
  if (advertised.length > 0) {
    report.warnings.push(warning('host.name', hostName, 'ignored: advertised.listeners is set and wins'));
    return advertised;
  }
  // Port 0 is chosen at start-up: no URL written now can name it.
  const fixed = listeners.filter((listener) => listener.port !== '0');
  if (fixed.length === 0) {
    report.warnings.push(warning('host.name', hostName, 'ignored: every listener has port 0, chosen at start-up, so no advertised URL can name it (set advertised.listeners)'));
    return advertised;
  }
  const urls = fixed.map((listener) => new URL(`${listener.protocol}//${host}${listener.port === '' ? '' : `:${listener.port}`}`));
  const shown = urls.map((u) => u.origin).join(', ');
  report.warnings.push(warning('host.name', hostName, `deprecated in Confluent (use advertised.listeners): absolute URLs such as a consumer's base_uri start with ${shown}`));
  return urls;
}

const LOG4J_LEVELS: Readonly<Record<string, LogLevel>> = {
  ALL: 'trace',
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  FATAL: 'fatal',
  OFF: 'silent',
};

/** The image's `KAFKA_REST_LOG4J_ROOT_LOGLEVEL`, used when `log.level` is not set. */
export function logLevelFromImage(root: RawValue | null, logLevelSet: boolean, report: Report): LogLevel | null {
  if (root === null) return null;
  const level = LOG4J_LEVELS[root.value.trim().toUpperCase()];
  if (level === undefined) {
    report.problems.push(invalid(ROOT_LOG_LEVEL_VARIABLE, root, `one of ${Object.keys(LOG4J_LEVELS).join(', ')}`, undefined, false));
    return null;
  }
  const name = `${ROOT_LOG_LEVEL_VARIABLE} (env)`;
  if (logLevelSet) {
    report.warnings.push(`${name}: ignored: log.level is set and wins.`);
    return null;
  }
  report.warnings.push(`${name}: the log4j root level of Confluent's Docker image: log.level is ${level}.`);
  return level;
}
