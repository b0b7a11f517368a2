-- Debrief rooms. Nothing anyone says in a room is ever written here: only that a room exists,
-- who is in it (person ids), the pseudonym each chose for it, and when it closes. When a room
-- closes, its rows go and only the count of rooms ever held remains.
CREATE TABLE debrief_rooms (
    id         INTEGER PRIMARY KEY,
    opener_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    opened_at  TEXT NOT NULL,
    closes_at  TEXT NOT NULL
);

-- Who is in a room. One room at a time per person (the unique index says so in storage).
CREATE TABLE debrief_participants (
    room_id    INTEGER NOT NULL REFERENCES debrief_rooms(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    pseudonym  TEXT,
    PRIMARY KEY (room_id, person_id)
);
CREATE UNIQUE INDEX debrief_one_room_each ON debrief_participants(person_id);

-- Members who said they may be asked to debrief with any peer (/debrief companion on).
CREATE TABLE debrief_companions (
    person_id  INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    since      TEXT NOT NULL
);

-- How many rooms have closed, and nothing else about them.
CREATE TABLE debrief_tally (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    rooms_held   INTEGER NOT NULL
);
INSERT INTO debrief_tally(id, rooms_held) VALUES (1, 0);
