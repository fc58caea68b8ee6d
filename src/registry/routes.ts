/**
 * The Confluent Schema Registry REST API over an EmbeddedRegistry, as its own Koa application.
 *
 * Responses are `application/vnd.schemaregistry.v1+json` (or `application/vnd.schemaregistry+json`
 * / `application/json` when the Accept header prefers them; 406 otherwise). Request bodies may be
 * sent as any of those or `application/octet-stream` (Confluent's list), or without a type; other
 * types get 415. Errors use Confluent's envelope `{"error_code", "message"}`.
 */
import Router from '@koa/router';
import Koa, { type Context, type Middleware, type Next } from 'koa';
import { negotiate, requestMediaType } from '../http/negotiation.ts';
import type { Offer } from '../http/media-types.ts';
import { RegistryError, type SchemaDefinition, type SchemaReference, type SubjectVersion } from './schema-registry.ts';
import { toRegistryError, type EmbeddedRegistry, type VersionSelector } from './embedded-registry.ts';
import { parseCompatibilityLevel } from './compatibility.ts';
import { isSchemaType, RegistryErrorCode } from './schema-types.ts';

export const SchemaRegistryMediaType = {
  V1: 'application/vnd.schemaregistry.v1+json',
  DEFAULT: 'application/vnd.schemaregistry+json',
  JSON: 'application/json',
  OCTET_STREAM: 'application/octet-stream',
} as const;

export const REGISTRY_RESPONSE: Offer[] = [
  { type: SchemaRegistryMediaType.V1, qs: 1 },
  { type: SchemaRegistryMediaType.DEFAULT, qs: 0.9 },
  { type: SchemaRegistryMediaType.JSON, qs: 0.5 },
];

export const REGISTRY_REQUEST_TYPES: readonly string[] = [
  SchemaRegistryMediaType.V1,
  SchemaRegistryMediaType.DEFAULT,
  SchemaRegistryMediaType.JSON,
  SchemaRegistryMediaType.OCTET_STREAM,
];

export interface RegistryAppOptions {
  /** Largest accepted request body (default 16 MiB). */
  maxBodyBytes?: number;
  /** Told about unexpected (500) errors. */
  onError?: (error: unknown, ctx: Context) => void;
  /** Run before the routes: the REST API's authentication (auth/setup.ts). */
  authentication?: readonly Middleware[];
}

const MAX_VERSION = 2 ** 31 - 1;

export function createRegistryApp(registry: EmbeddedRegistry, options: RegistryAppOptions = {}): Koa {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  registerRegistryRoutes(router, registry, options);
  app.use(registryErrorHandler(options));
  for (const middleware of options.authentication ?? []) app.use(middleware);
  app.use(negotiation);
  app.use(router.routes());
  app.use(
    router.allowedMethods({
      throw: true,
      methodNotAllowed: () => new RegistryError(405, 'HTTP 405 Method Not Allowed', 405),
      notImplemented: () => new RegistryError(405, 'HTTP 405 Method Not Allowed', 405),
    }),
  );
  return app;
}

export function registerRegistryRoutes(router: Router, registry: EmbeddedRegistry, options: RegistryAppOptions = {}): void {
  const limit = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const read = (ctx: Context) => readBody(ctx, limit);

  router.get('/', (ctx) => {
    ctx.body = {};
  });

  router.get('/schemas/types', (ctx) => {
    ctx.body = registry.schemaTypes();
  });

  router.get('/schemas/ids/:id', (ctx) => {
    const schema = registry.schemaById(idParam(ctx.params.id));
    ctx.body = withoutDefaults({ schema: schema.schema, schemaType: schema.schemaType, references: schema.references });
  });

  router.get('/schemas/ids/:id/schema', (ctx) => {
    rawBody(ctx, registry.schemaById(idParam(ctx.params.id)).schema);
  });

  router.get('/schemas/ids/:id/versions', (ctx) => {
    ctx.body = registry.subjectVersionsOfSchema(idParam(ctx.params.id), flag(ctx, 'deleted'));
  });

  router.get('/subjects', (ctx) => {
    const prefix = typeof ctx.query.subjectPrefix === 'string' ? ctx.query.subjectPrefix : '';
    ctx.body = registry.subjects(flag(ctx, 'deleted')).filter((s) => s.startsWith(prefix));
  });

  router.get('/subjects/:subject/versions', (ctx) => {
    ctx.body = registry.versions(ctx.params.subject!, flag(ctx, 'deleted'));
  });

  router.get('/subjects/:subject/versions/:version', (ctx) => {
    ctx.body = versionBody(registry.subjectVersion(ctx.params.subject!, versionParam(ctx.params.version), flag(ctx, 'deleted')));
  });

  router.get('/subjects/:subject/versions/:version/schema', (ctx) => {
    rawBody(ctx, registry.subjectVersion(ctx.params.subject!, versionParam(ctx.params.version), flag(ctx, 'deleted')).schema);
  });

  router.get('/subjects/:subject/versions/:version/referencedby', (ctx) => {
    const found = registry.subjectVersion(ctx.params.subject!, versionParam(ctx.params.version), flag(ctx, 'deleted'));
    ctx.body = registry.store.referencedBy(found.subject, found.version);
  });

  router.post('/subjects/:subject/versions', async (ctx) => {
    const definition = schemaDefinition(await read(ctx));
    const { id } = registry.registerVersion(ctx.params.subject!, definition);
    ctx.body = { id };
  });

  router.post('/subjects/:subject', async (ctx) => {
    const definition = schemaDefinition(await read(ctx));
    ctx.body = versionBody(registry.lookup(ctx.params.subject!, definition, flag(ctx, 'deleted')));
  });

  router.delete('/subjects/:subject', (ctx) => {
    ctx.body = registry.deleteSubject(ctx.params.subject!, flag(ctx, 'permanent'));
  });

  router.delete('/subjects/:subject/versions/:version', (ctx) => {
    ctx.body = registry.deleteVersion(ctx.params.subject!, versionParam(ctx.params.version), flag(ctx, 'permanent'));
  });

  router.get('/config', (ctx) => {
    ctx.body = { compatibilityLevel: registry.getCompatibility(null) };
  });

  router.put('/config', async (ctx) => {
    ctx.body = { compatibility: registry.setCompatibility(null, compatibilityBody(await read(ctx))) };
  });

  router.delete('/config', (ctx) => {
    ctx.body = { compatibilityLevel: registry.deleteCompatibility(null) };
  });

  router.get('/config/:subject', (ctx) => {
    ctx.body = { compatibilityLevel: registry.getCompatibility(ctx.params.subject!, flag(ctx, 'defaultToGlobal')) };
  });

  router.put('/config/:subject', async (ctx) => {
    ctx.body = { compatibility: registry.setCompatibility(ctx.params.subject!, compatibilityBody(await read(ctx))) };
  });

  router.delete('/config/:subject', (ctx) => {
    ctx.body = { compatibilityLevel: registry.deleteCompatibility(ctx.params.subject!) };
  });

  const compatibility = async (ctx: Context, version: VersionSelector | undefined) => {
    const definition = schemaDefinition(await read(ctx));
    const result = registry.testCompatibility(ctx.params.subject!, version, definition);
    ctx.body = flag(ctx, 'verbose') ? { is_compatible: result.isCompatible, messages: result.messages } : { is_compatible: result.isCompatible };
  };
  router.post('/compatibility/subjects/:subject/versions/:version', (ctx) => compatibility(ctx, versionParam(ctx.params.version)));
  router.post('/compatibility/subjects/:subject/versions', (ctx) => compatibility(ctx, undefined));
}

// ------------------------------------------------------------ middleware

/** Errors → Confluent's envelope; unknown paths → 404; store failures → 50001. */
export function registryErrorHandler(options: RegistryAppOptions = {}) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new RegistryError(404, 'HTTP 404 Not Found', 404);
    } catch (thrown) {
      const error = asRegistryError(thrown, ctx, options);
      ctx.status = error.status;
      ctx.body = { error_code: error.errorCode, message: error.message };
      ctx.type = (ctx.state.responseType as string | undefined) ?? SchemaRegistryMediaType.V1;
    }
  };
}

function asRegistryError(thrown: unknown, ctx: Context, options: RegistryAppOptions): RegistryError {
  const converted = toRegistryError(thrown);
  if (converted instanceof RegistryError) return converted;
  const e = thrown as { status?: number; errorCode?: number; message?: string; expose?: boolean } | null;
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new RegistryError(e.errorCode ?? e.status, e.message ?? `HTTP ${e.status}`, e.status);
  }
  options.onError?.(thrown, ctx);
  return new RegistryError(500, 'Internal Server Error', 500);
}

async function negotiation(ctx: Context, next: Next): Promise<void> {
  const responseType = negotiate(ctx.get('accept') || undefined, REGISTRY_RESPONSE);
  if (!responseType) {
    throw new RegistryError(406, 'HTTP 406 Not Acceptable', 406);
  }
  ctx.state.responseType = responseType;
  const requestType = requestMediaType(ctx.get('content-type') || undefined);
  if (ctx.method !== 'GET' && ctx.method !== 'DELETE' && requestType && !REGISTRY_REQUEST_TYPES.includes(requestType)) {
    throw new RegistryError(415, 'HTTP 415 Unsupported Media Type', 415);
  }
  await next();
  if (ctx.body !== undefined && ctx.body !== null) ctx.type = responseType;
}

// ------------------------------------------------------------ helpers

async function readBody(ctx: Context, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      ctx.req.resume();
      throw new RegistryError(413, `Request body is larger than the limit of ${limit} bytes.`, 413);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new RegistryError(422, 'Request body is empty', 422);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RegistryError(400, `Unrecognized JSON in the request body: ${(error as Error).message}`, 400);
  }
}

function schemaDefinition(body: unknown): SchemaDefinition {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new RegistryError(RegistryErrorCode.InvalidSchema, 'Invalid schema: the request body must be a JSON object', 422);
  }
  const { schema, schemaType, references } = body as { schema?: unknown; schemaType?: unknown; references?: unknown };
  const type = schemaType === undefined || schemaType === null ? 'AVRO' : typeof schemaType === 'string' ? schemaType.toUpperCase() : schemaType;
  if (!isSchemaType(type)) {
    throw new RegistryError(RegistryErrorCode.InvalidSchema, `Invalid schema type ${JSON.stringify(schemaType)}`, 422);
  }
  if (typeof schema !== 'string' || schema.trim() === '') {
    throw new RegistryError(RegistryErrorCode.InvalidSchema, 'Invalid schema: Empty schema', 422);
  }
  if (references !== undefined && references !== null && !Array.isArray(references)) {
    throw new RegistryError(RegistryErrorCode.InvalidSchema, 'Invalid schema: references must be an array', 422);
  }
  return { schemaType: type, schema, references: (references ?? []) as SchemaReference[] };
}

function compatibilityBody(body: unknown): ReturnType<typeof parseCompatibilityLevel> {
  const value =
    body && typeof body === 'object' && !Array.isArray(body)
      ? ((body as { compatibility?: unknown; compatibilityLevel?: unknown }).compatibility ??
        (body as { compatibilityLevel?: unknown }).compatibilityLevel)
      : undefined;
  return parseCompatibilityLevel(value);
}

function versionParam(raw: string | undefined): VersionSelector {
  if (raw === 'latest' || raw === '-1') return 'latest';
  const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_VERSION) {
    throw new RegistryError(
      RegistryErrorCode.InvalidVersion,
      `The specified version '${raw}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
      422,
    );
  }
  return n;
}

function idParam(raw: string | undefined): number {
  const n = raw !== undefined && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new RegistryError(RegistryErrorCode.SchemaNotFound, `Schema ${raw} not found`, 404);
  return n;
}

function flag(ctx: Context, name: string): boolean {
  const value = ctx.query[name];
  return (Array.isArray(value) ? value[0] : value)?.toLowerCase() === 'true';
}

/** Confluent leaves schemaType out for AVRO and references out when there are none. */
function withoutDefaults<T extends { schemaType: string; references: SchemaReference[] }>(body: T): Partial<T> {
  const out: Partial<T> = { ...body };
  if (body.schemaType === 'AVRO') delete out.schemaType;
  if (body.references.length === 0) delete out.references;
  return out;
}

function versionBody(v: SubjectVersion): Record<string, unknown> {
  return withoutDefaults({
    subject: v.subject,
    version: v.version,
    id: v.id,
    schemaType: v.schemaType,
    references: v.references,
    schema: v.schema,
  });
}

/** The schema text as the body, in the negotiated JSON type (Confluent serves it that way). */
function rawBody(ctx: Context, schema: string): void {
  ctx.body = schema;
}
