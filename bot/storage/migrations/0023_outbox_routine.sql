-- Whether a queued message is routine (queued by a scheduled job), so after a restart
-- leftover scheduled mail still gives way to answers (bot/outbox/priority.py).
ALTER TABLE outbox ADD COLUMN routine INTEGER NOT NULL DEFAULT 0;
