-- Check-ins between a mentor and a peer. Only what running them needs: who, the agreed time,
-- a change or handover waiting for an answer, and the last mood the peer chose to share (never
-- a note, never an unshared answer). Nothing records a missed or unanswered check-in.
CREATE TABLE checkins (
    id             INTEGER PRIMARY KEY,
    mentor_id      INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    peer_id        INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN ('proposed', 'active')),
    plan           TEXT NOT NULL,
    pending_plan   TEXT,
    pending_by     INTEGER REFERENCES people(id) ON DELETE SET NULL,
    handover_to    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    schedule_id    INTEGER REFERENCES schedules(id) ON DELETE SET NULL,
    shared_mood    TEXT,
    shared_at      TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX checkins_mentor ON checkins(mentor_id);
CREATE INDEX checkins_peer ON checkins(peer_id);
CREATE UNIQUE INDEX checkins_pair ON checkins(mentor_id, peer_id);

-- "Don't ask me again": a peer's private list of mentors whose proposals they do not want.
CREATE TABLE checkin_declines (
    peer_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    mentor_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (peer_id, mentor_id)
);

-- A peer's own history, only while they keep it on; erased after 90 days. Moods only.
CREATE TABLE checkin_history_on (
    person_id  INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE
);
CREATE TABLE checkin_history (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    mood       TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX checkin_history_person ON checkin_history(person_id, at);
