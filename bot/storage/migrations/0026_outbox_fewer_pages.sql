-- Every message writes its outbox row twice (queued, then deleted once delivered), and each
-- index on the table is one more page written to the WAL both times: with the two indexes,
-- seven pages a message, which the once-a-second scrub of the WAL (bot/outbox/journal.py)
-- then copies and cuts away. The table holds only what is queued now and what failed in the
-- last 14 days, so what the indexes served reads a small table whole just as well: the queue
-- at start-up (rowid order is id order), the /status counts, and /mydata and /forgetme by
-- person (rare, one scan each). Now three pages a message: the row twice, and the id counter
-- (sqlite_sequence, migration 0024) once.
DROP INDEX IF EXISTS outbox_queue;
DROP INDEX IF EXISTS outbox_person;
