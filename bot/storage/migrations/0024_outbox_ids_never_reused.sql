-- Outbox ids are not handed to the next message when the last row is deleted (AUTOINCREMENT;
-- without it SQLite gives a just-deleted last row's id to the next message). An id can still
-- come back after a rolled-back transaction (the counter rolls back with it), so the list of
-- delivered rows kept beside the database (bot/outbox/sent.py) names each row by its id AND
-- its queued time, and Discord's nonce (the same message sent again after a crash is not shown
-- twice) is made only for rows already committed.
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
