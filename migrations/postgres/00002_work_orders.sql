-- +goose Up
ALTER TABLE users ADD COLUMN on_duty boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN skills text NOT NULL DEFAULT '[]';

CREATE TABLE counters (
    name  text PRIMARY KEY,
    value bigint NOT NULL
);

CREATE TABLE technician_locations (
    user_id     uuid PRIMARY KEY REFERENCES users (id),
    lat         double precision NOT NULL,
    lng         double precision NOT NULL,
    accuracy_m  double precision,
    recorded_at timestamptz NOT NULL
);

CREATE TABLE work_orders (
    id                 uuid PRIMARY KEY,
    number             text NOT NULL UNIQUE,
    type               text NOT NULL,
    status             text NOT NULL,
    version            integer NOT NULL,
    customer_id        uuid NOT NULL REFERENCES customers (id),
    site_address       text NOT NULL,
    site_lat           double precision,
    site_lng           double precision,
    description        text NOT NULL,
    fault_symptoms     text,
    priority           text NOT NULL,
    contact_name       text,
    contact_phone      text,
    product_model      text,
    purchase_date      text,
    required_skills    text NOT NULL,
    technician_id      uuid REFERENCES users (id),
    contractor_name    text,
    contractor_phone   text,
    contractor_reason  text,
    checkin_lat        double precision,
    checkin_lng        double precision,
    checkin_accuracy_m double precision,
    checkin_distance_m double precision,
    checkin_far        boolean NOT NULL DEFAULT false,
    checkin_at         timestamptz,
    resolution         text,
    hold_reason        text,
    held_from          text,
    created_by         uuid NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    change_seq         bigint NOT NULL,
    respond_by         timestamptz NOT NULL,
    resolve_by         timestamptz NOT NULL,
    resolve_deadline   timestamptz NOT NULL,
    paused_seconds     bigint NOT NULL DEFAULT 0,
    approved_at        timestamptz,
    departed_at        timestamptz,
    arrived_at         timestamptz,
    completed_at       timestamptz,
    closed_at          timestamptz,
    cancelled_at       timestamptz,
    hold_started_at    timestamptz
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
    work_order_id uuid NOT NULL REFERENCES work_orders (id),
    vehicle_id    uuid NOT NULL REFERENCES vehicles (id),
    position      integer NOT NULL,
    PRIMARY KEY (work_order_id, vehicle_id)
);
CREATE INDEX work_order_vehicles_vehicle ON work_order_vehicles (vehicle_id);

CREATE TABLE work_order_assignments (
    work_order_id uuid NOT NULL REFERENCES work_orders (id),
    technician_id uuid NOT NULL REFERENCES users (id),
    assigned_at   timestamptz NOT NULL,
    PRIMARY KEY (work_order_id, technician_id)
);
CREATE INDEX work_order_assignments_technician ON work_order_assignments (technician_id, work_order_id);
CREATE INDEX work_orders_change_seq ON work_orders (change_seq);

CREATE TABLE idempotency_keys (
    user_id         uuid NOT NULL,
    key             text NOT NULL,
    method          text NOT NULL,
    path            text NOT NULL,
    request_hash    text NOT NULL,
    state           text NOT NULL,
    response_status integer,
    response_header text,
    response_body   bytea,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
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
