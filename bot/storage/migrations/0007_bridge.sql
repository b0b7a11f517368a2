-- The bridge: peer spaces joined into one conversation, and the map of relayed message ids.
-- Nothing here holds what anyone wrote: only ids, and who wrote an original (for /delete).

-- Codes gain a third kind, 'bridge': a one-time code that joins a space to a conversation.
-- SQLite cannot change a CHECK in place, so the table is rebuilt with its rows.
CREATE TABLE codes_new (
    code_hash   TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('invite', 'link', 'bridge')),
    role        TEXT CHECK (role IN ('peer', 'mentor')),
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
INSERT INTO codes_new(code_hash, kind, role, person_id, created_at, expires_at, used_at)
    SELECT code_hash, kind, role, person_id, created_at, expires_at, used_at FROM codes;
DROP TABLE codes;
ALTER TABLE codes_new RENAME TO codes;
CREATE INDEX codes_person ON codes(person_id);
CREATE INDEX codes_expiry ON codes(expires_at);

-- A bridged conversation, and the peer spaces that are its endpoints (two or more).
CREATE TABLE bridges (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL
);
CREATE TABLE bridge_endpoints (
    bridge_id  INTEGER NOT NULL REFERENCES bridges(id) ON DELETE CASCADE,
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id),
    FOREIGN KEY (platform, chat_id) REFERENCES spaces(platform, chat_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX bridge_endpoints_bridge ON bridge_endpoints(bridge_id);

-- Which conversation a waiting bridge code joins (the code itself is in codes, hashed).
CREATE TABLE bridge_offers (
    code_hash  TEXT PRIMARY KEY REFERENCES codes(code_hash) ON DELETE CASCADE,
    bridge_id  INTEGER NOT NULL REFERENCES bridges(id) ON DELETE CASCADE
);

-- The relay's message map: for each original (origin = endpoint:message id), the original
-- itself (item -1) and every copy (item 0 the text, 1… attachments; part = its place in a
-- split message). shared = 1: a copy merged with other relayed messages. Kept 30 days.
CREATE TABLE relay_map (
    conversation  TEXT NOT NULL,
    origin        TEXT NOT NULL,
    endpoint      TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    item          INTEGER NOT NULL,
    part          INTEGER NOT NULL DEFAULT 0,
    shared        INTEGER NOT NULL DEFAULT 0,
    person_id     INTEGER REFERENCES people(id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (endpoint, message_id, origin)
);
CREATE INDEX relay_map_origin ON relay_map(origin);
CREATE INDEX relay_map_created ON relay_map(created_at);
CREATE INDEX relay_map_person ON relay_map(person_id);
