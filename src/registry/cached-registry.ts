/**
 * A SchemaRegistry in front of another one, keeping what does not change:
 *   - id → schema, forever (schema ids are immutable);
 *   - (subject, schema) → id, forever (registering the same schema again gives the same id);
 *   - (subject, numbered version) → schema, forever; (subject, 'latest') for a short while (30 s).
 * Concurrent requests for the same thing share one call to the inner registry. Failures are not
 * kept: the next call asks again.
 */
import type { RegisteredSchema, SchemaDefinition, SchemaRegistry, SubjectVersion } from './schema-registry.ts';

export interface CachedRegistryOptions {
  /** How long 'latest' versions are kept (default 30 s). */
  latestTtlMs?: number;
  /** For tests: the clock. */
  now?: () => number;
}

function definitionKey(subject: string, schema: SchemaDefinition): string {
  return JSON.stringify([subject, schema.schemaType ?? 'AVRO', schema.schema, schema.references ?? []]);
}

export class CachedRegistry implements SchemaRegistry {
  private readonly byId = new Map<number, Promise<RegisteredSchema>>();
  private readonly idByDefinition = new Map<string, Promise<number>>();
  private readonly versions = new Map<string, Promise<SubjectVersion>>();
  private readonly latest = new Map<string, { expires: number; value: Promise<SubjectVersion> }>();
  private readonly latestTtlMs: number;
  private readonly now: () => number;

  constructor(
    readonly inner: SchemaRegistry,
    options: CachedRegistryOptions = {},
  ) {
    this.latestTtlMs = options.latestTtlMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  register(subject: string, schema: SchemaDefinition): Promise<number> {
    return this.remember(this.idByDefinition, definitionKey(subject, schema), () => this.inner.register(subject, schema));
  }

  getById(id: number): Promise<RegisteredSchema> {
    return this.remember(this.byId, id, () => this.inner.getById(id));
  }

  getVersion(subject: string, version: number | 'latest'): Promise<SubjectVersion> {
    if (version !== 'latest') {
      return this.remember(this.versions, `${subject}\u0000${version}`, () => this.fetchVersion(subject, version));
    }
    const cached = this.latest.get(subject);
    if (cached && cached.expires > this.now()) return cached.value;
    const value = this.fetchVersion(subject, 'latest');
    const entry = { expires: this.now() + this.latestTtlMs, value };
    this.latest.set(subject, entry);
    value.catch(() => {
      if (this.latest.get(subject) === entry) this.latest.delete(subject);
    });
    return value;
  }

  /** Forgets everything (e.g. after the registry was replaced). */
  clear(): void {
    this.byId.clear();
    this.idByDefinition.clear();
    this.versions.clear();
    this.latest.clear();
  }

  private async fetchVersion(subject: string, version: number | 'latest'): Promise<SubjectVersion> {
    const found = await this.inner.getVersion(subject, version);
    if (!this.byId.has(found.id)) {
      const { subject: _subject, version: _version, ...registered } = found;
      this.byId.set(found.id, Promise.resolve(registered));
    }
    return found;
  }

  private remember<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    const cached = cache.get(key);
    if (cached) return cached;
    const value = load();
    cache.set(key, value);
    value.catch(() => {
      if (cache.get(key) === value) cache.delete(key);
    });
    return value;
  }
}
