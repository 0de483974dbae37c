-- +goose Up
-- Fee notices (收费通知): the charged lines the customer is asked to agree to.
CREATE TABLE fee_notices (
    id                 TEXT PRIMARY KEY,
    work_order_id      TEXT NOT NULL REFERENCES work_orders (id),
    status             TEXT NOT NULL,
    total              INTEGER NOT NULL,
    created_by         TEXT NOT NULL REFERENCES users (id),
    created_at         DATETIME NOT NULL,
    decided_at         DATETIME,
    decided_by         TEXT REFERENCES users (id),
    accepted_via       TEXT,
    signed_by          TEXT,
    signature_photo_id TEXT REFERENCES photos (id),
    decline_reason     TEXT
);
CREATE INDEX fee_notices_work_order ON fee_notices (work_order_id, id);

CREATE TABLE fee_notice_lines (
    notice_id   TEXT NOT NULL REFERENCES fee_notices (id),
    line_id     TEXT NOT NULL REFERENCES bill_lines (id),
    position    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    description TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    charged     INTEGER NOT NULL,
    PRIMARY KEY (notice_id, line_id)
);
CREATE INDEX fee_notice_lines_line ON fee_notice_lines (line_id);

CREATE TABLE handovers (
    id              TEXT PRIMARY KEY,
    technician_id   TEXT NOT NULL REFERENCES users (id),
    status          TEXT NOT NULL,
    expected_amount INTEGER NOT NULL,
    counted_amount  INTEGER,
    difference      INTEGER,
    flagged         BOOLEAN NOT NULL DEFAULT false,
    created_at      DATETIME NOT NULL,
    confirmed_at    DATETIME,
    confirmed_by    TEXT REFERENCES users (id)
);
CREATE INDEX handovers_technician ON handovers (technician_id, id);
CREATE INDEX handovers_status ON handovers (status, id);

CREATE TABLE payments (
    id            TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    customer_id   TEXT NOT NULL REFERENCES customers (id),
    amount        INTEGER NOT NULL CHECK (amount > 0),
    method        TEXT NOT NULL,
    receipt_no    TEXT NOT NULL,
    invoice_no    TEXT,
    status        TEXT NOT NULL,
    collected_by  TEXT NOT NULL REFERENCES users (id),
    collected_at  DATETIME NOT NULL,
    handover_id   TEXT REFERENCES handovers (id),
    confirmed_at  DATETIME,
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
    id            TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    amount        INTEGER NOT NULL CHECK (amount > 0),
    reason        TEXT NOT NULL,
    waived_by     TEXT NOT NULL REFERENCES users (id),
    waived_at     DATETIME NOT NULL
);
CREATE INDEX waivers_work_order ON waivers (work_order_id, id);

-- +goose Down
DROP TABLE waivers;
DROP TABLE payments;
DROP TABLE handovers;
DROP TABLE fee_notice_lines;
DROP TABLE fee_notices;
