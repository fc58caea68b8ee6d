/**
 * Request costs for rate.limit.permits.per.sec, as Confluent computes them: each endpoint has a
 * resource name (`api.v3.topics.list`) in a group (`api.v3.topics.*`); `rate.limit.costs` gives
 * costs by name, the endpoint's own name first, then its group's, else `rate.limit.default.cost`.
 * A cost of 0 means the endpoint is not rate-limited. Health checks are never limited (probes must
 * see the proxy's state, not its load).
 */
import { accept, reject, type ValueType } from '../../config/kafka-client-options.ts';

export type Costs = ReadonlyMap<string, number>;

/** `rate.limit.costs`: `name=cost` pairs, comma separated (`api.v3.clusters.*=1,api.v3.brokers.list=2`). */
export const costsType: ValueType<Costs> = {
  expected: 'a comma-separated list of endpoint=cost (e.g. api.v3.clusters.*=1,api.v3.brokers.list=2), costs ≥ 0',
  parse(raw) {
    const costs = new Map<string, number>();
    for (const item of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const match = /^([A-Za-z0-9._*-]+)\s*[=:]\s*(\d{1,9})$/.exec(item);
      if (!match) return reject(`"${item}" is not endpoint=cost`);
      costs.set(match[1]!, Number(match[2]));
    }
    return accept(costs);
  },
};

type Route = readonly [method: string, path: RegExp, name: string];

const SEG = '[^/]+';
const v2 = (method: string, path: string, name: string): Route => [method, new RegExp(`^${path.replaceAll('{}', SEG)}/?$`), `api.v2.${name}`];
const v3 = (method: string, path: string, name: string): Route => [method, new RegExp(`^/v3${path.replaceAll('{}', SEG)}/?$`), `api.v3.${name}`];
const CLUSTER = '/clusters/{}';
const TOPIC = `${CLUSTER}/topics/{}`;
const INSTANCE = '/consumers/{}/instances/{}';
const GROUP = `${CLUSTER}/consumer-groups/{}`;

/** This proxy's routes and Confluent's resource names for them; first match wins. */
const ROUTES: readonly Route[] = [
  v2('GET', '/', 'root.get'),
  v2('POST', '/', 'root.post'),
  v2('GET', '/brokers', 'brokers.list'),
  v2('GET', '/topics', 'topics.list'),
  v2('GET', '/topics/{}', 'topics.get'),
  v2('POST', '/topics/{}', 'produce-to-topic'),
  v2('GET', '/topics/{}/partitions', 'partitions.list'),
  v2('GET', '/topics/{}/partitions/{}', 'partitions.get'),
  v2('POST', '/topics/{}/partitions/{}', 'produce-to-partition'),
  v2('GET', '/topics/{}/partitions/{}/offsets', 'partitions.get-offsets'),
  v2('GET', '/topics/{}/partitions/{}/messages', 'partitions.consume'),
  v2('POST', '/consumers/{}', 'consumers.create'),
  v2('DELETE', INSTANCE, 'consumers.delete'),
  v2('POST', `${INSTANCE}/subscription`, 'consumers.subscribe'),
  v2('GET', `${INSTANCE}/subscription`, 'consumers.get-subscription'),
  v2('DELETE', `${INSTANCE}/subscription`, 'consumers.unsubscribe'),
  v2('POST', `${INSTANCE}/assignments`, 'consumers.assign'),
  v2('GET', `${INSTANCE}/assignments`, 'consumers.get-assignments'),
  v2('POST', `${INSTANCE}/positions`, 'consumers.seek-to-offset'),
  v2('POST', `${INSTANCE}/positions/beginning`, 'consumers.seek-to-beginning'),
  v2('POST', `${INSTANCE}/positions/end`, 'consumers.seek-to-end'),
  v2('POST', `${INSTANCE}/offsets`, 'consumers.commit-offsets'),
  v2('GET', `${INSTANCE}/offsets`, 'consumers.get-committed-offsets'),
  v2('GET', `${INSTANCE}/records`, 'consumers.consume'),
  v3('GET', '/clusters', 'clusters.list'),
  v3('GET', CLUSTER, 'clusters.get'),
  v3('GET', `${CLUSTER}/brokers`, 'brokers.list'),
  v3('GET', `${CLUSTER}/brokers/-/configs`, 'brokers-configs.list'),
  v3('GET', `${CLUSTER}/brokers/{}`, 'brokers.get'),
  v3('GET', `${CLUSTER}/brokers/{}/partition-replicas`, 'replicas.search-by-broker'),
  v3('GET', `${CLUSTER}/brokers/{}/configs`, 'broker-configs.list'),
  v3('POST', `${CLUSTER}/brokers/{}/configs:alter`, 'broker-configs.alter'),
  v3('GET', `${CLUSTER}/brokers/{}/configs/{}`, 'broker-configs.get'),
  v3('PUT', `${CLUSTER}/brokers/{}/configs/{}`, 'broker-configs.update'),
  v3('DELETE', `${CLUSTER}/brokers/{}/configs/{}`, 'broker-configs.delete'),
  v3('GET', `${CLUSTER}/broker-configs`, 'cluster-configs.list'),
  v3('POST', `${CLUSTER}/broker-configs:alter`, 'cluster-configs.alter'),
  v3('GET', `${CLUSTER}/broker-configs/{}`, 'cluster-configs.get'),
  v3('PUT', `${CLUSTER}/broker-configs/{}`, 'cluster-configs.update'),
  v3('DELETE', `${CLUSTER}/broker-configs/{}`, 'cluster-configs.delete'),
  v3('GET', `${CLUSTER}/topics`, 'topics.list'),
  v3('POST', `${CLUSTER}/topics`, 'topics.create'),
  v3('GET', `${CLUSTER}/topics/-/configs`, 'topic-configs.list'),
  v3('POST', `${CLUSTER}/topics/-/configs:alter`, 'topic-configs.alter-multi'),
  v3('GET', `${CLUSTER}/topics/-/partitions/-/reassignment`, 'partition-reassignments.list'),
  v3('GET', TOPIC, 'topics.get'),
  v3('PATCH', TOPIC, 'topics.partitions'),
  v3('DELETE', TOPIC, 'topics.delete'),
  v3('POST', `${TOPIC}/records`, 'produce.produce-to-topic'),
  v3('POST', `${TOPIC}/records:batch`, 'batch-produce.produce-to-topic'),
  v3('GET', `${TOPIC}/configs`, 'topic-configs.list'),
  v3('POST', `${TOPIC}/configs:alter`, 'topic-configs.alter'),
  v3('GET', `${TOPIC}/configs/{}`, 'topic-configs.get'),
  v3('PUT', `${TOPIC}/configs/{}`, 'topic-configs.update'),
  v3('DELETE', `${TOPIC}/configs/{}`, 'topic-configs.delete'),
  v3('GET', `${TOPIC}/partitions`, 'partitions.list'),
  v3('GET', `${TOPIC}/partitions/-/reassignment`, 'partition-reassignments.search-by-topic'),
  v3('GET', `${TOPIC}/partitions/{}`, 'partitions.get'),
  v3('GET', `${TOPIC}/partitions/{}/offset`, 'partitions.list.offsets'),
  v3('GET', `${TOPIC}/partitions/{}/reassignment`, 'partition-reassignments.get'),
  v3('GET', `${TOPIC}/partitions/{}/replicas`, 'replicas.list'),
  v3('GET', `${TOPIC}/partitions/{}/replicas/{}`, 'replicas.get'),
  v3('GET', `${CLUSTER}/consumer-groups`, 'consumer-groups.list'),
  v3('GET', GROUP, 'consumer-groups.get'),
  v3('GET', `${GROUP}/consumers`, 'consumers.list'),
  v3('GET', `${GROUP}/consumers/{}`, 'consumers.get'),
  v3('GET', `${GROUP}/consumers/{}/assignments`, 'consumer-assignments.list'),
  v3('GET', `${GROUP}/consumers/{}/assignments/{}/partitions/{}`, 'consumer-assignments.get'),
  v3('GET', `${GROUP}/lags`, 'consumer-lags.list'),
  v3('GET', `${GROUP}/lags/{}/partitions/{}`, 'consumer-lags.get'),
  v3('GET', `${GROUP}/lag-summary`, 'consumer-group-lag-summary.get'),
  v3('GET', `${CLUSTER}/acls`, 'acls.list'),
  v3('POST', `${CLUSTER}/acls`, 'acls.create'),
  v3('POST', `${CLUSTER}/acls:batch`, 'acls.batch-create'),
  v3('DELETE', `${CLUSTER}/acls`, 'acls.delete'),
];

const UNLIMITED = /^\/health\/(live|ready)\/?$/;

/** Confluent's resource name of a request, or null for a path the proxy does not serve. */
export function endpointName(method: string, path: string): string | null {
  const verb = method === 'HEAD' ? 'GET' : method;
  return ROUTES.find(([m, pattern]) => m === verb && pattern.test(path))?.[2] ?? null;
}

/** Groups that are not the name's first three parts (Confluent's group is its resource class's name). */
const GROUPS: Readonly<Record<string, string>> = { 'api.v3.partitions.list.offsets': 'api.v3.partition-offsets.*' };

/**
 * Confluent's v3 produce resources are `@DoNotRateLimit`: the request bucket never charges them
 * (api.v3.produce.rate.limit.* bounds their records instead).
 */
const NOT_RATE_LIMITED = new Set(['api.v3.produce.produce-to-topic', 'api.v3.batch-produce.produce-to-topic']);

/** The group of a resource name: `api.v3.topics.list` → `api.v3.topics.*`, `api.v2.produce-to-topic` → `api.v2.produce-to-topic.*`. */
export function endpointGroup(name: string): string {
  const group = GROUPS[name];
  if (group) return group;
  const parts = name.split('.');
  return parts.length > 3 ? `${parts.slice(0, 3).join('.')}.*` : `${name}.*`;
}

const FORMATS: Readonly<Record<string, string>> = { binary: 'binary', json: 'json', avro: 'avro', jsonschema: 'json-schema', protobuf: 'protobuf' };
const formatOf = (mediaType: string | undefined) => FORMATS[/vnd\.kafka\.([a-z]+)\.v2/.exec(mediaType ?? '')?.[1] ?? ''];

/**
 * Confluent names v2 produce and consume per embedded format: `api.v2.produce-to-topic.binary`
 * (from Content-Type), `api.v2.consumers.consume-json` (from Accept); their group is
 * `api.v2.produce-to-topic.*` and `api.v2.consumers.*`.
 */
function withFormat(name: string, contentType: string | undefined, accept: string | undefined): string {
  if (name.endsWith('.produce-to-topic') || name.endsWith('.produce-to-partition')) {
    const format = formatOf(contentType);
    return format ? `${name}.${format}` : name;
  }
  if (name === 'api.v2.consumers.consume') return `${name}-${formatOf(accept) ?? 'binary'}`;
  return name;
}

export interface CostedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType?: string | undefined;
  readonly accept?: string | undefined;
}

/** The permits a request costs; unknown paths (answered 404/405) cost the default, so they cannot be used to flood. */
export function costOf(request: CostedRequest, costs: Costs, defaultCost: number): number {
  if (UNLIMITED.test(request.path)) return 0;
  const route = endpointName(request.method, request.path);
  if (route === null) return defaultCost;
  if (NOT_RATE_LIMITED.has(route)) return 0;
  const name = withFormat(route, request.contentType, request.accept);
  return costs.get(name) ?? costs.get(route) ?? costs.get(endpointGroup(route)) ?? defaultCost;
}
