/**
 * docs/openapi.json: structurally valid OpenAPI 3.1, internally consistent, and listing exactly
 * the routes the main listener registers (parsed from the route sources, so a new route without
 * documentation fails here). The checker used by the integration test is tested here too.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MediaType } from '../../src/http/media-types.ts';
import { endpointName } from '../../src/http/rate-limit/costs.ts';
import {
  findOperation,
  findPathTemplate,
  HTTP_METHODS,
  openApiDocument as doc,
  type Operation,
  type ParameterObject,
  type Reference,
  type ResponseObject,
} from '../../src/http/openapi.ts';
import { checkResponse, createAjv, DOCUMENT_ID, pointerFragment, resolveLocal } from '../helpers/openapi-check.ts';

/** A directory's route sources, each with the prefix its router is mounted under. */
const sourcesIn = (dir: string, prefix: string) =>
  readdirSync(new URL(`../../src/http/${dir}/`, import.meta.url))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ url: new URL(`../../src/http/${dir}/${f}`, import.meta.url), prefix }));

/** The files whose `router.<method>(...)` calls make up the main listener's routes. */
const ROUTE_SOURCES = [
  ...sourcesIn('v2', ''),
  ...sourcesIn('v3', '/v3'), // registerV3Routes mounts them under `new Router({ prefix: '/v3' })`
  { url: new URL('../../src/http/health.ts', import.meta.url), prefix: '' },
].filter(({ url }) => existsSync(url));

interface Located {
  method: string;
  template: string;
  operation: Operation;
  at: string[];
}

function operations(): Located[] {
  const found: Located[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation) found.push({ method, template, operation, at: ['paths', template, method] });
    }
  }
  return found;
}

/** Every object in the document with the pointer to it. */
function* walk(node: unknown, at: string[] = []): Generator<{ node: Record<string, unknown>; at: string[] }> {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) yield* walk(child, [...at, String(i)]);
  } else if (node && typeof node === 'object') {
    yield { node: node as Record<string, unknown>, at };
    for (const [key, child] of Object.entries(node)) yield* walk(child, [...at, key]);
  }
}

const show = (at: string[]) => `#${pointerFragment(at)}`;

test('the document is OpenAPI 3.1.0 with info, paths and components', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(typeof doc.info.title, 'string');
  assert.equal(typeof doc.info.version, 'string');
  assert.ok(Object.keys(doc.paths).length > 0);
  for (const template of Object.keys(doc.paths)) assert.match(template, /^\/([^/{}]+|\{[a-z_]+\})?(\/([^/{}]+|\{[a-z_]+\}))*$/, template);
});

test('every OpenAPI object has only the fields OpenAPI 3.1 defines (or x- extensions), and the required ones', () => {
  const FIELDS = {
    document: ['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags', 'externalDocs'],
    info: ['title', 'summary', 'description', 'termsOfService', 'contact', 'license', 'version'],
    components: ['schemas', 'responses', 'parameters', 'examples', 'requestBodies', 'headers', 'securitySchemes', 'links', 'callbacks', 'pathItems'],
    pathItem: ['$ref', 'summary', 'description', 'servers', 'parameters', ...HTTP_METHODS],
    operation: ['tags', 'summary', 'description', 'externalDocs', 'operationId', 'parameters', 'requestBody', 'responses', 'callbacks', 'deprecated', 'security', 'servers'],
    parameter: ['name', 'in', 'description', 'required', 'deprecated', 'allowEmptyValue', 'style', 'explode', 'allowReserved', 'schema', 'example', 'examples', 'content'],
    requestBody: ['description', 'content', 'required'],
    response: ['description', 'headers', 'content', 'links'],
    mediaType: ['schema', 'example', 'examples', 'encoding'],
    reference: ['$ref', 'summary', 'description'],
  } as const;
  const problems: string[] = [];
  const fields = (kind: keyof typeof FIELDS, node: unknown, at: string[], required: string[] = []) => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return problems.push(`${show(at)}: a ${kind} must be an object`);
    const allowed = new Set<string>('$ref' in node ? FIELDS.reference : FIELDS[kind]);
    for (const key of Object.keys(node)) if (!allowed.has(key) && !key.startsWith('x-')) problems.push(`${show(at)}: ${kind} has no field ${key}`);
    if (!('$ref' in node)) for (const key of required) if (!(key in node)) problems.push(`${show(at)}: ${kind} needs ${key}`);
    return 0;
  };
  const parameter = (p: unknown, at: string[]) => {
    fields('parameter', p, at, ['name', 'in']);
    const param = p as ParameterObject & { content?: unknown };
    if ('$ref' in param) return;
    if (!['query', 'header', 'path', 'cookie'].includes(param.in)) problems.push(`${show(at)}: bad "in" ${param.in}`);
    if (param.in === 'path' && param.required !== true) problems.push(`${show(at)}: path parameters must be required`);
    if ((param.schema === undefined) === (param.content === undefined)) problems.push(`${show(at)}: a parameter needs schema or content`);
  };
  const content = (node: unknown, at: string[]) => {
    for (const [type, media] of Object.entries((node ?? {}) as object)) {
      if (!/^[\w.+-]+\/[\w.+-]+$/.test(type)) problems.push(`${show(at)}: bad media type ${type}`);
      fields('mediaType', media, [...at, type]);
    }
  };
  const response = (r: unknown, at: string[]) => {
    fields('response', r, at, ['description']);
    content((r as ResponseObject).content, [...at, 'content']);
  };

  fields('document', doc, [], ['openapi', 'info', 'paths']);
  fields('info', doc.info, ['info'], ['title', 'version']);
  fields('components', doc.components, ['components']);
  for (const [name, p] of Object.entries(doc.components?.parameters ?? {})) parameter(p, ['components', 'parameters', name]);
  for (const [name, r] of Object.entries(doc.components?.responses ?? {})) response(r, ['components', 'responses', name]);
  for (const name of Object.keys({ ...doc.components?.schemas, ...doc.components?.responses, ...doc.components?.parameters })) {
    if (!/^[a-zA-Z0-9._-]+$/.test(name)) problems.push(`components: bad name ${name}`);
  }
  for (const [template, item] of Object.entries(doc.paths)) {
    fields('pathItem', item, ['paths', template]);
    for (const [i, p] of (item.parameters ?? []).entries()) parameter(p, ['paths', template, 'parameters', String(i)]);
  }
  for (const { operation, at } of operations()) {
    fields('operation', operation, at, ['responses']);
    for (const [i, p] of (operation.parameters ?? []).entries()) parameter(p, [...at, 'parameters', String(i)]);
    if (operation.requestBody) {
      fields('requestBody', operation.requestBody, [...at, 'requestBody'], ['content']);
      content((operation.requestBody as { content?: unknown }).content, [...at, 'requestBody', 'content']);
    }
    for (const [status, r] of Object.entries(operation.responses ?? {})) response(r, [...at, 'responses', status]);
  }
  assert.deepEqual(problems, []);
});

test('every $ref resolves', () => {
  const broken: string[] = [];
  for (const { node, at } of walk(doc)) {
    if (typeof node.$ref !== 'string') continue;
    try {
      resolveLocal(doc, node as unknown as Reference, at);
    } catch (error) {
      broken.push(`${show(at)}: ${(error as Error).message}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('every path parameter is declared, and every declared one is in the path', () => {
  const problems: string[] = [];
  for (const { method, template, operation, at } of operations()) {
    const inPath = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const declared = [...(doc.paths[template]!.parameters ?? []), ...(operation.parameters ?? [])].map(
      (p, i) => resolveLocal<ParameterObject>(doc, p, [...at, 'parameters', String(i)]).value,
    );
    const pathParams = declared.filter((p) => p.in === 'path');
    for (const name of inPath) {
      const param = pathParams.find((p) => p.name === name);
      if (!param) problems.push(`${method.toUpperCase()} ${template}: {${name}} is not declared`);
      else if (param.required !== true) problems.push(`${method.toUpperCase()} ${template}: {${name}} must be required`);
    }
    for (const p of pathParams) if (!inPath.includes(p.name)) problems.push(`${method.toUpperCase()} ${template}: ${p.name} is not in the path`);
    const keys = declared.map((p) => `${p.in}:${p.name}`);
    if (new Set(keys).size !== keys.length) problems.push(`${method.toUpperCase()} ${template}: a parameter is declared twice`);
    for (const p of declared) if (p.schema === undefined) problems.push(`${method.toUpperCase()} ${template}: ${p.name} has no schema`);
  }
  assert.deepEqual(problems, []);
});

test('every operation has a unique operationId and described responses with valid status keys', () => {
  const ids = new Map<string, string>();
  const problems: string[] = [];
  for (const { method, template, operation, at } of operations()) {
    const name = `${method.toUpperCase()} ${template}`;
    if (!operation.operationId) problems.push(`${name}: no operationId`);
    else if (ids.has(operation.operationId)) problems.push(`${name}: operationId ${operation.operationId} is also ${ids.get(operation.operationId)}`);
    else ids.set(operation.operationId, name);
    const statuses = Object.keys(operation.responses ?? {});
    if (statuses.length === 0) problems.push(`${name}: no responses`);
    if (!statuses.some((s) => /^2/.test(s))) problems.push(`${name}: no success response`);
    for (const status of statuses) {
      if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${name}: bad status key ${status}`);
      const { value } = resolveLocal<ResponseObject>(doc, operation.responses[status]!, [...at, 'responses', status]);
      if (typeof value.description !== 'string' || !value.description) problems.push(`${name} ${status}: no description`);
    }
  }
  assert.deepEqual(problems, []);
});

test('every operation has one declared tag, a v3 one exactly when its path is under /v3 (coverage is checked by tag)', () => {
  const declared = new Set(((doc.tags ?? []) as Array<{ name: string }>).map((tag) => tag.name));
  const problems: string[] = [];
  for (const { method, template, operation } of operations()) {
    const name = `${method.toUpperCase()} ${template}`;
    const tag = operation.tags?.[0];
    if (operation.tags?.length !== 1 || !tag || !declared.has(tag)) problems.push(`${name}: tags ${JSON.stringify(operation.tags)}`);
    else if (template.startsWith('/v3/') !== tag.startsWith('v3 ')) problems.push(`${name}: tag ${tag}`);
  }
  assert.deepEqual(problems, []);
});

test("an operation's summary names Confluent's resource name for it, the one rate.limit.costs takes", () => {
  const problems: string[] = [];
  for (const { method, template, operation } of operations()) {
    // `(api.v2.produce-to-topic.*)`: one name per embedded format.
    const named = /\((api\.v[23]\.[^)\s]+?)(?:[.-]\*)?\)\s*$/.exec(operation.summary ?? '')?.[1] ?? null;
    const concrete = template.replace(/\{(partition|partition_id|broker_id)\}/g, '0').replace(/\{[^}]+\}/g, 'x');
    const costed = endpointName(method.toUpperCase(), concrete);
    if (named === null && (costed === null || costed === 'api.v2.partitions.consume')) continue; // health; the simple consumer is an extension
    if (named !== costed) problems.push(`${method.toUpperCase()} ${template}: summary ${named}, rate limits ${costed}`);
  }
  assert.deepEqual(problems, []);
});

test('media types are the ones the proxy speaks', () => {
  const known = new Set<string>(Object.values(MediaType));
  const unknown: string[] = [];
  for (const { node, at } of walk(doc)) {
    if (at.at(-1) !== 'content') continue;
    for (const type of Object.keys(node)) if (!known.has(type)) unknown.push(`${show(at)}: ${type}`);
  }
  assert.deepEqual(unknown, []);
});

test('every error response carries the shared error envelope (but the documented exceptions)', () => {
  // These answer an error status with another body, on purpose (see their descriptions).
  const exceptions = new Set(['POST /topics/{topic} 401', 'POST /topics/{topic} 403', 'POST /topics/{topic}/partitions/{partition} 401', 'POST /topics/{topic}/partitions/{partition} 403', 'GET /health/ready 503']);
  const problems: string[] = [];
  const check = (name: string, response: ResponseObject) => {
    const content = Object.entries(response.content ?? {});
    if (content.length === 0) problems.push(`${name}: no content`);
    for (const [type, media] of content) {
      if ((media.schema as Reference | undefined)?.$ref !== '#/components/schemas/Error') problems.push(`${name} ${type}: not the Error schema`);
    }
  };
  for (const { method, template, operation, at } of operations()) {
    for (const [status, response] of Object.entries(operation.responses)) {
      const name = `${method.toUpperCase()} ${template} ${status}`;
      if (Number(status) < 400 || exceptions.has(name)) continue;
      check(name, resolveLocal<ResponseObject>(doc, response, [...at, 'responses', status]).value);
    }
  }
  for (const [name, response] of Object.entries((doc['x-unrouted'] ?? {}) as Record<string, Reference>)) {
    check(`x-unrouted ${name}`, resolveLocal<ResponseObject>(doc, response, ['x-unrouted', name]).value);
  }
  assert.ok(doc['x-unrouted'], 'x-unrouted documents unknown paths (404) and methods (405)');
  const envelope = doc.components?.schemas?.Error as { required?: string[]; additionalProperties?: boolean } | undefined;
  assert.deepEqual(envelope?.required, ['error_code', 'message']);
  assert.equal(envelope?.additionalProperties, false);
  assert.deepEqual(problems, []);
});

test('every schema compiles under strict JSON Schema 2020-12, and every example validates', () => {
  const ajv = createAjv(doc);
  const problems: string[] = [];
  const compile = (at: string[]) => {
    try {
      return ajv.compile({ $ref: `${DOCUMENT_ID}#${pointerFragment(at)}` });
    } catch (error) {
      problems.push(`${show(at)}: ${(error as Error).message}`);
      return null;
    }
  };
  for (const name of Object.keys(doc.components?.schemas ?? {})) compile(['components', 'schemas', name]);
  for (const { node, at } of walk(doc)) {
    const parent = at.at(-2);
    // Media type objects (.../content/<type>) and parameter objects hold schemas.
    if (parent === 'content' || (typeof node.in === 'string' && typeof node.name === 'string')) {
      if (node.schema === undefined) continue;
      const validate = compile([...at, 'schema']);
      if (validate && 'example' in node && !validate(node.example)) {
        problems.push(`${show(at)}: the example does not validate: ${ajv.errorsText(validate.errors)}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

// ---- the documented routes are exactly the registered ones ------------------------------------

/** `METHOD /template` of every `router.get|post|delete|...(path, ...)` call in a source file. */
function registeredRoutes(source: string, file: string): string[] {
  const strings = new Map<string, string>();
  for (const m of source.matchAll(/\bconst\s+(\w+)\s*=\s*(['"`])((?:(?!\2)[^\\])*)\2\s*;/g)) strings.set(m[1]!, m[3]!);
  const loops = new Map<string, string[]>();
  for (const m of source.matchAll(/\bfor\s*\(\s*const\s+(\w+)\s+of\s+\[([^\]]*)\]/g)) {
    loops.set(m[1]!, [...m[2]!.matchAll(/(['"])([^'"]*)\1/g)].map((v) => v[2]!));
  }
  const expand = (text: string, depth = 0): string[] => {
    const m = /\$\{\s*(\w+)\s*\}/.exec(text);
    if (!m) return [text];
    const name = m[1]!;
    const values = strings.has(name) ? [strings.get(name)!] : loops.get(name);
    if (!values || depth > 10) throw new Error(`${file}: cannot resolve \${${name}} in ${text}`);
    return values.flatMap((v) => expand(text.slice(0, m.index) + v + text.slice(m.index + m[0].length), depth + 1));
  };
  const routes: string[] = [];
  for (const m of source.matchAll(/\brouter\.(get|post|put|patch|delete|del|head|options|all)\(\s*([^,)]+?)\s*[,)]/g)) {
    const method = m[1]! === 'del' ? 'delete' : m[1]!;
    if (method === 'all') throw new Error(`${file}: router.all() cannot be documented per method`);
    const arg = m[2]!;
    const literal = /^(['"`])(.*)\1$/.exec(arg);
    let paths: string[];
    if (literal) paths = literal[1] === '`' ? expand(literal[2]!) : [literal[2]!];
    else if (/^\w+$/.test(arg) && strings.has(arg)) paths = expand(strings.get(arg)!);
    else throw new Error(`${file}: cannot read the path of router.${m[1]}(${arg}, ...)`);
    // `\\:` is an escaped colon (`configs\\:alter`), a literal; `:name` is a parameter.
    for (const path of paths) routes.push(`${method.toUpperCase()} ${path.replaceAll('\\\\:', '\u0000').replace(/:(\w+)/g, '{$1}').replaceAll('\u0000', ':')}`);
  }
  return routes;
}

test('the route parser reads literals, template strings with consts, and loop variables', () => {
  const source = [
    "const base = '/consumers/:group/instances/:instance';",
    "router.get('/', v2, (ctx) => {});",
    'router.delete(base, accepts, v2, async (ctx) => {});',
    'router.post(`${base}/subscription`, accepts);',
    "for (const edge of ['beginning', 'end'] as const) {",
    '  router.post(`${base}/positions/${edge}`, accepts, v2, async (ctx) => {});',
    '}',
  ].join('\n');
  assert.deepEqual(registeredRoutes(source, 'example.ts'), [
    'GET /',
    'DELETE /consumers/{group}/instances/{instance}',
    'POST /consumers/{group}/instances/{instance}/subscription',
    'POST /consumers/{group}/instances/{instance}/positions/beginning',
    'POST /consumers/{group}/instances/{instance}/positions/end',
  ]);
  assert.throws(() => registeredRoutes('router.get(`/x/${unknown}`, h);', 'bad.ts'), /cannot resolve/);
  assert.throws(() => registeredRoutes('router.get(pathFor(x), h);', 'bad.ts'), /cannot read the path/);
});

test('the document lists exactly the routes of the main listener', () => {
  assert.ok(ROUTE_SOURCES.length >= 4, 'the route sources were found');
  const registered = new Set(
    ROUTE_SOURCES.flatMap(({ url, prefix }) =>
      registeredRoutes(readFileSync(url, 'utf8'), url.pathname).map((route) => route.replace(' ', ` ${prefix}`)),
    ),
  );
  const documented = new Set(operations().map(({ method, template }) => `${method.toUpperCase()} ${template}`));
  const undocumented = [...registered].filter((r) => !documented.has(r)).sort();
  const unregistered = [...documented].filter((r) => !registered.has(r)).sort();
  assert.deepEqual({ undocumented, unregistered }, { undocumented: [], unregistered: [] });
  assert.ok(registered.size >= 26 + 50, `expected the full v2 and v3 surface, found ${registered.size} routes`);
});

// ---- findOperation ----------------------------------------------------------------------------

test('findOperation matches concrete paths to templates, with or without a trailing slash', () => {
  const template = (method: string, path: string) => findOperation(doc, method, path)?.pathTemplate ?? null;
  assert.equal(template('GET', '/'), '/');
  assert.equal(template('POST', '/'), '/');
  assert.equal(template('GET', '/topics'), '/topics');
  assert.equal(template('GET', '/topics/'), '/topics');
  assert.equal(template('GET', '/topics/t1'), '/topics/{topic}');
  assert.equal(template('post', '/topics/t1/partitions/0'), '/topics/{topic}/partitions/{partition}');
  assert.equal(template('GET', '/topics/t1/partitions/0/messages?offset=0&count=2'), '/topics/{topic}/partitions/{partition}/messages');
  assert.equal(template('GET', '/consumers/g1/instances/c1/records/'), '/consumers/{group}/instances/{instance}/records');
  assert.equal(template('POST', '/consumers/g1/instances/c1/positions/end'), '/consumers/{group}/instances/{instance}/positions/end');
  assert.equal(template('DELETE', '/consumers/g1/instances/c1'), '/consumers/{group}/instances/{instance}');
  assert.equal(findOperation(doc, 'POST', '/topics/t1/partitions/0')?.operation.operationId, 'produceToPartition');

  assert.equal(template('PUT', '/topics'), null, 'a documented path with another method');
  assert.equal(template('GET', '/nope'), null);
  assert.equal(template('GET', '/topics/t1/extra/x'), null);
  assert.equal(template('GET', '/consumers//instances/c1/records'), null, 'an empty segment is no parameter');
  assert.equal(findPathTemplate(doc, '/topics'), '/topics');
  assert.equal(findPathTemplate(doc, '/nope'), null);
});

// ---- the checker ----------------------------------------------------------------------------------

test('checkResponse: accepts what the document says and names what it does not', () => {
  const V2 = MediaType.V2;
  assert.deepEqual(checkResponse('GET', 'http://h:1/', 200, V2, {}), []);
  assert.deepEqual(checkResponse('GET', '/topics/', 200, `${MediaType.JSON}; charset=utf-8`, ['a']), [], 'parameters of Content-Type are ignored');
  assert.deepEqual(checkResponse('GET', '/topics/t/partitions/9', 404, V2, { error_code: 40402, message: 'Partition not found.' }), []);
  assert.deepEqual(checkResponse('DELETE', '/consumers/g/instances/c', 204, null, undefined), []);
  assert.deepEqual(checkResponse('PUT', '/topics', 405, V2, { error_code: 405, message: 'HTTP 405 Method Not Allowed' }), []);
  assert.deepEqual(checkResponse('GET', '/nope', 404, MediaType.JSON, { error_code: 404, message: 'HTTP 404 Not Found' }), []);

  const one = (problems: string[], pattern: RegExp) => {
    assert.equal(problems.length >= 1, true, 'a problem is reported');
    assert.match(problems.join('\n'), pattern);
  };
  one(checkResponse('GET', '/nope', 200, V2, {}), /not in the document/);
  one(checkResponse('PATCH', '/topics/t', 200, V2, {}), /PATCH on \/topics\/\{topic\} is not in the document/);
  one(checkResponse('GET', '/brokers', 418, V2, {}), /status 418 is not documented/);
  one(checkResponse('GET', '/brokers', 200, 'text/plain', 'x'), /Content-Type text\/plain is not documented/);
  one(checkResponse('GET', '/brokers', 200, null, { brokers: [1] }), /no Content-Type/);
  one(checkResponse('GET', '/brokers', 200, V2, { brokers: ['1'] }), /body\/brokers\/0 must be integer/);
  one(checkResponse('GET', '/', 200, V2, { extra: true }), /must NOT have additional properties/);
  one(checkResponse('GET', '/topics/t', 404, V2, { error_code: '40403', message: 'x' }), /body\/error_code must be integer/);
  one(checkResponse('GET', '/topics/t', 404, V2, { message: 'x' }), /must have required property 'error_code'/);
  one(checkResponse('DELETE', '/consumers/g/instances/c', 204, V2, { a: 1 }), /none is documented/);
  one(
    checkResponse('POST', '/topics/t', 200, V2, {
      offsets: [{ partition: 0, offset: null, error_code: null, error: null }],
      key_schema_id: null,
      value_schema_id: null,
    }),
    /offsets\/0\/offset must be integer/,
  );
});
