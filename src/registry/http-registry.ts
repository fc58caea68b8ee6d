/**
 * A SchemaRegistry reached over HTTP: Confluent Schema Registry or anything speaking its REST API
 * (Karapace, Apicurio's ccompat API, Redpanda). Uses Node's fetch.
 *
 * Registry error envelopes ({"error_code", "message"}) become RegistryError(error_code, message,
 * HTTP status). A registry that cannot be reached (connection refused, DNS failure, timeout)
 * becomes RegistryError(50001, "Schema registry unreachable at <url>: <reason>", 503). Several
 * URLs may be given (a list or comma-separated, as Confluent's schema.registry.url allows); the
 * next one is tried when one cannot be reached.
 */
import {
  RegistryError,
  type RegisteredSchema,
  type SchemaDefinition,
  type SchemaReference,
  type SchemaRegistry,
  type SchemaType,
  type SubjectVersion,
} from './schema-registry.ts';

export const REGISTRY_UNREACHABLE = 50001;

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const ACCEPT = 'application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5';

export interface HttpRegistryOptions {
  /** Base URL(s) of the registry, e.g. http://localhost:8081 (a list or comma-separated). */
  url: string | readonly string[];
  basicAuth?: { username: string; password: string };
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** For tests: a fetch implementation (default: globalThis.fetch). */
  fetch?: typeof fetch;
}

interface SchemaBody {
  id?: number;
  subject?: string;
  version?: number;
  schema?: string;
  schemaType?: SchemaType;
  references?: SchemaReference[];
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'request timed out';
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: string }).code;
    return code && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return error.message;
}

export class HttpRegistry implements SchemaRegistry {
  private readonly urls: string[];
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: HttpRegistryOptions) {
    const list = typeof options.url === 'string' ? options.url.split(',') : [...options.url];
    this.urls = list.map((url) => url.trim().replace(/\/+$/, '')).filter((url) => url.length > 0);
    if (this.urls.length === 0) throw new Error('HttpRegistry needs at least one URL');
    for (const url of this.urls) {
      if (!/^https?:\/\//i.test(url)) throw new Error(`Schema registry URL ${url} must start with http:// or https://`);
    }
    this.authorization = options.basicAuth
      ? `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`, 'utf8').toString('base64')}`
      : undefined;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  async register(subject: string, schema: SchemaDefinition): Promise<number> {
    const body: Record<string, unknown> = { schema: schema.schema };
    if (schema.schemaType && schema.schemaType !== 'AVRO') body['schemaType'] = schema.schemaType;
    if (schema.references && schema.references.length > 0) body['references'] = schema.references;
    const answer = await this.request<SchemaBody>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, body);
    if (typeof answer.id !== 'number') throw this.malformed(`POST /subjects/${subject}/versions`, 'no id');
    return answer.id;
  }

  async getById(id: number): Promise<RegisteredSchema> {
    const answer = await this.request<SchemaBody>('GET', `/schemas/ids/${encodeURIComponent(String(id))}`);
    if (typeof answer.schema !== 'string') throw this.malformed(`GET /schemas/ids/${id}`, 'no schema');
    return {
      id,
      schemaType: answer.schemaType ?? 'AVRO',
      schema: answer.schema,
      references: answer.references ?? [],
    };
  }

  async getVersion(subject: string, version: number | 'latest'): Promise<SubjectVersion> {
    const path = `/subjects/${encodeURIComponent(subject)}/versions/${encodeURIComponent(String(version))}`;
    const answer = await this.request<SchemaBody>('GET', path);
    if (typeof answer.schema !== 'string' || typeof answer.id !== 'number' || typeof answer.version !== 'number') {
      throw this.malformed(`GET ${path}`, 'no schema, id or version');
    }
    return {
      subject: answer.subject ?? subject,
      version: answer.version,
      id: answer.id,
      schemaType: answer.schemaType ?? 'AVRO',
      schema: answer.schema,
      references: answer.references ?? [],
    };
  }

  private malformed(what: string, detail: string): RegistryError {
    return new RegistryError(50002, `Schema registry answered ${what} with an unexpected body (${detail})`, 502);
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: ACCEPT };
    if (body !== undefined) headers['Content-Type'] = CONTENT_TYPE;
    if (this.authorization) headers['Authorization'] = this.authorization;
    let lastError: RegistryError | undefined;
    for (const base of this.urls) {
      let response: Response;
      let text: string;
      try {
        response = await this.fetchImpl(`${base}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        const reason = describeCause(error);
        lastError = new RegistryError(
          REGISTRY_UNREACHABLE,
          `Schema registry unreachable at ${base}: ${reason === 'request timed out' ? `no answer within ${this.timeoutMs} ms` : reason}`,
          503,
        );
        continue;
      }
      let json: unknown;
      try {
        json = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if (response.ok) {
        if (json === undefined || json === null || typeof json !== 'object') {
          throw new RegistryError(50002, `Schema registry answered ${method} ${path} with a body that is not a JSON object`, 502);
        }
        return json as T;
      }
      const envelope = json as { error_code?: unknown; message?: unknown } | undefined;
      if (envelope && typeof envelope.error_code === 'number') {
        throw new RegistryError(
          envelope.error_code,
          typeof envelope.message === 'string' ? envelope.message : `HTTP ${response.status}`,
          response.status,
        );
      }
      throw new RegistryError(
        response.status,
        `Schema registry answered ${method} ${path} with HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
        response.status,
      );
    }
    throw lastError ?? new RegistryError(REGISTRY_UNREACHABLE, 'Schema registry unreachable', 503);
  }
}
