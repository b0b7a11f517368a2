-- Each schedule's next due moment (UTC), kept beside its trigger so a start does not rebuild
-- every trigger, and the scheduler reads only what is due now (indexed). NULL for a schedule
-- with no further time (a one-off already handled); filled in at the first start after this
-- migration for schedules made before it.
ALTER TABLE schedules ADD COLUMN next_due TEXT;
CREATE INDEX schedules_next_due ON schedules(next_due);
CREATE INDEX schedules_deferred ON schedules(deferred_to);
