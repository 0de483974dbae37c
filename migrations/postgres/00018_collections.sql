-- +goose Up
-- Fee notices (收费通知): the charged lines the customer is asked to agree to.
CREATE TABLE fee_notices (
    id                 uuid PRIMARY KEY,
    work_order_id      uuid NOT NULL REFERENCES work_orders (id),
    status             text NOT NULL,
    total              bigint NOT NULL,
    created_by         uuid NOT NULL REFERENCES users (id),
    created_at         timestamptz NOT NULL,
    decided_at         timestamptz,
    decided_by         uuid REFERENCES users (id),
    accepted_via       text,
    signed_by          text,
    signature_photo_id uuid REFERENCES photos (id),
    decline_reason     text
);
CREATE INDEX fee_notices_work_order ON fee_notices (work_order_id, id);

CREATE TABLE fee_notice_lines (
    notice_id   uuid NOT NULL REFERENCES fee_notices (id),
    line_id     uuid NOT NULL REFERENCES bill_lines (id),
    position    integer NOT NULL,
    kind        text NOT NULL,
    description text NOT NULL,
    amount      bigint NOT NULL,
    charged     bigint NOT NULL,
    PRIMARY KEY (notice_id, line_id)
);
CREATE INDEX fee_notice_lines_line ON fee_notice_lines (line_id);

CREATE TABLE handovers (
    id              uuid PRIMARY KEY,
    technician_id   uuid NOT NULL REFERENCES users (id),
    status          text NOT NULL,
    expected_amount bigint NOT NULL,
    counted_amount  bigint,
    difference      bigint,
    flagged         boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL,
    confirmed_at    timestamptz,
    confirmed_by    uuid REFERENCES users (id)
);
CREATE INDEX handovers_technician ON handovers (technician_id, id);
CREATE INDEX handovers_status ON handovers (status, id);

CREATE TABLE payments (
    id            uuid PRIMARY KEY,
    work_order_id uuid NOT NULL REFERENCES work_orders (id),
    customer_id   uuid NOT NULL REFERENCES customers (id),
    amount        bigint NOT NULL CHECK (amount > 0),
    method        text NOT NULL,
    receipt_no    text NOT NULL,
    invoice_no    text,
    status        text NOT NULL,
    collected_by  uuid NOT NULL REFERENCES users (id),
    collected_at  timestamptz NOT NULL,
    handover_id   uuid REFERENCES handovers (id),
    confirmed_at  timestamptz,
    -- Only cash is handed over, and cash is in a handover once past collected.
    CONSTRAINT payments_handover CHECK ((handover_id IS NOT NULL) = (status IN ('handed_over', 'confirmed'))),
    CONSTRAINT payments_handover_cash CHECK (handover_id IS NULL OR method = 'cash')
);
CREATE INDEX payments_work_order ON payments (work_order_id, id);
CREATE INDEX payments_collected_by ON payments (collected_by, id);
CREATE INDEX payments_customer ON payments (customer_id, id);
CREATE INDEX payments_handover ON payments (handover_id);
CREATE INDEX payments_cash_in_hand ON payments (collected_by, collected_at) WHERE method = 'cash' AND status IN ('collected', 'handed_over');

CREATE TABLE waivers (
    id            uuid PRIMARY KEY,
    work_order_id uuid NOT NULL REFERENCES work_orders (id),
    amount        bigint NOT NULL CHECK (amount > 0),
    reason        text NOT NULL,
    waived_by     uuid NOT NULL REFERENCES users (id),
    waived_at     timestamptz NOT NULL
);
CREATE INDEX waivers_work_order ON waivers (work_order_id, id);

-- +goose Down
DROP TABLE waivers;
DROP TABLE payments;
DROP TABLE handovers;
DROP TABLE fee_notice_lines;
DROP TABLE fee_notices;
