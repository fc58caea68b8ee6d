-- The journal: an append-only log of actor lifecycle events. Consumer instances are rebuilt from
-- it after a restart; producer slots record their lifecycle for operators.
CREATE TABLE journal_events (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  actor_id   TEXT    NOT NULL,
  actor_type TEXT    NOT NULL,
  event_type TEXT    NOT NULL,
  payload    TEXT    NOT NULL, -- JSON
  at         INTEGER NOT NULL  -- epoch milliseconds
);

CREATE INDEX journal_events_by_actor ON journal_events (actor_id, seq);
CREATE INDEX journal_events_by_type ON journal_events (actor_type, seq);
