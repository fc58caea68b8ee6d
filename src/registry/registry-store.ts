/**
 * The embedded registry's storage: the tables of migrations/003_schema_registry.sql on a shared
 * better-sqlite3 handle (the journal's, or any database `migrate()` was run on). It knows nothing
 * of schema semantics: callers pass canonical text; ids are global, stable and deduplicated by a
 * fingerprint of (type, canonical text, references). Every method is synchronous; `transaction`
 * groups several into one atomic unit.
 */
import type { Database, Statement } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { SchemaReference, SchemaType } from './schema-registry.ts';
import type { CompatibilityLevel } from './compatibility.ts';

export interface StoredSchema {
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
}

export interface StoredVersion {
  subject: string;
  version: number;
  schemaId: number;
  deleted: boolean;
}

interface SchemaRow {
  id: number;
  schema_type: SchemaType;
  schema: string;
  references_json: string;
}

interface VersionRow {
  subject: string;
  version: number;
  schema_id: number;
  deleted: number;
}

const GLOBAL = '';

export function schemaFingerprint(schemaType: SchemaType, canonical: string, references: SchemaReference[]): string {
  const refs = references.map((r) => [r.name, r.subject, r.version]);
  return createHash('sha256').update(JSON.stringify([schemaType, canonical, refs])).digest('hex');
}

export class RegistryStore {
  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: Database) {}

  private stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs fn in one (immediate) transaction; nests inside an outer one. */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db.transaction(fn).immediate();
  }

  // ------------------------------------------------------------ schemas

  /** The id of this schema, creating it when new. Same type + text + references → same id. */
  schemaId(schemaType: SchemaType, canonical: string, references: SchemaReference[]): number {
    return this.transaction(() => {
      const found = this.findSchemaId(schemaType, canonical, references);
      if (found !== undefined) return found;
      const fingerprint = schemaFingerprint(schemaType, canonical, references);
      const { lastInsertRowid } = this.stmt(
        'INSERT INTO registry_schemas (schema_type, schema, references_json, fingerprint, created_at) VALUES (?, ?, ?, ?, ?)',
      ).run(schemaType, canonical, JSON.stringify(references), fingerprint, Date.now());
      const id = Number(lastInsertRowid);
      const insertRef = this.stmt('INSERT INTO registry_schema_references (schema_id, name, subject, version) VALUES (?, ?, ?, ?)');
      for (const r of references) insertRef.run(id, r.name, r.subject, r.version);
      return id;
    });
  }

  findSchemaId(schemaType: SchemaType, canonical: string, references: SchemaReference[]): number | undefined {
    const row = this.stmt('SELECT id FROM registry_schemas WHERE fingerprint = ?').get(
      schemaFingerprint(schemaType, canonical, references),
    ) as { id: number } | undefined;
    return row?.id;
  }

  /** A schema row by id, whether or not any subject version still uses it. */
  schema(id: number): StoredSchema | undefined {
    const row = this.stmt('SELECT id, schema_type, schema, references_json FROM registry_schemas WHERE id = ?').get(id) as
      | SchemaRow
      | undefined;
    return row && toSchema(row);
  }

  /** Subject versions that use the schema (soft-deleted ones only with includeDeleted). */
  versionsOfSchema(id: number, includeDeleted = false): StoredVersion[] {
    const rows = this.stmt(
      `SELECT subject, version, schema_id, deleted FROM registry_subject_versions
       WHERE schema_id = ? AND (deleted = 0 OR ?) ORDER BY subject, version`,
    ).all(id, includeDeleted ? 1 : 0) as VersionRow[];
    return rows.map(toVersion);
  }

  /** Schemas whose references point at the subject (and version, when given). */
  referencedBy(subject: string, version?: number): number[] {
    const rows = (
      version === undefined
        ? this.stmt('SELECT DISTINCT schema_id FROM registry_schema_references WHERE subject = ?').all(subject)
        : this.stmt('SELECT DISTINCT schema_id FROM registry_schema_references WHERE subject = ? AND version = ?').all(subject, version)
    ) as Array<{ schema_id: number }>;
    // Only references from schemas still registered somewhere count.
    return rows.map((r) => r.schema_id).filter((id) => this.versionsOfSchema(id, true).length > 0);
  }

  // ------------------------------------------------------------ subjects and versions

  subjects(includeDeleted = false): string[] {
    const rows = this.stmt(
      `SELECT DISTINCT subject FROM registry_subject_versions WHERE deleted = 0 OR ? ORDER BY subject`,
    ).all(includeDeleted ? 1 : 0) as Array<{ subject: string }>;
    return rows.map((r) => r.subject);
  }

  /** The subject's versions, oldest first. */
  versions(subject: string, includeDeleted = false): StoredVersion[] {
    const rows = this.stmt(
      `SELECT subject, version, schema_id, deleted FROM registry_subject_versions
       WHERE subject = ? AND (deleted = 0 OR ?) ORDER BY version`,
    ).all(subject, includeDeleted ? 1 : 0) as VersionRow[];
    return rows.map(toVersion);
  }

  version(subject: string, version: number): StoredVersion | undefined {
    const row = this.stmt(
      'SELECT subject, version, schema_id, deleted FROM registry_subject_versions WHERE subject = ? AND version = ?',
    ).get(subject, version) as VersionRow | undefined;
    return row && toVersion(row);
  }

  /** Appends a version (max version so far, soft-deleted ones included, + 1) and returns it. */
  addVersion(subject: string, schemaId: number): number {
    return this.transaction(() => {
      const row = this.stmt('SELECT MAX(version) AS v FROM registry_subject_versions WHERE subject = ?').get(subject) as {
        v: number | null;
      };
      const version = (row.v ?? 0) + 1;
      this.stmt(
        'INSERT INTO registry_subject_versions (subject, version, schema_id, deleted, registered_at) VALUES (?, ?, ?, 0, ?)',
      ).run(subject, version, schemaId, Date.now());
      return version;
    });
  }

  softDeleteVersion(subject: string, version: number): boolean {
    return this.stmt('UPDATE registry_subject_versions SET deleted = 1 WHERE subject = ? AND version = ? AND deleted = 0').run(
      subject,
      version,
    ).changes > 0;
  }

  hardDeleteVersion(subject: string, version: number): boolean {
    return this.stmt('DELETE FROM registry_subject_versions WHERE subject = ? AND version = ?').run(subject, version).changes > 0;
  }

  // ------------------------------------------------------------ config

  /** The level set for the subject, or the global one with subject null; undefined when unset. */
  compatibility(subject: string | null): CompatibilityLevel | undefined {
    const row = this.stmt('SELECT compatibility FROM registry_config WHERE subject = ?').get(subject ?? GLOBAL) as
      | { compatibility: CompatibilityLevel }
      | undefined;
    return row?.compatibility;
  }

  setCompatibility(subject: string | null, level: CompatibilityLevel): void {
    this.stmt(
      `INSERT INTO registry_config (subject, compatibility) VALUES (?, ?)
       ON CONFLICT (subject) DO UPDATE SET compatibility = excluded.compatibility`,
    ).run(subject ?? GLOBAL, level);
  }

  /** Removes the subject's (or with null the global) level; returns what it was. */
  deleteCompatibility(subject: string | null): CompatibilityLevel | undefined {
    return this.transaction(() => {
      const previous = this.compatibility(subject);
      this.stmt('DELETE FROM registry_config WHERE subject = ?').run(subject ?? GLOBAL);
      return previous;
    });
  }
}

function toSchema(row: SchemaRow): StoredSchema {
  return {
    id: row.id,
    schemaType: row.schema_type,
    schema: row.schema,
    references: JSON.parse(row.references_json) as SchemaReference[],
  };
}

function toVersion(row: VersionRow): StoredVersion {
  return { subject: row.subject, version: row.version, schemaId: row.schema_id, deleted: row.deleted !== 0 };
}
