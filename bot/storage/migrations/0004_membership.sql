-- Membership: codes (invitations and account links), peer spaces, and who the bot has seen in
-- them. Codes are kept only as hashes; nothing here holds a name or anything anyone wrote.

-- A code someone can redeem once before it expires: an invitation to join (kind 'invite', with
-- the role it gives, issued by person_id) or a code to link another account to person_id
-- (kind 'link'). Used codes stay until they expire so a second try can be told "already used";
-- who redeemed a code is not recorded.
CREATE TABLE codes (
    code_hash   TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('invite', 'link')),
    role        TEXT CHECK (role IN ('peer', 'mentor')),
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX codes_person ON codes(person_id);
CREATE INDEX codes_expiry ON codes(expires_at);

-- A Discord channel or Telegram group a steward registered as a peer space. place_id is where
-- its access is held: the group itself on Telegram, the server (peer role) on Discord.
CREATE TABLE spaces (
    platform  TEXT NOT NULL,
    chat_id   TEXT NOT NULL,
    place_id  TEXT NOT NULL,
    title     TEXT NOT NULL,
    added_at  TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id)
);

-- Accounts the bot noticed in a peer space (joining or posting), so the audit can check each
-- is verified on platforms that cannot list a group's members. Deleted when they leave.
-- flagged_at: when stewards were last told about it, so they are told once, not per message.
CREATE TABLE space_presence (
    platform    TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    flagged_at  TEXT,
    PRIMARY KEY (platform, chat_id, user_id),
    FOREIGN KEY (platform, chat_id) REFERENCES spaces(platform, chat_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX space_presence_account ON space_presence(platform, user_id);
