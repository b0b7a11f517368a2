-- A queued file (``attachment``) moves to the end of its outbox row. SQLite keeps a row's
-- columns in order and a big value in a chain of overflow pages, so reading any column stored
-- after a file walked every page of it: loading the queue at start-up read every queued file
-- (30 MB queued, 30 MB read) before the first answer. Stored last, the file is read only when
-- its message is sent (bot/storage/outbox.py); reading the queue, and /status, read none.
--
-- The table is rebuilt as 0024 did, keeping what a rebuild would otherwise lose: the id
-- counter (ids are never given out twice: its high-water mark, not the highest id left), and
-- the parts of long messages cut short (outbox_parts; dropping the old table deletes them by
-- its ON DELETE CASCADE). secure_delete (bot/storage/database.py) overwrites the old pages.
CREATE TEMP TABLE outbox_counter AS SELECT seq FROM sqlite_sequence WHERE name = 'outbox';
CREATE TEMP TABLE outbox_parts_kept AS SELECT outbox_id, progress FROM outbox_parts;
CREATE TABLE outbox_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    platform    TEXT NOT NULL,
    destination TEXT NOT NULL,
    body        TEXT,
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    origin      TEXT,
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    routine     INTEGER NOT NULL DEFAULT 0,
    attachment  BLOB
);
INSERT INTO outbox_new(id, platform, destination, body, status, attempts, error, origin,
    person_id, created_at, routine, attachment)
    SELECT id, platform, destination, body, status, attempts, error, origin, person_id,
        created_at, routine, attachment FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
INSERT INTO sqlite_sequence(name, seq)
    SELECT 'outbox', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'outbox');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT max(seq) FROM outbox_counter), 0))
    WHERE name = 'outbox';
INSERT INTO outbox_parts(outbox_id, progress) SELECT outbox_id, progress FROM outbox_parts_kept;
DROP TABLE outbox_counter;
DROP TABLE outbox_parts_kept;
