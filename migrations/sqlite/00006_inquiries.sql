-- +goose Up
CREATE TABLE inquiries (
    id            TEXT PRIMARY KEY,
    customer_id   TEXT REFERENCES customers (id),
    caller_name   TEXT NOT NULL,
    caller_phone  TEXT NOT NULL,
    channel       TEXT NOT NULL,
    question      TEXT NOT NULL,
    answer        TEXT,
    reply_due_at  DATETIME,
    status        TEXT NOT NULL,
    owner_id      TEXT NOT NULL REFERENCES users (id),
    taken_by      TEXT NOT NULL REFERENCES users (id),
    work_order_id TEXT REFERENCES work_orders (id),
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    answered_at   DATETIME
);
CREATE INDEX inquiries_status_id ON inquiries (status, id);
CREATE INDEX inquiries_owner_id ON inquiries (owner_id, id);
CREATE INDEX inquiries_customer_id ON inquiries (customer_id, id);
-- The supervisor's daily review: open inquiries past their reply time.
CREATE INDEX inquiries_open_due ON inquiries (reply_due_at, id) WHERE status = 'open';

-- +goose Down
DROP TABLE inquiries;
