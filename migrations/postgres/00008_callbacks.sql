-- +goose Up
CREATE TABLE callbacks (
    id                      uuid PRIMARY KEY,
    customer_id             uuid NOT NULL REFERENCES customers (id),
    vehicle_id              uuid NOT NULL REFERENCES vehicles (id),
    work_order_id           uuid NOT NULL REFERENCES work_orders (id),
    installed_at            timestamptz NOT NULL,
    seq                     integer NOT NULL,
    due_at                  timestamptz NOT NULL,
    status                  text NOT NULL,
    attempts                integer NOT NULL,
    outcome                 text,
    satisfaction            integer,
    notes                   text,
    follow_up_work_order_id uuid REFERENCES work_orders (id),
    completed_at            timestamptz
);
-- The callers' list: due ones first, by status and customer.
CREATE INDEX callbacks_due ON callbacks (due_at, id);
CREATE INDEX callbacks_status_due ON callbacks (status, due_at, id);
CREATE INDEX callbacks_customer_due ON callbacks (customer_id, due_at, id);

-- +goose Down
DROP TABLE callbacks;
