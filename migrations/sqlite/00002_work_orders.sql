-- +goose Up
ALTER TABLE users ADD COLUMN on_duty BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN skills TEXT NOT NULL DEFAULT '[]';

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE technician_locations (
    user_id     TEXT PRIMARY KEY REFERENCES users (id),
    lat         REAL NOT NULL,
    lng         REAL NOT NULL,
    accuracy_m  REAL,
    recorded_at DATETIME NOT NULL
);

CREATE TABLE work_orders (
    id                 TEXT PRIMARY KEY,
    number             TEXT NOT NULL UNIQUE,
    type               TEXT NOT NULL,
    status             TEXT NOT NULL,
    version            INTEGER NOT NULL,
    customer_id        TEXT NOT NULL REFERENCES customers (id),
    site_address       TEXT NOT NULL,
    site_lat           REAL,
    site_lng           REAL,
    description        TEXT NOT NULL,
    fault_symptoms     TEXT,
    priority           TEXT NOT NULL,
    contact_name       TEXT,
    contact_phone      TEXT,
    product_model      TEXT,
    purchase_date      TEXT,
    required_skills    TEXT NOT NULL,
    technician_id      TEXT REFERENCES users (id),
    contractor_name    TEXT,
    contractor_phone   TEXT,
    contractor_reason  TEXT,
    checkin_lat        REAL,
    checkin_lng        REAL,
    checkin_accuracy_m REAL,
    checkin_distance_m REAL,
    checkin_far        BOOLEAN NOT NULL DEFAULT false,
    checkin_at         DATETIME,
    resolution         TEXT,
    hold_reason        TEXT,
    held_from          TEXT,
    created_by         TEXT NOT NULL,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    change_seq         INTEGER NOT NULL,
    respond_by         DATETIME NOT NULL,
    resolve_by         DATETIME NOT NULL,
    resolve_deadline   DATETIME NOT NULL,
    paused_seconds     INTEGER NOT NULL DEFAULT 0,
    approved_at        DATETIME,
    departed_at        DATETIME,
    arrived_at         DATETIME,
    completed_at       DATETIME,
    closed_at          DATETIME,
    cancelled_at       DATETIME,
    hold_started_at    DATETIME
);
-- One index per list filter, each ending in the keyset column.
CREATE INDEX work_orders_status_id ON work_orders (status, id);
CREATE INDEX work_orders_type_id ON work_orders (type, id);
CREATE INDEX work_orders_customer_id ON work_orders (customer_id, id);
CREATE INDEX work_orders_technician_id ON work_orders (technician_id, id);
CREATE INDEX work_orders_priority_id ON work_orders (priority, id);
CREATE INDEX work_orders_created_at ON work_orders (created_at, id);
-- The dispatch board and the SLA filters look only at open orders.
CREATE INDEX work_orders_open_respond_by ON work_orders (respond_by, id)
    WHERE status NOT IN ('completed', 'closed', 'cancelled');
CREATE INDEX work_orders_open_status_respond_by ON work_orders (status, respond_by, id)
    WHERE status NOT IN ('completed', 'closed', 'cancelled');
CREATE INDEX work_orders_respond_by ON work_orders (respond_by, id);

CREATE TABLE work_order_vehicles (
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    vehicle_id    TEXT NOT NULL REFERENCES vehicles (id),
    position      INTEGER NOT NULL,
    PRIMARY KEY (work_order_id, vehicle_id)
);
CREATE INDEX work_order_vehicles_vehicle ON work_order_vehicles (vehicle_id);

CREATE TABLE work_order_assignments (
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    technician_id TEXT NOT NULL REFERENCES users (id),
    assigned_at   DATETIME NOT NULL,
    PRIMARY KEY (work_order_id, technician_id)
);
CREATE INDEX work_order_assignments_technician ON work_order_assignments (technician_id, work_order_id);
CREATE INDEX work_orders_change_seq ON work_orders (change_seq);

CREATE TABLE idempotency_keys (
    user_id         TEXT NOT NULL,
    key             TEXT NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    state           TEXT NOT NULL,
    response_status INTEGER,
    response_header TEXT,
    response_body   BLOB,
    created_at      DATETIME NOT NULL,
    expires_at      DATETIME NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE work_order_assignments;
DROP TABLE work_order_vehicles;
DROP TABLE work_orders;
DROP TABLE technician_locations;
DROP TABLE counters;
ALTER TABLE users DROP COLUMN skills;
ALTER TABLE users DROP COLUMN on_duty;
