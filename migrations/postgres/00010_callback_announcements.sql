-- +goose Up
-- When the desk was told a callback is due; cleared when a no_answer moves it.
ALTER TABLE callbacks ADD COLUMN announced_at timestamptz;
-- The announcing job's scan: only what is still to be told.
CREATE INDEX callbacks_unannounced ON callbacks (due_at, id) WHERE status = 'scheduled' AND announced_at IS NULL;

-- +goose Down
DROP INDEX callbacks_unannounced;
ALTER TABLE callbacks DROP COLUMN announced_at;
