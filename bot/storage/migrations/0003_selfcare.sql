-- Self-care prompts. Only what rotation and saving need: which prompt ids someone (or a space)
-- has seen in the current round of a theme, and the prompt ids a person chose to save.
-- Nothing records how anyone reacted to a prompt.
CREATE TABLE selfcare_seen (
    person_id  INTEGER REFERENCES people(id) ON DELETE CASCADE,
    space      TEXT,
    theme      TEXT NOT NULL,
    prompt_id  TEXT NOT NULL,
    CHECK ((person_id IS NULL) != (space IS NULL))
);
CREATE UNIQUE INDEX selfcare_seen_person ON selfcare_seen(person_id, theme, prompt_id)
    WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX selfcare_seen_space ON selfcare_seen(space, theme, prompt_id)
    WHERE space IS NOT NULL;

CREATE TABLE selfcare_saved (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    prompt_id  TEXT NOT NULL,
    PRIMARY KEY (person_id, prompt_id)
);
