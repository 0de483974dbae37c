-- +goose Up
CREATE TABLE complaints (
    id                TEXT PRIMARY KEY,
    customer_id       TEXT NOT NULL REFERENCES customers (id),
    work_order_id     TEXT REFERENCES work_orders (id),
    channel           TEXT NOT NULL,
    category          TEXT NOT NULL,
    severity          TEXT NOT NULL,
    description       TEXT NOT NULL,
    status            TEXT NOT NULL,
    version           INTEGER NOT NULL,
    owner_id          TEXT NOT NULL REFERENCES users (id),
    acknowledge_by    DATETIME NOT NULL,
    resolve_by        DATETIME NOT NULL,
    escalated         BOOLEAN NOT NULL DEFAULT false,
    resolution        TEXT,
    customer_informed BOOLEAN NOT NULL DEFAULT false,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    acknowledged_at   DATETIME,
    resolved_at       DATETIME,
    closed_at         DATETIME
);
CREATE INDEX complaints_status_id ON complaints (status, id);
CREATE INDEX complaints_severity_id ON complaints (severity, id);
CREATE INDEX complaints_customer_id ON complaints (customer_id, id);
-- Overdue review and escalation look only at unresolved complaints.
CREATE INDEX complaints_unresolved_deadlines ON complaints (acknowledge_by, resolve_by, id) WHERE status IN ('open', 'acknowledged');

-- +goose Down
DROP TABLE complaints;
