/**
 * What the v3 ACL endpoints accept, read as Confluent's AclsResource and CreateAclBatchAction read
 * it. Query filters: enum names in any case (TOPIC, topic), an absent (or empty) one is ANY in a
 * search and refused in a delete, a value that is no name of its enum is 404 (Jersey cannot convert
 * the parameter), and UNKNOWN is 400.
 * Bodies bind like Jackson binds CreateAclRequest: an unknown property, a value of the wrong type
 * or a missing field is 400 with Jackson's words. Then what binds but cannot be created (an ACL on
 * ANY resource, a MATCH pattern, ...) is 400 "<field> cannot be <value>".
 */
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import {
  ACL_OPERATIONS,
  ACL_PATTERN_TYPES,
  ACL_PERMISSIONS,
  ACL_RESOURCE_TYPES,
  type Acl,
  type AclFilter,
  type AclOperation,
  type AclPatternType,
  type AclPermission,
  type AclResourceType,
} from '../../kafka/v3/acls.ts';
import { bind, BindingError, listOf, mismatch, objectOf, property, stringOf, type Entity } from '../v2/json-binding.ts';
import { emptyBody } from './routes.ts';

/** The seven query parameters of a search or delete, in Confluent's order (that of `self` URLs). */
export const FILTER_PARAMETERS = ['resource_type', 'resource_name', 'pattern_type', 'principal', 'host', 'operation', 'permission'] as const;

// Confluent's entities, as Jackson names them in its messages.
const ENUM_CLASSES = {
  resource_type: { javaType: 'io.confluent.kafkarest.entities.Acl$ResourceType', names: ACL_RESOURCE_TYPES },
  pattern_type: { javaType: 'io.confluent.kafkarest.entities.Acl$PatternType', names: ACL_PATTERN_TYPES },
  operation: { javaType: 'io.confluent.kafkarest.entities.Acl$Operation', names: ACL_OPERATIONS },
  permission: { javaType: 'io.confluent.kafkarest.entities.Acl$Permission', names: ACL_PERMISSIONS },
} as const;
type EnumParameter = keyof typeof ENUM_CLASSES;
const ENUM_PARAMETERS = Object.keys(ENUM_CLASSES) as EnumParameter[];

const CREATE_ACL: Entity = {
  className: 'io.confluent.kafkarest.entities.v3.CreateAclRequest',
  properties: new Set(FILTER_PARAMETERS),
};
const CREATE_ACL_BATCH: Entity = { className: 'io.confluent.kafkarest.entities.v3.CreateAclBatchRequestData', properties: new Set(['data']) };
// CreateAclRequest's properties as AutoValue names them when one is missing.
const JAVA_PROPERTIES: Record<(typeof FILTER_PARAMETERS)[number], string> = {
  resource_type: 'resourceType',
  resource_name: 'resourceName',
  pattern_type: 'patternType',
  principal: 'principal',
  host: 'host',
  operation: 'operation',
  permission: 'permission',
};

const invalidPayload = (detail: string) => new RestError(ErrorCode.InvalidPayload, `Payload error. ${detail}`);
// Confluent answers javax.ws.rs.BadRequestException: the message as is, error_code 400.
const refused = (parameter: string, value: string) => new RestError(ErrorCode.BadRequest, `${parameter} cannot be ${value}`);

type Query = Record<string, string | string[] | undefined>;

/**
 * A search's or delete's filter. A search defaults every enum to ANY; a delete requires its four
 * enums (Confluent's openapi marks them required), so that a bare DELETE is refused rather than
 * deleting every ACL. UNKNOWN names no ACL: refused in both.
 */
export function readFilter(query: Query, use: 'search' | 'delete'): AclFilter {
  const enums = {} as Record<EnumParameter, string | null>;
  for (const parameter of ENUM_PARAMETERS) enums[parameter] = queryEnum(query, parameter); // every 404 first, as Jersey
  for (const parameter of ENUM_PARAMETERS) {
    if (enums[parameter] === null && use === 'delete') throw new RestError(ErrorCode.BadRequest, `${parameter} is required`);
    enums[parameter] ??= 'ANY';
    if (enums[parameter] === 'UNKNOWN') throw refused(parameter, 'UNKNOWN');
  }
  return {
    resourceType: enums.resource_type as AclResourceType,
    resourceName: given(query, 'resource_name'), // "" and absent both match any value, as in Confluent
    patternType: enums.pattern_type as AclPatternType,
    principal: given(query, 'principal'),
    host: given(query, 'host'),
    operation: enums.operation as AclOperation,
    permission: enums.permission as AclPermission,
  };
}

/** The first value of a parameter (Jersey reads the first of repeated ones); "" counts as absent. */
function given(query: Query, name: string): string | null {
  const value = query[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? null : first;
}

/** An enum parameter's name, null when absent. */
function queryEnum(query: Query, name: EnumParameter): string | null {
  const value = given(query, name);
  if (value === null) return null;
  const match = enumName(ENUM_CLASSES[name].names, value);
  if (match === undefined) throw Errors.notFound(); // Jersey: a query parameter it cannot convert
  return match;
}

function enumName(names: readonly string[], value: string): string | undefined {
  const upper = value.toUpperCase();
  return names.find((name) => name === upper);
}

/** The body of `POST /acls`: one ACL to create. */
export function readCreateAcl(body: unknown): Acl {
  if (body === null) throw emptyBody();
  return checkCreatable(bind(() => bindCreateAcl(body)));
}

/**
 * The body of `POST /acls:batch`: `{"data": [<acl>, ...]}`. No body, or one without data, is
 * Confluent's 422; an empty list is fine (nothing to create).
 */
export function readCreateAclBatch(body: unknown): Acl[] {
  if (body === null) throw invalidPayload('Null input provided. Data is required.');
  const acls = bind(() => {
    const fields = objectOf(body, CREATE_ACL_BATCH);
    return property(CREATE_ACL_BATCH, 'data', fields.data, (data) => listOf(data, CREATE_ACL.className, (entry) => (entry === null ? null : bindCreateAcl(entry))));
  });
  // Confluent's CreateAclBatchRequestData refuses a missing list, or a null in it, this way.
  if (acls === undefined || acls.includes(null)) throw invalidPayload('Empty input provided. Data is required.');
  return (acls as Acl[]).map(checkCreatable);
}

function bindCreateAcl(value: unknown): Acl {
  const fields = objectOf(value, CREATE_ACL);
  const read = {
    resource_type: property(CREATE_ACL, 'resource_type', fields.resource_type, (v) => bodyEnum('resource_type', v)),
    resource_name: property(CREATE_ACL, 'resource_name', fields.resource_name, stringOf),
    pattern_type: property(CREATE_ACL, 'pattern_type', fields.pattern_type, (v) => bodyEnum('pattern_type', v)),
    principal: property(CREATE_ACL, 'principal', fields.principal, stringOf),
    host: property(CREATE_ACL, 'host', fields.host, stringOf),
    operation: property(CREATE_ACL, 'operation', fields.operation, (v) => bodyEnum('operation', v)),
    permission: property(CREATE_ACL, 'permission', fields.permission, (v) => bodyEnum('permission', v)),
  };
  // AutoValue's builder refuses nulls inside Jackson's creator; Jackson reports it like this.
  const missing = FILTER_PARAMETERS.filter((name) => read[name] === undefined);
  if (missing.length > 0) {
    throw new BindingError(`Cannot construct instance of \`${CREATE_ACL.className}\`, problem: Missing required properties ${missing.map((name) => JAVA_PROPERTIES[name]).join(' ')}`);
  }
  return {
    resourceType: read.resource_type as AclResourceType,
    resourceName: read.resource_name!,
    patternType: read.pattern_type as AclPatternType,
    principal: read.principal!,
    host: read.host!,
    operation: read.operation as AclOperation,
    permission: read.permission as AclPermission,
  };
}

function bodyEnum(parameter: EnumParameter, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const { javaType, names } = ENUM_CLASSES[parameter];
  if (typeof value !== 'string') throw mismatch(javaType, value);
  const match = enumName(names, value);
  if (match === undefined) {
    throw new BindingError(`Cannot deserialize value of type \`${javaType}\` from String ${JSON.stringify(value)}: not one of the values accepted for Enum class: [${names.join(', ')}]`);
  }
  return match;
}

/** Confluent's checks before creating: only concrete values name an ACL. */
function checkCreatable(acl: Acl): Acl {
  if (acl.resourceType === 'ANY' || acl.resourceType === 'UNKNOWN') throw refused('resource_type', acl.resourceType);
  if (acl.patternType === 'ANY' || acl.patternType === 'MATCH' || acl.patternType === 'UNKNOWN') throw refused('pattern_type', acl.patternType);
  if (acl.operation === 'ANY' || acl.operation === 'UNKNOWN') throw refused('operation', acl.operation);
  if (acl.permission === 'ANY' || acl.permission === 'UNKNOWN') throw refused('permission', acl.permission);
  return acl;
}
