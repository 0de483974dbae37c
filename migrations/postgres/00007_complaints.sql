-- +goose Up
CREATE TABLE complaints (
    id                uuid PRIMARY KEY,
    customer_id       uuid NOT NULL REFERENCES customers (id),
    work_order_id     uuid REFERENCES work_orders (id),
    channel           text NOT NULL,
    category          text NOT NULL,
    severity          text NOT NULL,
    description       text NOT NULL,
    status            text NOT NULL,
    version           integer NOT NULL,
    owner_id          uuid NOT NULL REFERENCES users (id),
    acknowledge_by    timestamptz NOT NULL,
    resolve_by        timestamptz NOT NULL,
    escalated         boolean NOT NULL DEFAULT false,
    resolution        text,
    customer_informed boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    acknowledged_at   timestamptz,
    resolved_at       timestamptz,
    closed_at         timestamptz
);
CREATE INDEX complaints_status_id ON complaints (status, id);
CREATE INDEX complaints_severity_id ON complaints (severity, id);
CREATE INDEX complaints_customer_id ON complaints (customer_id, id);
-- Overdue review and escalation look only at unresolved complaints.
CREATE INDEX complaints_unresolved_deadlines ON complaints (acknowledge_by, resolve_by, id) WHERE status IN ('open', 'acknowledged');

-- +goose Down
DROP TABLE complaints;
