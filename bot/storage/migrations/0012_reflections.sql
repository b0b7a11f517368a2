-- Private reflections (/rolecheck, /power). Nothing is kept unless a person turns on keeping
-- their own /power history: then only which point they chose on each indicator, and when,
-- for 90 days. /rolecheck keeps nothing at all.
CREATE TABLE power_keep (
    person_id  INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    since      TEXT NOT NULL
);

CREATE TABLE power_history (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    taken_at   TEXT NOT NULL,
    points     TEXT NOT NULL
);
CREATE INDEX power_history_person ON power_history(person_id, taken_at);
