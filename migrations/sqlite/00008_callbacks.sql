-- +goose Up
CREATE TABLE callbacks (
    id                      TEXT PRIMARY KEY,
    customer_id             TEXT NOT NULL REFERENCES customers (id),
    vehicle_id              TEXT NOT NULL REFERENCES vehicles (id),
    work_order_id           TEXT NOT NULL REFERENCES work_orders (id),
    installed_at            DATETIME NOT NULL,
    seq                     INTEGER NOT NULL,
    due_at                  DATETIME NOT NULL,
    status                  TEXT NOT NULL,
    attempts                INTEGER NOT NULL,
    outcome                 TEXT,
    satisfaction            INTEGER,
    notes                   TEXT,
    follow_up_work_order_id TEXT REFERENCES work_orders (id),
    completed_at            DATETIME
);
-- The callers' list: due ones first, by status and customer.
CREATE INDEX callbacks_due ON callbacks (due_at, id);
CREATE INDEX callbacks_status_due ON callbacks (status, due_at, id);
CREATE INDEX callbacks_customer_due ON callbacks (customer_id, due_at, id);

-- +goose Down
DROP TABLE callbacks;
