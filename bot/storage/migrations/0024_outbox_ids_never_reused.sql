-- Outbox ids are never given out twice (AUTOINCREMENT), so an id means one message for good:
-- the list of delivered ids kept beside the database (bot/outbox/sent.py) and Discord's
-- nonce (the same message sent again after a crash is not shown twice) both rely on it.
-- Without it SQLite hands the id of a just-deleted last row to the next message.
CREATE TABLE outbox_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    platform    TEXT NOT NULL,
    destination TEXT NOT NULL,
    body        TEXT,
    attachment  BLOB,
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    origin      TEXT,
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    routine     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_new(id, platform, destination, body, attachment, status, attempts, error,
    origin, person_id, created_at, routine)
    SELECT id, platform, destination, body, attachment, status, attempts, error, origin,
        person_id, created_at, routine FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_queue ON outbox(status, id);
CREATE INDEX outbox_person ON outbox(person_id);
