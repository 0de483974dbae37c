-- +goose Up
CREATE TABLE inquiries (
    id            uuid PRIMARY KEY,
    customer_id   uuid REFERENCES customers (id),
    caller_name   text NOT NULL,
    caller_phone  text NOT NULL,
    channel       text NOT NULL,
    question      text NOT NULL,
    answer        text,
    reply_due_at  timestamptz,
    status        text NOT NULL,
    owner_id      uuid NOT NULL REFERENCES users (id),
    taken_by      uuid NOT NULL REFERENCES users (id),
    work_order_id uuid REFERENCES work_orders (id),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    answered_at   timestamptz
);
CREATE INDEX inquiries_status_id ON inquiries (status, id);
CREATE INDEX inquiries_owner_id ON inquiries (owner_id, id);
CREATE INDEX inquiries_customer_id ON inquiries (customer_id, id);
-- The supervisor's daily review: open inquiries past their reply time.
CREATE INDEX inquiries_open_due ON inquiries (reply_due_at, id) WHERE status = 'open';

-- +goose Down
DROP TABLE inquiries;
