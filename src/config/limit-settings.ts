/**
 * Settings of the request limits, CORS and the management Host check, with Confluent's keys
 * (rest-utils' rate.limit.*, access.control.*, server.connection.limit; kafka-rest's
 * api.v3.produce.rate.limit.*) where Confluent has one. SETTINGS (settings.ts) includes this table;
 * config.ts reads it into `Config.limits` with readLimitSettings.
 */
import type { Costs } from '../http/rate-limit/costs.ts';
import { costsType } from '../http/rate-limit/costs.ts';
import { accept, bool, integer, oneOf, type ValueType } from './kafka-client-options.ts';
import type { DefaultedSetting } from './settings.ts';

const list: ValueType<string[]> = {
  expected: 'a comma-separated list, or empty',
  parse: (raw) => accept(raw.split(',').map((item) => item.trim()).filter((item) => item !== '')),
};

const setting = <T>(key: string, type: ValueType<T>, fallback: string, description: string): DefaultedSetting<T> => ({ key, type, fallback, description });

export const RATE_LIMIT_BACKENDS = ['guava', 'resilience4j'] as const;

export const LIMIT_SETTINGS = {
  rateLimitEnable: setting('rate.limit.enable', bool, 'false', 'Limit the rate of requests to the REST API (429 with error_code 429 and Retry-After beyond it).'),
  rateLimitBackend: setting(
    'rate.limit.backend',
    oneOf(RATE_LIMIT_BACKENDS),
    'guava',
    "Accepted for compatibility: both of Confluent's backends name the same token bucket here.",
  ),
  rateLimitPermitsPerSec: setting(
    'rate.limit.permits.per.sec',
    integer(1),
    '50',
    'Permits the whole proxy hands out per second; a request takes its endpoint cost. The bucket holds one second of permits and starts full.',
  ),
  rateLimitTimeoutMs: setting('rate.limit.timeout.ms', integer(0), '0', 'How long a request may wait for its permits before 429 (ms).'),
  rateLimitDefaultCost: setting('rate.limit.default.cost', integer(0), '1', 'Permits a request takes when rate.limit.costs names neither its endpoint nor its group; 0 = not limited.'),
  rateLimitCosts: setting(
    'rate.limit.costs',
    costsType,
    '',
    "Permits per endpoint, by Confluent's resource names (api.v3.topics.list, api.v2.consumers.*; see docs/SECURITY.md); 0 = not limited. Health checks and v3 produce are never limited by it.",
  ),
  produceRateLimitEnabled: setting(
    'api.v3.produce.rate.limit.enabled',
    bool,
    'false',
    'Limit the records of v3 produce streams; a record over a limit gets an entry with error_code 429 and the stream goes on.',
  ),
  produceMaxRequestsPerSec: setting('api.v3.produce.rate.limit.max.requests.per.sec', integer(1), '10000', 'v3 produce records per second, per principal (the client address when authentication is off).'),
  produceMaxBytesPerSec: setting('api.v3.produce.rate.limit.max.bytes.per.sec', integer(1), '10000000', 'v3 produce record bytes per second, per principal (the client address when authentication is off).'),
  produceMaxRequestsGlobalPerSec: setting('api.v3.produce.rate.limit.max.requests.global.per.sec', integer(1), '10000', 'v3 produce records per second, proxy-wide.'),
  produceMaxBytesGlobalPerSec: setting('api.v3.produce.rate.limit.max.bytes.global.per.sec', integer(1), '10000000', 'v3 produce record bytes per second, proxy-wide.'),
  produceRateLimitCacheExpiryMs: setting(
    'api.v3.produce.rate.limit.cache.expiry.ms',
    integer(1),
    '3600000',
    'A principal unseen this long loses its v3 produce buckets (at most 10000 principals are tracked) (ms).',
  ),
  serverConnectionLimit: setting(
    'server.connection.limit',
    integer(0),
    '0',
    'Most connections the REST listeners serve at once, counted from their first request; requests on more are answered 429 (error_code 42902) and their connection closed. 0 = no limit.',
  ),
  consumerInstancesMax: setting(
    'consumer.instances.max',
    integer(0),
    '0',
    'Most v2 consumer instances this proxy holds (recovered ones included); creating more → 429 (error_code 42903). 0 = no limit.',
  ),
  consumerInstancesMaxPerPrincipal: setting(
    'consumer.instances.max.per.principal',
    integer(0),
    '0',
    'Most v2 consumer instances one authenticated principal owns at once (recovered ones included); creating more → 429 (error_code 42903). Unauthenticated instances count only against consumer.instances.max. 0 = no limit.',
  ),
  simpleConsumerPoolSizeMax: setting(
    'simpleconsumer.pool.size.max',
    integer(1),
    '25',
    'Most simple consumer reads (GET .../partitions/{p}/messages) served at once, each over connections of its own.',
  ),
  simpleConsumerPoolTimeoutMs: setting(
    'simpleconsumer.pool.timeout.ms',
    integer(0),
    '1000',
    'How long a simple consumer read waits for one of them to be free, then 500 with error_code 50301, as Confluent answered (ms).',
  ),
  corsAllowOrigin: setting(
    'access.control.allow.origin',
    list,
    '',
    'Origins allowed to call the API from a browser (CORS): a comma list, * for any, * inside an entry as a wildcard; empty = no CORS headers.',
  ),
  corsAllowMethods: setting('access.control.allow.methods', list, '', 'Methods a CORS preflight allows; empty = GET,POST,HEAD (Jetty’s default).'),
  corsAllowHeaders: setting(
    'access.control.allow.headers',
    list,
    '',
    'Request headers a CORS preflight allows (* = any); empty = X-Requested-With,Content-Type,Accept,Origin (Jetty’s default).',
  ),
  managementAllowedHosts: setting(
    'management.allowed.hosts',
    list,
    '',
    'Host names (besides those of management.listeners, and localhost, 127.0.0.1, [::1] on loopback) the management listener answers; other Host headers → 403.',
  ),
};

export interface LimitSettings {
  /** `null`: rate.limit.enable=false. */
  readonly requestRate: { readonly permitsPerSec: number; readonly timeoutMs: number; readonly defaultCost: number; readonly costs: Costs } | null;
  /** `null`: api.v3.produce.rate.limit.enabled=false. */
  readonly produceRate: {
    readonly maxRequestsPerSec: number;
    readonly maxBytesPerSec: number;
    readonly maxRequestsGlobalPerSec: number;
    readonly maxBytesGlobalPerSec: number;
    readonly cacheExpiryMs: number;
  } | null;
  /** 0 = no limit. */
  readonly serverConnectionLimit: number;
  /** 0 = no limit. */
  readonly consumerInstancesMax: number;
  /** 0 = no limit. */
  readonly consumerInstancesMaxPerPrincipal: number;
  readonly simpleConsumerPool: { readonly maxSize: number; readonly timeoutMs: number };
  readonly cors: { readonly allowOrigins: string[]; readonly allowMethods: string[]; readonly allowHeaders: string[] };
  readonly managementAllowedHosts: string[];
}

export function readLimitSettings(value: <T>(s: DefaultedSetting<T>) => T): LimitSettings {
  const s = LIMIT_SETTINGS;
  // Every key is read, so a bad value is reported even while its feature is off.
  value(s.rateLimitBackend);
  const requestRate = { permitsPerSec: value(s.rateLimitPermitsPerSec), timeoutMs: value(s.rateLimitTimeoutMs), defaultCost: value(s.rateLimitDefaultCost), costs: value(s.rateLimitCosts) };
  const produceRate = {
    maxRequestsPerSec: value(s.produceMaxRequestsPerSec),
    maxBytesPerSec: value(s.produceMaxBytesPerSec),
    maxRequestsGlobalPerSec: value(s.produceMaxRequestsGlobalPerSec),
    maxBytesGlobalPerSec: value(s.produceMaxBytesGlobalPerSec),
    cacheExpiryMs: value(s.produceRateLimitCacheExpiryMs),
  };
  return {
    requestRate: value(s.rateLimitEnable) ? requestRate : null,
    produceRate: value(s.produceRateLimitEnabled) ? produceRate : null,
    serverConnectionLimit: value(s.serverConnectionLimit),
    consumerInstancesMax: value(s.consumerInstancesMax),
    consumerInstancesMaxPerPrincipal: value(s.consumerInstancesMaxPerPrincipal),
    simpleConsumerPool: { maxSize: value(s.simpleConsumerPoolSizeMax), timeoutMs: value(s.simpleConsumerPoolTimeoutMs) },
    cors: { allowOrigins: value(s.corsAllowOrigin), allowMethods: value(s.corsAllowMethods), allowHeaders: value(s.corsAllowHeaders) },
    managementAllowedHosts: value(s.managementAllowedHosts),
  };
}
