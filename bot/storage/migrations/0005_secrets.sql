-- Secrets the service makes for itself and keeps with its data (never in logs or exports).
-- 'buttons': the key button tokens are made with, so a token cannot be worked out from what
-- a button does and who it is for, and stays the same across restarts.
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
