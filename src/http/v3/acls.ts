/**
 * API v3 ACLs (Confluent's AclsResource and CreateAclBatchAction): search by filter, create one,
 * create a batch, delete by filter. An ACL has no URL of its own: its `self` is the search URL
 * that finds exactly it (all seven filter parameters), which is also the Location of a created
 * ACL and what a client DELETEs to remove it. ACLs carry no resource name (CRN), as in Confluent.
 * What the request may ask is read in acl-requests.ts; the Kafka side is src/kafka/v3/acls.ts.
 */
import type Router from '@koa/router';
import { ErrorCode, RestError } from '../../errors.ts';
import {
  ACL_OPERATIONS,
  ACL_PATTERN_TYPES,
  ACL_PERMISSIONS,
  ACL_RESOURCE_TYPES,
  brokerRefusal,
  createAcls,
  deleteAcls,
  searchAcls,
  type Acl,
  type AclFilter,
} from '../../kafka/v3/acls.ts';
import { FILTER_PARAMETERS, readCreateAcl, readCreateAclBatch, readFilter } from './acl-requests.ts';
import type { V3Links } from './resources.ts';
import type { V3 } from './routes.ts';

const ACLS = '/clusters/:cluster_id/acls';

export function registerAclRoutes(router: Router, v3: V3): void {
  const admin = () => v3.services.metadata.connectedAdmin();

  // Parameters and bodies are checked before the cluster, as Jersey converts them before Confluent's handler runs.
  router.get(ACLS, async (ctx) => {
    const filter = readFilter(ctx.query, 'search');
    const links = await v3.links(ctx);
    const found = await searchAcls(await admin(), filter);
    ctx.body = links.collection('KafkaAclList', searchUrl(links, filterValues(filter)), inConfluentOrder(found).map((acl) => aclData(links, acl)));
  });

  router.post(ACLS, async (ctx) => {
    const acl = readCreateAcl(await v3.body(ctx));
    const links = await v3.links(ctx);
    await create([acl]);
    ctx.body = null; // before the status: Koa would turn a null body's 201 into 204
    ctx.status = 201;
    ctx.set('Location', searchUrl(links, aclValues(acl)));
  });

  router.post(`${ACLS}\\:batch`, async (ctx) => {
    const acls = readCreateAclBatch(await v3.body(ctx));
    await v3.links(ctx);
    await create(acls);
    ctx.status = 204; // Confluent's code and tests answer 204 (its openapi says 201)
  });

  router.delete(ACLS, async (ctx) => {
    const filter = readFilter(ctx.query, 'delete');
    const links = await v3.links(ctx);
    const deleted = await deleteAcls(await admin(), filter);
    ctx.body = { data: inConfluentOrder(deleted).map((acl) => aclData(links, acl)) };
  });

  async function create(acls: Acl[]): Promise<void> {
    for (const acl of acls) {
      const refusal = brokerRefusal(acl);
      if (refusal) throw new RestError(ErrorCode.KafkaBadRequest, refusal); // Kafka's InvalidRequestException: 40002
    }
    await createAcls(await admin(), acls);
  }
}

function aclData(links: V3Links, acl: Acl) {
  return links.resource('KafkaAcl', searchUrl(links, aclValues(acl)), null, {
    cluster_id: links.clusterId,
    resource_type: acl.resourceType,
    resource_name: acl.resourceName,
    pattern_type: acl.patternType,
    principal: acl.principal,
    host: acl.host,
    operation: acl.operation,
    permission: acl.permission,
  });
}

/** `<cluster>/acls?resource_type=…&…&permission=…`, the seven values in FILTER_PARAMETERS order. */
function searchUrl(links: V3Links, values: readonly string[]): string {
  return `${links.url('acls')}?${FILTER_PARAMETERS.map((name, i) => `${name}=${formEncode(values[i]!)}`).join('&')}`;
}

const aclValues = (acl: Acl): string[] => [acl.resourceType, acl.resourceName, acl.patternType, acl.principal, acl.host, acl.operation, acl.permission];

/** What was searched for; a name, principal or host left out is "" in the URL, as in Confluent's. */
const filterValues = (filter: AclFilter): string[] => [
  filter.resourceType,
  filter.resourceName ?? '',
  filter.patternType,
  filter.principal ?? '',
  filter.host ?? '',
  filter.operation,
  filter.permission,
];

/** Java's URLEncoder (form encoding): `User:alice` → `User%3Aalice`, `*` kept, a space is `+`. */
function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+');
}

/** Confluent sorts by every field: enums in their declaration order, strings as Java compares them. */
function inConfluentOrder(acls: Acl[]): Acl[] {
  const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const byEnum = <T extends string>(names: readonly T[]) => (a: T, b: T) => names.indexOf(a) - names.indexOf(b);
  return [...acls].sort(
    (a, b) =>
      byEnum(ACL_RESOURCE_TYPES)(a.resourceType, b.resourceType) ||
      byString(a.resourceName, b.resourceName) ||
      byEnum(ACL_PATTERN_TYPES)(a.patternType, b.patternType) ||
      byString(a.principal, b.principal) ||
      byString(a.host, b.host) ||
      byEnum(ACL_OPERATIONS)(a.operation, b.operation) ||
      byEnum(ACL_PERMISSIONS)(a.permission, b.permission),
  );
}
