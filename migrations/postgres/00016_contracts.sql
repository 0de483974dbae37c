-- +goose Up
-- Service contracts (服务合同): per-customer SLA terms and warranty, in force
-- between two days (both included), over some or all of the customer's vehicles.
CREATE TABLE contracts (
    id              uuid PRIMARY KEY,
    number          text NOT NULL,
    customer_id     uuid NOT NULL REFERENCES customers (id),
    starts_on       text NOT NULL,
    ends_on         text NOT NULL,
    all_vehicles    boolean NOT NULL,
    sla             text NOT NULL,
    warranty_months integer,
    version         integer NOT NULL,
    created_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CHECK (starts_on <= ends_on)
);
-- The number is the archive prefix: unique.
CREATE UNIQUE INDEX contracts_number ON contracts (number);
-- The list by customer, and the contracts in force on a day (per customer
-- for a new work order, across customers for active_on).
CREATE INDEX contracts_customer ON contracts (customer_id, id);
CREATE INDEX contracts_customer_days ON contracts (customer_id, starts_on, ends_on);
CREATE INDEX contracts_days ON contracts (ends_on, starts_on);

-- The vehicles a contract names; none for one over all the customer's.
CREATE TABLE contract_vehicles (
    contract_id uuid NOT NULL REFERENCES contracts (id),
    vehicle_id  uuid NOT NULL REFERENCES vehicles (id),
    PRIMARY KEY (contract_id, vehicle_id)
);
CREATE INDEX contract_vehicles_vehicle ON contract_vehicles (vehicle_id);

-- A work order's contract and the SLA terms it was created under (JSON),
-- null for orders under FIELDWORK_SLA.
ALTER TABLE work_orders ADD COLUMN contract_id uuid REFERENCES contracts (id);
ALTER TABLE work_orders ADD COLUMN sla_terms text;
CREATE INDEX work_orders_contract ON work_orders (contract_id, id);

-- The warranty months of the contract a terminal was first installed under;
-- null: its model's.
ALTER TABLE terminals ADD COLUMN warranty_months integer;

-- +goose Down
ALTER TABLE terminals DROP COLUMN warranty_months;
DROP INDEX work_orders_contract;
ALTER TABLE work_orders DROP COLUMN sla_terms;
ALTER TABLE work_orders DROP COLUMN contract_id;
DROP TABLE contract_vehicles;
DROP TABLE contracts;
