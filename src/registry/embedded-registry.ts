/**
 * The embedded, in-process schema registry: Confluent Schema Registry semantics over RegistryStore.
 *
 * - register = POST /subjects/{s}/versions: an identical schema (same type, canonical text and
 *   references) already live in the subject returns its id; otherwise the schema is checked against
 *   the subject's live versions at the subject's compatibility level (else the global one, else
 *   BACKWARD) and appended as a new version (409 when incompatible). Ids are global: the same
 *   schema registered under another subject gets the same id.
 * - Deletes follow Confluent: soft first, then permanent; a version another schema references
 *   cannot be deleted (42206).
 * The synchronous methods are what the REST routes use; the async ones implement SchemaRegistry.
 */
import type { Database } from 'better-sqlite3';
import {
  RegistryError,
  type RegisteredSchema,
  type SchemaDefinition,
  type SchemaReference,
  type SchemaRegistry,
  type SchemaType,
  type SubjectVersion,
} from './schema-registry.ts';
import { RegistryStore, type StoredVersion } from './registry-store.ts';
import { parseSchema, RegistryErrorCode, SCHEMA_TYPES, type ParsedSchema } from './schema-types.ts';
import {
  checkCompatibility,
  DEFAULT_COMPATIBILITY,
  type CompatibilityLevel,
} from './compatibility.ts';

export type VersionSelector = number | 'latest';

export interface EmbeddedRegistryOptions {
  /** The level when neither the subject nor the global config sets one (BACKWARD). */
  defaultCompatibility?: CompatibilityLevel;
}

export interface CompatibilityResult {
  isCompatible: boolean;
  messages: string[];
}

export const RegistryErrors = {
  subjectNotFound: (subject: string) => new RegistryError(RegistryErrorCode.SubjectNotFound, `Subject '${subject}' not found.`, 404),
  versionNotFound: (version: VersionSelector) =>
    new RegistryError(RegistryErrorCode.VersionNotFound, `Version ${version} not found.`, 404),
  schemaNotFound: (id?: number) =>
    new RegistryError(RegistryErrorCode.SchemaNotFound, id === undefined ? 'Schema not found' : `Schema ${id} not found`, 404),
  subjectSoftDeleted: (subject: string) =>
    new RegistryError(
      RegistryErrorCode.SubjectSoftDeleted,
      `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`,
      404,
    ),
  subjectNotSoftDeleted: (subject: string) =>
    new RegistryError(
      RegistryErrorCode.SubjectNotSoftDeleted,
      `Subject '${subject}' was not deleted first before being permanently deleted`,
      404,
    ),
  versionSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      RegistryErrorCode.VersionSoftDeleted,
      `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`,
      404,
    ),
  versionNotSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      RegistryErrorCode.VersionNotSoftDeleted,
      `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`,
      404,
    ),
  subjectConfigNotFound: (subject: string) =>
    new RegistryError(
      RegistryErrorCode.SubjectConfigNotFound,
      `Subject '${subject}' does not have subject-level compatibility configured`,
      404,
    ),
  incompatible: (subject: string, messages: string[]) =>
    new RegistryError(
      RegistryErrorCode.Incompatible,
      `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${messages.join(', ')}]`,
      409,
    ),
  referenceExists: (subject: string, version?: number) =>
    new RegistryError(
      RegistryErrorCode.ReferenceExists,
      `One or more references exist to the schema {subject=${subject}${version === undefined ? '' : `,version=${version}`}}.`,
      422,
    ),
  invalidSubject: (subject: string) => new RegistryError(RegistryErrorCode.InvalidSubject, `Invalid subject ${JSON.stringify(subject)}`, 422),
  storeError: () => new RegistryError(RegistryErrorCode.StoreError, 'Error in the backend data store', 500),
};

export class EmbeddedRegistry implements SchemaRegistry {
  private readonly parsed = new Map<number, ParsedSchema>();
  private readonly defaultCompatibility: CompatibilityLevel;

  constructor(
    readonly store: RegistryStore,
    options: EmbeddedRegistryOptions = {},
  ) {
    this.defaultCompatibility = options.defaultCompatibility ?? DEFAULT_COMPATIBILITY;
  }

  /** A registry over a database migrate() has run on (e.g. the journal's). */
  static open(db: Database, options?: EmbeddedRegistryOptions): EmbeddedRegistry {
    return new EmbeddedRegistry(new RegistryStore(db), options);
  }

  // ------------------------------------------------------------ SchemaRegistry

  async register(subject: string, schema: SchemaDefinition): Promise<number> {
    return guard(() => this.registerVersion(subject, schema).id);
  }

  async getById(id: number): Promise<RegisteredSchema> {
    return guard(() => this.schemaById(id));
  }

  async getVersion(subject: string, version: VersionSelector): Promise<SubjectVersion> {
    return guard(() => this.subjectVersion(subject, version));
  }

  // ------------------------------------------------------------ schemas

  schemaTypes(): SchemaType[] {
    return [...SCHEMA_TYPES];
  }

  /** Parses and validates a definition (42201 when invalid), resolving its references. */
  parse(definition: SchemaDefinition): ParsedSchema {
    return parseSchema(definition, (reference) => this.resolveReference(reference));
  }

  schemaById(id: number): RegisteredSchema {
    const stored = Number.isSafeInteger(id) ? this.store.schema(id) : undefined;
    if (!stored || this.store.versionsOfSchema(id, true).length === 0) throw RegistryErrors.schemaNotFound(id);
    return { id: stored.id, schemaType: stored.schemaType, schema: stored.schema, references: stored.references };
  }

  /** The subject versions that use the schema; 40403 when the id is unknown. */
  subjectVersionsOfSchema(id: number, includeDeleted = false): Array<{ subject: string; version: number }> {
    this.schemaById(id);
    return this.store.versionsOfSchema(id, includeDeleted).map(({ subject, version }) => ({ subject, version }));
  }

  // ------------------------------------------------------------ subjects

  subjects(includeDeleted = false): string[] {
    return this.store.subjects(includeDeleted);
  }

  /** Version numbers of the subject, oldest first; 40401 when it has none. */
  versions(subject: string, includeDeleted = false): number[] {
    const versions = this.store.versions(subject, includeDeleted);
    if (versions.length === 0) throw RegistryErrors.subjectNotFound(subject);
    return versions.map((v) => v.version);
  }

  subjectVersion(subject: string, version: VersionSelector, includeDeleted = false): SubjectVersion {
    const row = this.findVersion(subject, version, includeDeleted);
    return this.toSubjectVersion(row);
  }

  /** Registers (or finds) the schema under the subject: Confluent's POST /subjects/{s}/versions. */
  registerVersion(subject: string, definition: SchemaDefinition): { id: number; version: number } {
    validateSubject(subject);
    const candidate = this.parse(definition);
    return this.store.transaction(() => {
      const live = this.store.versions(subject);
      const existingId = this.store.findSchemaId(candidate.schemaType, candidate.canonical, candidate.references);
      if (existingId !== undefined) {
        const same = live.filter((v) => v.schemaId === existingId).at(-1);
        if (same) return { id: existingId, version: same.version };
      }
      const level = this.effectiveCompatibility(subject);
      const messages = checkCompatibility(
        level,
        candidate,
        live.map((v) => this.parsedById(v.schemaId)),
      );
      if (messages.length > 0) throw RegistryErrors.incompatible(subject, messages);
      const id = this.store.schemaId(candidate.schemaType, candidate.canonical, candidate.references);
      this.parsed.set(id, candidate);
      const version = this.store.addVersion(subject, id);
      return { id, version };
    });
  }

  /** Is this schema registered under the subject? Confluent's POST /subjects/{s}. */
  lookup(subject: string, definition: SchemaDefinition, includeDeleted = false): SubjectVersion {
    const versions = this.store.versions(subject, includeDeleted);
    if (versions.length === 0) throw RegistryErrors.subjectNotFound(subject);
    const candidate = this.parse(definition);
    const id = this.store.findSchemaId(candidate.schemaType, candidate.canonical, candidate.references);
    const match = id === undefined ? undefined : versions.filter((v) => v.schemaId === id).at(-1);
    if (!match) throw RegistryErrors.schemaNotFound();
    return this.toSubjectVersion(match);
  }

  /** Soft-deletes every live version, or with permanent removes a soft-deleted subject. */
  deleteSubject(subject: string, permanent = false): number[] {
    return this.store.transaction(() => {
      const all = this.store.versions(subject, true);
      if (all.length === 0) throw RegistryErrors.subjectNotFound(subject);
      const live = all.filter((v) => !v.deleted);
      if (!permanent && live.length === 0) throw RegistryErrors.subjectSoftDeleted(subject);
      if (permanent && live.length > 0) throw RegistryErrors.subjectNotSoftDeleted(subject);
      const targets = permanent ? all : live;
      for (const v of targets) {
        if (this.isReferencedElsewhere(subject, v.version)) throw RegistryErrors.referenceExists(subject);
      }
      for (const v of targets) {
        if (permanent) this.store.hardDeleteVersion(subject, v.version);
        else this.store.softDeleteVersion(subject, v.version);
      }
      this.store.deleteCompatibility(subject);
      return targets.map((v) => v.version);
    });
  }

  /** Soft-deletes a version, or with permanent removes a soft-deleted one. Returns its number. */
  deleteVersion(subject: string, version: VersionSelector, permanent = false): number {
    return this.store.transaction(() => {
      const all = this.store.versions(subject, true);
      if (all.length === 0) throw RegistryErrors.subjectNotFound(subject);
      const row =
        version === 'latest'
          ? (permanent ? all : all.filter((v) => !v.deleted)).at(-1)
          : all.find((v) => v.version === version);
      if (!row) throw RegistryErrors.versionNotFound(version);
      if (!permanent && row.deleted) throw RegistryErrors.versionSoftDeleted(subject, row.version);
      if (permanent && !row.deleted) throw RegistryErrors.versionNotSoftDeleted(subject, row.version);
      if (this.isReferencedElsewhere(subject, row.version)) throw RegistryErrors.referenceExists(subject, row.version);
      if (permanent) this.store.hardDeleteVersion(subject, row.version);
      else this.store.softDeleteVersion(subject, row.version);
      return row.version;
    });
  }

  // ------------------------------------------------------------ compatibility

  /** The subject's level (null: the global one). Without defaultToGlobal an unset subject is 40408. */
  getCompatibility(subject: string | null, defaultToGlobal = false): CompatibilityLevel {
    if (subject === null) return this.store.compatibility(null) ?? this.defaultCompatibility;
    const own = this.store.compatibility(subject);
    if (own) return own;
    if (defaultToGlobal) return this.store.compatibility(null) ?? this.defaultCompatibility;
    throw RegistryErrors.subjectConfigNotFound(subject);
  }

  setCompatibility(subject: string | null, level: CompatibilityLevel): CompatibilityLevel {
    if (subject !== null) validateSubject(subject);
    this.store.setCompatibility(subject, level);
    return level;
  }

  /** Removes the subject's (null: global) level, returning the level in force before. */
  deleteCompatibility(subject: string | null): CompatibilityLevel {
    if (subject === null) return this.store.deleteCompatibility(null) ?? this.defaultCompatibility;
    const own = this.store.compatibility(subject);
    if (!own && this.store.versions(subject, true).length === 0) throw RegistryErrors.subjectNotFound(subject);
    this.store.deleteCompatibility(subject);
    return own ?? this.getCompatibility(null);
  }

  effectiveCompatibility(subject: string): CompatibilityLevel {
    return this.store.compatibility(subject) ?? this.store.compatibility(null) ?? this.defaultCompatibility;
  }

  /**
   * Would the schema be accepted? Without a version: against the live versions as register does;
   * with one: against that version only, in the directions the subject's level asks for.
   */
  testCompatibility(subject: string, version: VersionSelector | undefined, definition: SchemaDefinition): CompatibilityResult {
    const live = this.store.versions(subject);
    let against: StoredVersion[];
    if (version === undefined) against = live;
    else if (version === 'latest' && live.length === 0) against = [];
    else against = [this.findVersion(subject, version, false)];
    const candidate = this.parse(definition);
    const level = this.effectiveCompatibility(subject);
    const single = version === undefined ? level : (level.replace('_TRANSITIVE', '') as CompatibilityLevel);
    const messages = checkCompatibility(
      single,
      candidate,
      against.map((v) => this.parsedById(v.schemaId)),
    );
    return { isCompatible: messages.length === 0, messages };
  }

  // ------------------------------------------------------------ internals

  private findVersion(subject: string, version: VersionSelector, includeDeleted: boolean): StoredVersion {
    const versions = this.store.versions(subject, includeDeleted);
    if (versions.length === 0) throw RegistryErrors.subjectNotFound(subject);
    const row = version === 'latest' ? versions.at(-1) : versions.find((v) => v.version === version);
    if (!row) throw RegistryErrors.versionNotFound(version);
    return row;
  }

  private toSubjectVersion(row: StoredVersion): SubjectVersion {
    const stored = this.store.schema(row.schemaId);
    if (!stored) throw RegistryErrors.storeError();
    return {
      subject: row.subject,
      version: row.version,
      id: stored.id,
      schemaType: stored.schemaType,
      schema: stored.schema,
      references: stored.references,
    };
  }

  private resolveReference(reference: SchemaReference): SchemaDefinition {
    const version: VersionSelector = reference.version === -1 ? 'latest' : reference.version;
    const found = this.subjectVersion(reference.subject, version, true);
    return { schemaType: found.schemaType, schema: found.schema, references: found.references };
  }

  private parsedById(id: number): ParsedSchema {
    let parsed = this.parsed.get(id);
    if (!parsed) {
      const stored = this.store.schema(id);
      if (!stored) throw RegistryErrors.storeError();
      parsed = this.parse(stored);
      this.parsed.set(id, parsed);
    }
    return parsed;
  }

  private isReferencedElsewhere(subject: string, version: number): boolean {
    return this.store.referencedBy(subject, version).length > 0;
  }
}

function validateSubject(subject: string): void {
  // eslint-disable-next-line no-control-regex
  if (typeof subject !== 'string' || subject.trim() === '' || /[\u0000-\u001f]/.test(subject)) {
    throw RegistryErrors.invalidSubject(String(subject));
  }
}

/** Store failures (SQLite) become 50001; RegistryErrors pass through. */
async function guard<T>(fn: () => T): Promise<T> {
  try {
    return fn();
  } catch (error) {
    throw toRegistryError(error);
  }
}

export function toRegistryError(error: unknown): unknown {
  if (error instanceof RegistryError) return error;
  if ((error as { name?: string } | null)?.name === 'SqliteError') return RegistryErrors.storeError();
  return error;
}
