-- The parts of a long queued message the platform already has (bot/outbox/progress.py), so a
-- restart in the middle of it goes on from the first part not sent. Platform message ids and
-- outbox ids only: no text. Goes with its outbox row (delivered, erased).
CREATE TABLE outbox_parts (
    outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,
    progress  TEXT NOT NULL
);
