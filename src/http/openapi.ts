/**
 * The OpenAPI 3.1 document of the main listener (docs/openapi.json), loaded once, and a lookup
 * from a concrete request path to the documented operation that serves it.
 */
import { readFileSync } from 'node:fs';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
export const HTTP_METHODS: readonly HttpMethod[] = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export interface Reference {
  $ref: string;
}

export interface MediaTypeObject {
  schema?: unknown;
  example?: unknown;
}

export interface ResponseObject {
  description: string;
  content?: Record<string, MediaTypeObject>;
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
  description?: string;
}

export interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<ParameterObject | Reference>;
  requestBody?: { required?: boolean; content: Record<string, MediaTypeObject> } | Reference;
  responses: Record<string, ResponseObject | Reference>;
}

export type PathItem = { parameters?: Array<ParameterObject | Reference> } & { [method in HttpMethod]?: Operation };

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; [key: string]: unknown };
  paths: Record<string, PathItem>;
  components?: {
    schemas?: Record<string, unknown>;
    parameters?: Record<string, ParameterObject>;
    responses?: Record<string, ResponseObject>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export const openApiDocument: OpenApiDocument = JSON.parse(
  readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'),
) as OpenApiDocument;

interface CompiledTemplate {
  template: string;
  segments: Array<string | null>; // null: a {parameter}
  literals: number;
}

const compiled = new WeakMap<OpenApiDocument, CompiledTemplate[]>();

function templatesOf(doc: OpenApiDocument): CompiledTemplate[] {
  let list = compiled.get(doc);
  if (!list) {
    list = Object.keys(doc.paths).map((template) => {
      const segments = splitPath(template).map((s) => (/^\{[^}]+\}$/.test(s) ? null : s));
      return { template, segments, literals: segments.filter((s) => s !== null).length };
    });
    // Literal segments win over parameters (e.g. .../positions/end before a hypothetical .../positions/{x}).
    list.sort((a, b) => b.literals - a.literals);
    compiled.set(doc, list);
  }
  return list;
}

/** Path segments without the query, the fragment, and a trailing slash (`/` has none). */
function splitPath(path: string): string[] {
  const bare = path.split(/[?#]/, 1)[0] ?? '';
  return bare.split('/').filter((segment, i, all) => i > 0 && !(segment === '' && i === all.length - 1));
}

/** The documented path template a concrete path (`/topics/t1/partitions/0/`) belongs to, or null. */
export function findPathTemplate(doc: OpenApiDocument, path: string): string | null {
  const segments = splitPath(path);
  for (const { template, segments: pattern } of templatesOf(doc)) {
    if (pattern.length !== segments.length) continue;
    if (pattern.every((p, i) => (p === null ? segments[i] !== '' : p === segments[i]))) return template;
  }
  return null;
}

/** The documented operation for a method and a concrete path, or null when there is none. */
export function findOperation(
  doc: OpenApiDocument,
  method: string,
  path: string,
): { pathTemplate: string; operation: Operation } | null {
  const pathTemplate = findPathTemplate(doc, path);
  if (pathTemplate === null) return null;
  const operation = doc.paths[pathTemplate]?.[method.toLowerCase() as HttpMethod];
  return operation ? { pathTemplate, operation } : null;
}
