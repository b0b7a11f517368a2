-- Away: one person-wide pause. Until this moment nothing scheduled reaches the person
-- (self-care prompts, check-ins, digest, buddy check-backs) and buddy rounds leave them out.
ALTER TABLE people ADD COLUMN away_until TEXT;

-- Buddies: who wants a buddy, with the region and interests they chose to be paired by.
-- ``missed`` counts introductions let pass in a row without a tap; ``asked_to_stay`` is set
-- while the "stay in?" question waits for an answer (they are left out of rounds till then).
CREATE TABLE buddies (
    person_id      INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    region         TEXT,
    interests      TEXT NOT NULL DEFAULT '[]',
    paused_until   TEXT,
    missed         INTEGER NOT NULL DEFAULT 0,
    asked_to_stay  INTEGER NOT NULL DEFAULT 0,
    joined_at      TEXT NOT NULL
);

-- A person's private do-not-pair list. Never shown to anyone, the avoided person included.
CREATE TABLE buddy_avoid (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    avoid_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, avoid_id)
);
CREATE INDEX buddy_avoid_other ON buddy_avoid(avoid_id);

-- Rounds held (no person in them): a round's number is how repeats age.
CREATE TABLE buddy_rounds (
    round_no  INTEGER PRIMARY KEY,
    held_at   TEXT NOT NULL
);

-- Who was paired with whom, and whether each person tapped anything on the introduction or
-- its check-back (never which answer: "did you connect?" is reported to no one, kept nowhere).
CREATE TABLE buddy_pairings (
    id        INTEGER PRIMARY KEY,
    round_no  INTEGER NOT NULL
);
CREATE TABLE buddy_members (
    pairing_id  INTEGER NOT NULL REFERENCES buddy_pairings(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    tapped      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (pairing_id, person_id)
);
CREATE INDEX buddy_members_person ON buddy_members(person_id);
