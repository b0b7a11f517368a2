-- People, the platform accounts they use, and their roles. Nothing here holds what anyone said.
CREATE TABLE people (
    id            INTEGER PRIMARY KEY,
    created_at    TEXT NOT NULL,
    timezone      TEXT,
    quiet_start   TEXT,
    quiet_end     TEXT,
    reach_on      TEXT
);

CREATE TABLE accounts (
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    linked_at  TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
);
CREATE INDEX accounts_person ON accounts(person_id);

CREATE TABLE roles (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('peer', 'mentor', 'steward')),
    granted_at TEXT NOT NULL,
    PRIMARY KEY (person_id, role)
);

-- Buttons: the opaque token in a button's callback data or custom id, and what it does.
CREATE TABLE buttons (
    token      TEXT PRIMARY KEY,
    action     TEXT NOT NULL,
    payload    TEXT NOT NULL,
    person_id  INTEGER REFERENCES people(id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
);
CREATE INDEX buttons_person ON buttons(person_id);
CREATE INDEX buttons_expiry ON buttons(expires_at);

-- Schedules: the source of truth the scheduler is rebuilt from at every start.
CREATE TABLE schedules (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    person_id     INTEGER REFERENCES people(id) ON DELETE CASCADE,
    target        TEXT,
    trigger       TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    payload       TEXT NOT NULL DEFAULT '{}',
    paused_until  TEXT,
    deferred_to   TEXT,
    last_fired_at TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX schedules_person ON schedules(person_id);
CREATE INDEX schedules_kind ON schedules(kind);

-- The outbox: what the bot still has to send. A row is deleted once delivered, so message
-- text lives on disk only until then; failed rows keep the reason, not the text.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    destination TEXT NOT NULL,
    body        TEXT,
    attachment  BLOB,
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    origin      TEXT,
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL
);
CREATE INDEX outbox_queue ON outbox(status, id);
CREATE INDEX outbox_person ON outbox(person_id);
