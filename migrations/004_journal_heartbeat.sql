-- Readiness writes here (Journal.writable()): a real committed write, plus room for one more page
-- taken and given back, so a full disk or a read-only file shows as "journal": false.
CREATE TABLE journal_heartbeat (
  id  INTEGER PRIMARY KEY,
  at  INTEGER NOT NULL, -- epoch milliseconds
  pad BLOB
);
