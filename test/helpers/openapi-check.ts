/**
 * Checks real responses against docs/openapi.json: the path and method are documented, the status
 * is documented for the operation, the Content-Type is documented for that status, and the body
 * validates against the documented schema (JSON Schema 2020-12, with ajv). Also records which
 * operations were checked, so a test can assert that every documented operation was exercised.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import {
  findOperation,
  findPathTemplate,
  HTTP_METHODS,
  openApiDocument,
  type OpenApiDocument,
  type Reference,
  type ResponseObject,
} from '../../src/http/openapi.ts';

const addFormats = addFormatsModule.default;

/** The document is added to ajv under this id; schemas are compiled as refs into it. */
export const DOCUMENT_ID = 'https://kafka-rest.invalid/openapi.json';

/** An ajv instance for the document's schemas: strict, 2020-12, with the formats it uses. */
export function createAjv(doc: OpenApiDocument = openApiDocument): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  // OpenAPI's own numeric formats.
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  // The document is not a schema, but ajv compiles its root when resolving pointers into it:
  // its top-level fields (openapi, info, paths, ...) are declared as annotation keywords.
  for (const key of Object.keys(doc)) if (!ajv.getKeyword(key)) ajv.addKeyword(key);
  ajv.addSchema(doc as object, DOCUMENT_ID, undefined, false);
  return ajv;
}

/** A JSON pointer (RFC 6901) as a URI fragment. */
export function pointerFragment(segments: string[]): string {
  return segments.map((s) => `/${encodeURIComponent(s.replaceAll('~', '~0').replaceAll('/', '~1'))}`).join('');
}

function decodePointer(fragment: string): string[] {
  return fragment
    .split('/')
    .slice(1)
    .map((s) => decodeURIComponent(s).replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Follows a local `$ref` (`#/...`) to what it points at, with the pointer to where that is. */
export function resolveLocal<T>(doc: OpenApiDocument, value: T | Reference, at: string[]): { value: T; at: string[] } {
  let current: unknown = value;
  let pointer = at;
  for (let hops = 0; hops < 10 && current && typeof current === 'object' && '$ref' in current; hops++) {
    const target = (current as Reference).$ref;
    if (!target.startsWith('#/')) throw new Error(`only local refs are supported: ${target}`);
    pointer = decodePointer(target.slice(1));
    current = pointer.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
    if (current === undefined) throw new Error(`unresolved $ref ${target}`);
  }
  return { value: current as T, at: pointer };
}

const doc = openApiDocument;
let ajv: Ajv2020 | null = null;
const validators = new Map<string, ValidateFunction>();
const checked = new Set<string>();

function validatorAt(pointer: string[]): ValidateFunction {
  const fragment = pointerFragment(pointer);
  let validate = validators.get(fragment);
  if (!validate) {
    ajv ??= createAjv(doc);
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${fragment}` });
    validators.set(fragment, validate);
  }
  return validate;
}

function pathOf(url: string): string {
  return new URL(url, 'http://proxy.invalid').pathname;
}

const mediaTypeOf = (contentType: string | null | undefined): string | null =>
  contentType?.split(';')[0]?.trim().toLowerCase() || null;

/**
 * Problems with one response, as readable lines; none when it is what the document says.
 * `body` is the parsed JSON (or the raw text when it was not JSON, undefined when empty).
 */
export function checkResponse(method: string, url: string, status: number, contentType: string | null, body: unknown): string[] {
  const verb = method.toUpperCase();
  const path = pathOf(url);
  const where = `${verb} ${path} → ${status}`;
  const found = findOperation(doc, method, path);

  let response: { value: ResponseObject; at: string[] };
  if (found) {
    const { pathTemplate, operation } = found;
    checked.add(`${verb} ${pathTemplate}`);
    const responses = operation.responses;
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
    if (!key) {
      return [`${where}: status ${status} is not documented for ${verb} ${pathTemplate} (documented: ${Object.keys(responses).join(', ')})`];
    }
    response = resolveLocal(doc, responses[key]!, ['paths', pathTemplate, method.toLowerCase(), 'responses', key]);
  } else {
    // Outside the operations: unknown paths and known paths with another method.
    const template = findPathTemplate(doc, path);
    const unrouted = doc['x-unrouted'] as Record<string, ResponseObject | Reference> | undefined;
    const documented = template === null ? unrouted?.unknownPath : unrouted?.methodNotAllowed;
    const expected = template === null ? 404 : 405;
    if (!documented) return [`${where}: ${template === null ? 'the path' : `${verb} on ${template}`} is not in the document`];
    if (status !== expected) {
      return [`${where}: ${template === null ? 'the path' : `${verb} on ${template}`} is not in the document, so only ${expected} is`];
    }
    response = resolveLocal(doc, documented, ['x-unrouted', template === null ? 'unknownPath' : 'methodNotAllowed']);
  }

  const content = response.value.content;
  const mediaType = mediaTypeOf(contentType);
  if (!content || Object.keys(content).length === 0) {
    if (body !== undefined && body !== '') return [`${where}: a body came back, but none is documented`];
    return [];
  }
  if (!mediaType) return [`${where}: no Content-Type, documented: ${Object.keys(content).join(', ')}`];
  const media = content[mediaType];
  if (!media) return [`${where}: Content-Type ${mediaType} is not documented (documented: ${Object.keys(content).join(', ')})`];
  if (media.schema === undefined) return [];
  if (body === undefined) return [`${where}: no body, but ${mediaType} has a schema`];

  const validate = validatorAt([...response.at, 'content', mediaType, 'schema']);
  if (validate(body)) return [];
  return (validate.errors ?? []).slice(0, 8).map((e) => `${where} (${mediaType}): body${e.instancePath} ${e.message ?? 'is invalid'} [${e.schemaPath}]`);
}

/**
 * Documented operations (`METHOD /template`) no response was checked for in this process; with
 * `tags`, only the operations that carry one of them.
 */
export function coverage(tags?: readonly string[]): { missing: string[] } {
  const missing: string[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation || (tags && !operation.tags?.some((tag) => tags.includes(tag)))) continue;
      if (!checked.has(`${method.toUpperCase()} ${template}`)) missing.push(`${method.toUpperCase()} ${template}`);
    }
  }
  return { missing };
}

/** Throws, naming every problem, when a response is not what docs/openapi.json says. */
export function assertDocumented(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
  const problems = checkResponse(method, url, status, contentType, body);
  if (problems.length > 0) throw new Error(`not as docs/openapi.json says:\n${problems.join('\n')}`);
}
