-- When each content item (resource, training, opportunity) was first seen by the bot, so a
-- digest lists exactly what was added since the last one. Content is public: no person here.
CREATE TABLE content_seen (
    kind       TEXT NOT NULL CHECK (kind IN ('resource', 'training', 'opportunity')),
    item_id    TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (kind, item_id)
);
CREATE INDEX content_seen_when ON content_seen(first_seen);

-- Who asked for the weekly digest, and when the last one went out. Nothing about what anyone
-- read is kept; the schedule that sends it lives in schedules like every other.
CREATE TABLE digests (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    schedule_id INTEGER NOT NULL,
    since       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
