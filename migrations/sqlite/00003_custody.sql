-- +goose Up
CREATE TABLE terminal_models (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    manufacturer    TEXT NOT NULL,
    warranty_months INTEGER NOT NULL,
    created_at      DATETIME NOT NULL,
    CONSTRAINT terminal_models_name UNIQUE (manufacturer, name)
);

CREATE TABLE terminals (
    id                 TEXT PRIMARY KEY,
    serial             TEXT NOT NULL UNIQUE,
    imei               TEXT NOT NULL UNIQUE,
    model_id           TEXT NOT NULL REFERENCES terminal_models (id),
    firmware           TEXT,
    status             TEXT NOT NULL,
    customer_id        TEXT REFERENCES customers (id),
    vehicle_id         TEXT REFERENCES vehicles (id),
    installed_at       DATETIME,
    first_installed_on TEXT,
    label              TEXT,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    CONSTRAINT terminals_installed_on_vehicle CHECK ((status = 'installed') = (vehicle_id IS NOT NULL))
);
-- A vehicle has at most one terminal installed, a terminal is on at most one vehicle.
CREATE UNIQUE INDEX terminals_one_per_vehicle ON terminals (vehicle_id) WHERE status = 'installed';
CREATE INDEX terminals_status_id ON terminals (status, id);
CREATE INDEX terminals_customer_id ON terminals (customer_id, id);

CREATE TABLE sims (
    id           TEXT PRIMARY KEY,
    iccid        TEXT NOT NULL UNIQUE,
    msisdn       TEXT NOT NULL,
    carrier      TEXT NOT NULL,
    status       TEXT NOT NULL,
    customer_id  TEXT REFERENCES customers (id),
    vehicle_id   TEXT REFERENCES vehicles (id),
    installed_at DATETIME,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    CONSTRAINT sims_installed_on_vehicle CHECK ((status = 'installed') = (vehicle_id IS NOT NULL))
);
CREATE UNIQUE INDEX sims_one_per_vehicle ON sims (vehicle_id) WHERE status = 'installed';
CREATE INDEX sims_status_id ON sims (status, id);
CREATE INDEX sims_customer_id ON sims (customer_id, id);
CREATE INDEX sims_msisdn ON sims (msisdn);

-- Installations and swaps recorded on work orders, one table so an order's
-- are read in one query.
CREATE TABLE custody_actions (
    id            TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    action        TEXT NOT NULL,
    vehicle_id    TEXT NOT NULL REFERENCES vehicles (id),
    terminal_id   TEXT,
    sim_id        TEXT,
    old_id        TEXT,
    new_id        TEXT,
    reason        TEXT,
    photo_ids     TEXT NOT NULL,
    technician_id TEXT NOT NULL REFERENCES users (id),
    at            DATETIME NOT NULL
);
CREATE INDEX custody_actions_work_order ON custody_actions (work_order_id, id);

CREATE TABLE bill_lines (
    id            TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    kind          TEXT NOT NULL,
    part_code     TEXT,
    description   TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    unit_price    INTEGER NOT NULL,
    minutes       INTEGER,
    amount        INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    at            DATETIME NOT NULL
);
CREATE INDEX bill_lines_work_order ON bill_lines (work_order_id, id);

ALTER TABLE work_orders ADD COLUMN warranty_recorded BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE work_orders ADD COLUMN warranty_terminal_id uuid;
ALTER TABLE work_orders ADD COLUMN warranty_in BOOLEAN NOT NULL DEFAULT false;
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
