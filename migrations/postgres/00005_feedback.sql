-- +goose Up
-- The customer's rating of a work order: one per order, so it lives on the
-- order's row and costs its reads nothing.
ALTER TABLE work_orders ADD COLUMN feedback_rating integer;
ALTER TABLE work_orders ADD COLUMN feedback_comment text;
ALTER TABLE work_orders ADD COLUMN feedback_by uuid;
ALTER TABLE work_orders ADD COLUMN feedback_at timestamptz;

-- +goose Down
ALTER TABLE work_orders DROP COLUMN feedback_at;
ALTER TABLE work_orders DROP COLUMN feedback_by;
ALTER TABLE work_orders DROP COLUMN feedback_comment;
ALTER TABLE work_orders DROP COLUMN feedback_rating;
