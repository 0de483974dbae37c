-- +goose Up
CREATE TABLE terminal_models (
    id              uuid PRIMARY KEY,
    name            text NOT NULL,
    manufacturer    text NOT NULL,
    warranty_months integer NOT NULL,
    created_at      timestamptz NOT NULL,
    CONSTRAINT terminal_models_name UNIQUE (manufacturer, name)
);

CREATE TABLE terminals (
    id                 uuid PRIMARY KEY,
    serial             text NOT NULL UNIQUE,
    imei               text NOT NULL UNIQUE,
    model_id           uuid NOT NULL REFERENCES terminal_models (id),
    firmware           text,
    status             text NOT NULL,
    customer_id        uuid REFERENCES customers (id),
    vehicle_id         uuid REFERENCES vehicles (id),
    installed_at       timestamptz,
    first_installed_on text,
    label              text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT terminals_installed_on_vehicle CHECK ((status = 'installed') = (vehicle_id IS NOT NULL))
);
-- A vehicle has at most one terminal installed, a terminal is on at most one vehicle.
CREATE UNIQUE INDEX terminals_one_per_vehicle ON terminals (vehicle_id) WHERE status = 'installed';
CREATE INDEX terminals_status_id ON terminals (status, id);
CREATE INDEX terminals_customer_id ON terminals (customer_id, id);

CREATE TABLE sims (
    id           uuid PRIMARY KEY,
    iccid        text NOT NULL UNIQUE,
    msisdn       text NOT NULL,
    carrier      text NOT NULL,
    status       text NOT NULL,
    customer_id  uuid REFERENCES customers (id),
    vehicle_id   uuid REFERENCES vehicles (id),
    installed_at timestamptz,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT sims_installed_on_vehicle CHECK ((status = 'installed') = (vehicle_id IS NOT NULL))
);
CREATE UNIQUE INDEX sims_one_per_vehicle ON sims (vehicle_id) WHERE status = 'installed';
CREATE INDEX sims_status_id ON sims (status, id);
CREATE INDEX sims_customer_id ON sims (customer_id, id);
CREATE INDEX sims_msisdn ON sims (msisdn);

-- Installations and swaps recorded on work orders, one table so an order's
-- are read in one query.
CREATE TABLE custody_actions (
    id            uuid PRIMARY KEY,
    work_order_id uuid NOT NULL REFERENCES work_orders (id),
    action        text NOT NULL,
    vehicle_id    uuid NOT NULL REFERENCES vehicles (id),
    terminal_id   uuid,
    sim_id        uuid,
    old_id        uuid,
    new_id        uuid,
    reason        text,
    photo_ids     text NOT NULL,
    technician_id uuid NOT NULL REFERENCES users (id),
    at            timestamptz NOT NULL
);
CREATE INDEX custody_actions_work_order ON custody_actions (work_order_id, id);

CREATE TABLE bill_lines (
    id            uuid PRIMARY KEY,
    work_order_id uuid NOT NULL REFERENCES work_orders (id),
    kind          text NOT NULL,
    part_code     text,
    description   text NOT NULL,
    quantity      integer NOT NULL,
    unit_price    bigint NOT NULL,
    minutes       integer,
    amount        bigint NOT NULL,
    created_by    uuid NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX bill_lines_work_order ON bill_lines (work_order_id, id);

ALTER TABLE work_orders ADD COLUMN warranty_recorded boolean NOT NULL DEFAULT false;
ALTER TABLE work_orders ADD COLUMN warranty_terminal_id uuid;
ALTER TABLE work_orders ADD COLUMN warranty_in boolean NOT NULL DEFAULT false;
ALTER TABLE work_orders ADD COLUMN warranty_ends_on text;

-- +goose Down
ALTER TABLE work_orders DROP COLUMN warranty_ends_on;
ALTER TABLE work_orders DROP COLUMN warranty_in;
ALTER TABLE work_orders DROP COLUMN warranty_terminal_id;
ALTER TABLE work_orders DROP COLUMN warranty_recorded;
DROP TABLE bill_lines;
DROP TABLE custody_actions;
DROP TABLE sims;
DROP TABLE terminals;
DROP TABLE terminal_models;
