/**
 * Kafka ACLs through the shared admin client, in Confluent's vocabulary (kafka-rest's
 * entities/Acl.java): resource types, pattern types, operations and permissions by name, mapped to
 * and from Kafka's protocol numbers. A number the vocabulary has no name for (an operation a newer
 * broker added) reads as UNKNOWN, as it does in Confluent's proxy.
 */
import type { Admin } from '../client.ts';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from '../client.ts';

// In Confluent's declaration order, which is also the order its answers are sorted in.
export const ACL_RESOURCE_TYPES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN'] as const;
export const ACL_PATTERN_TYPES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'] as const;
export const ACL_OPERATIONS = [
  'UNKNOWN',
  'ANY',
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
] as const;
export const ACL_PERMISSIONS = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'] as const;

export type AclResourceType = (typeof ACL_RESOURCE_TYPES)[number];
export type AclPatternType = (typeof ACL_PATTERN_TYPES)[number];
export type AclOperation = (typeof ACL_OPERATIONS)[number];
export type AclPermission = (typeof ACL_PERMISSIONS)[number];

/** One ACL: who (principal, host) may or may not (permission) do what (operation) to which resources. */
export interface Acl {
  resourceType: AclResourceType;
  resourceName: string;
  patternType: AclPatternType;
  principal: string;
  host: string;
  operation: AclOperation;
  permission: AclPermission;
}

/** Which ACLs a search or delete is about: ANY matches every value; a null name, principal or host too. */
export interface AclFilter {
  resourceType: AclResourceType;
  resourceName: string | null;
  patternType: AclPatternType;
  principal: string | null;
  host: string | null;
  operation: AclOperation;
  permission: AclPermission;
}

/** A name ↔ protocol number table over one kafkajs enum (the same names, Kafka's numbers). */
function vocabulary<N extends string>(names: readonly N[], numbers: Record<string, number | string>) {
  const byNumber = new Map<number, N>(names.map((name) => [numbers[name] as number, name]));
  return {
    number: (name: N): number => numbers[name] as number,
    name: (number: number): N => byNumber.get(number) ?? names[0]!, // names[0] is UNKNOWN
  };
}

const resourceTypes = vocabulary(ACL_RESOURCE_TYPES, AclResourceTypes);
const patternTypes = vocabulary(ACL_PATTERN_TYPES, ResourcePatternTypes);
const operations = vocabulary(ACL_OPERATIONS, AclOperationTypes);
const permissions = vocabulary(ACL_PERMISSIONS, AclPermissionTypes);

// kafkajs types its filter and entries with its enums, which are these same numbers.
type KafkaAclFilter = Parameters<Admin['describeAcls']>[0];
type KafkaAclEntry = Parameters<Admin['createAcls']>[0]['acl'][number];

function toKafkaFilter(filter: AclFilter): KafkaAclFilter {
  return {
    resourceType: resourceTypes.number(filter.resourceType),
    resourceName: filter.resourceName ?? undefined, // undefined goes out as Kafka's null: any name
    resourcePatternType: patternTypes.number(filter.patternType),
    principal: filter.principal ?? undefined,
    host: filter.host ?? undefined,
    operation: operations.number(filter.operation),
    permissionType: permissions.number(filter.permission),
  } as KafkaAclFilter;
}

function toKafkaEntry(acl: Acl): KafkaAclEntry {
  return {
    resourceType: resourceTypes.number(acl.resourceType),
    resourceName: acl.resourceName,
    resourcePatternType: patternTypes.number(acl.patternType),
    principal: acl.principal,
    host: acl.host,
    operation: operations.number(acl.operation),
    permissionType: permissions.number(acl.permission),
  } as KafkaAclEntry;
}

interface KafkaAcl {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

function fromKafka(acl: KafkaAcl): Acl {
  return {
    resourceType: resourceTypes.name(acl.resourceType),
    resourceName: acl.resourceName,
    patternType: patternTypes.name(acl.resourcePatternType),
    principal: acl.principal,
    host: acl.host,
    operation: operations.name(acl.operation),
    permission: permissions.name(acl.permissionType),
  };
}

/** The ACLs matching a filter (Kafka's DescribeAcls). */
export async function searchAcls(admin: Admin, filter: AclFilter): Promise<Acl[]> {
  const { resources } = await admin.describeAcls(toKafkaFilter(filter));
  return resources.flatMap(({ acls, ...resource }) => acls.map((entry) => fromKafka({ ...resource, ...entry } as KafkaAcl)));
}

/** Creates ACLs in one request; the first one the broker refuses fails the call (the others may exist). */
export async function createAcls(admin: Admin, acls: readonly Acl[]): Promise<void> {
  if (acls.length === 0) return; // kafkajs refuses an empty list; nothing to ask the broker
  await admin.createAcls({ acl: acls.map(toKafkaEntry) });
}

/** Deletes the ACLs matching a filter and returns them (Kafka's DeleteAcls). */
export async function deleteAcls(admin: Admin, filter: AclFilter): Promise<Acl[]> {
  const { filterResponses } = await admin.deleteAcls({ filters: [toKafkaFilter(filter)] });
  return (filterResponses[0]?.matchingAcls ?? []).map((acl) => fromKafka(acl as KafkaAcl));
}

/**
 * What the broker would refuse in an ACL to create, in its words. kafkajs reports a refusal with
 * its own generic text for INVALID_REQUEST ("malformed by the client library"), dropping the
 * broker's reason, so the reasons clients most often hit are checked here first.
 */
export function brokerRefusal(acl: Acl): string | null {
  // Kafka's order: the broker's checks (AclApis), then the controller's (AclControlManager).
  if (acl.resourceType === 'CLUSTER' && acl.resourceName !== 'kafka-cluster') {
    return 'The only valid name for the CLUSTER resource is kafka-cluster';
  }
  if (acl.resourceName === '') return 'Invalid empty resource name';
  if (!acl.principal.includes(':')) {
    return `Could not parse principal from \`${acl.principal}\` (no colon is present separating the principal type from the principal name)`;
  }
  return null;
}
