-- +goose Up
-- An inquiry asked through the portal waits unowned in the desk's queue
-- until a staff member takes it (首问负责制).
ALTER TABLE inquiries ALTER COLUMN owner_id DROP NOT NULL;
ALTER TABLE inquiries ALTER COLUMN taken_by DROP NOT NULL;
-- Guards each change against a concurrent one (two staff taking at once).
ALTER TABLE inquiries ADD COLUMN version integer NOT NULL DEFAULT 1;
-- Open portal inquiries owned by the customer user who asked go to the queue.
UPDATE inquiries SET owner_id = NULL, taken_by = NULL
WHERE status = 'open' AND owner_id IN (SELECT id FROM users WHERE role = 'customer');
-- Recording a call needs If-Match with this version.
ALTER TABLE callbacks ADD COLUMN version integer NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE callbacks DROP COLUMN version;
ALTER TABLE inquiries DROP COLUMN version;
DELETE FROM inquiries WHERE owner_id IS NULL;
ALTER TABLE inquiries ALTER COLUMN taken_by SET NOT NULL;
ALTER TABLE inquiries ALTER COLUMN owner_id SET NOT NULL;
