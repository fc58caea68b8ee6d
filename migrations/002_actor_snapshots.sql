-- Snapshots of actor state, so rebuilding an actor reads its latest snapshot plus the events after
-- it instead of its whole history.
CREATE TABLE actor_snapshots (
  actor_id   TEXT    PRIMARY KEY,
  actor_type TEXT    NOT NULL,
  seq        INTEGER NOT NULL, -- the last journal event the snapshot includes
  snapshot   TEXT    NOT NULL, -- JSON
  at         INTEGER NOT NULL
);
