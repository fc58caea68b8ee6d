-- The embedded schema registry (src/registry/registry-store.ts).
-- Schema ids are global and stable: one row per distinct (type, canonical text, references), found
-- again by its fingerprint. Rows are never deleted, so a schema registered again after a permanent
-- delete gets its old id back.
CREATE TABLE registry_schemas (
  id INTEGER PRIMARY KEY,
  schema_type TEXT NOT NULL CHECK (schema_type IN ('AVRO', 'JSON', 'PROTOBUF')),
  schema TEXT NOT NULL,
  references_json TEXT NOT NULL DEFAULT '[]',
  fingerprint TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

-- What each schema references (name → subject/version), to refuse deleting a referenced version.
CREATE TABLE registry_schema_references (
  schema_id INTEGER NOT NULL REFERENCES registry_schemas (id),
  name TEXT NOT NULL,
  subject TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (schema_id, name)
);
CREATE INDEX registry_schema_references_target ON registry_schema_references (subject, version);

-- Versions of subjects; `deleted` = soft-deleted. A permanent delete removes the row.
CREATE TABLE registry_subject_versions (
  subject TEXT NOT NULL,
  version INTEGER NOT NULL,
  schema_id INTEGER NOT NULL REFERENCES registry_schemas (id),
  deleted INTEGER NOT NULL DEFAULT 0,
  registered_at INTEGER NOT NULL,
  PRIMARY KEY (subject, version)
);
CREATE INDEX registry_subject_versions_schema ON registry_subject_versions (schema_id);

-- Compatibility levels: subject '' is the global level; other rows are per-subject overrides.
CREATE TABLE registry_config (
  subject TEXT PRIMARY KEY,
  compatibility TEXT NOT NULL
);
