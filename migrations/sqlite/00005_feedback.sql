-- +goose Up
-- The customer's rating of a work order: one per order, so it lives on the
-- order's row and costs its reads nothing.
ALTER TABLE work_orders ADD COLUMN feedback_rating INTEGER;
ALTER TABLE work_orders ADD COLUMN feedback_comment TEXT;
ALTER TABLE work_orders ADD COLUMN feedback_by TEXT;
ALTER TABLE work_orders ADD COLUMN feedback_at DATETIME;

-- +goose Down
ALTER TABLE work_orders DROP COLUMN feedback_at;
ALTER TABLE work_orders DROP COLUMN feedback_by;
ALTER TABLE work_orders DROP COLUMN feedback_comment;
ALTER TABLE work_orders DROP COLUMN feedback_rating;
