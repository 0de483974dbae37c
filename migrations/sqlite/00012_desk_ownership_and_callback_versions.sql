-- +goose Up
-- An inquiry asked through the portal waits unowned in the desk's queue
-- until a staff member takes it (首问负责制). SQLite cannot drop NOT NULL,
-- so the table is rebuilt; nothing references it.
CREATE TABLE inquiries_new (
    id            TEXT PRIMARY KEY,
    customer_id   TEXT REFERENCES customers (id),
    caller_name   TEXT NOT NULL,
    caller_phone  TEXT NOT NULL,
    channel       TEXT NOT NULL,
    question      TEXT NOT NULL,
    answer        TEXT,
    reply_due_at  DATETIME,
    status        TEXT NOT NULL,
    owner_id      TEXT REFERENCES users (id),
    taken_by      TEXT REFERENCES users (id),
    work_order_id TEXT REFERENCES work_orders (id),
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    answered_at   DATETIME,
    -- Guards each change against a concurrent one (two staff taking at once).
    version       INTEGER NOT NULL DEFAULT 1
);
INSERT INTO inquiries_new (id, customer_id, caller_name, caller_phone, channel, question, answer, reply_due_at, status,
                           owner_id, taken_by, work_order_id, created_at, updated_at, answered_at)
SELECT id, customer_id, caller_name, caller_phone, channel, question, answer, reply_due_at, status,
       owner_id, taken_by, work_order_id, created_at, updated_at, answered_at
FROM inquiries;
DROP TABLE inquiries;
ALTER TABLE inquiries_new RENAME TO inquiries;
CREATE INDEX inquiries_status_id ON inquiries (status, id);
CREATE INDEX inquiries_owner_id ON inquiries (owner_id, id);
CREATE INDEX inquiries_customer_id ON inquiries (customer_id, id);
CREATE INDEX inquiries_open_due ON inquiries (reply_due_at, id) WHERE status = 'open';
-- Open portal inquiries owned by the customer user who asked go to the queue.
UPDATE inquiries SET owner_id = NULL, taken_by = NULL
WHERE status = 'open' AND owner_id IN (SELECT id FROM users WHERE role = 'customer');
-- Recording a call needs If-Match with this version.
ALTER TABLE callbacks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE callbacks DROP COLUMN version;
DELETE FROM inquiries WHERE owner_id IS NULL;
CREATE TABLE inquiries_old (
    id            TEXT PRIMARY KEY,
    customer_id   TEXT REFERENCES customers (id),
    caller_name   TEXT NOT NULL,
    caller_phone  TEXT NOT NULL,
    channel       TEXT NOT NULL,
    question      TEXT NOT NULL,
    answer        TEXT,
    reply_due_at  DATETIME,
    status        TEXT NOT NULL,
    owner_id      TEXT NOT NULL REFERENCES users (id),
    taken_by      TEXT NOT NULL REFERENCES users (id),
    work_order_id TEXT REFERENCES work_orders (id),
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    answered_at   DATETIME
);
INSERT INTO inquiries_old SELECT id, customer_id, caller_name, caller_phone, channel, question, answer, reply_due_at, status,
       owner_id, taken_by, work_order_id, created_at, updated_at, answered_at FROM inquiries;
DROP TABLE inquiries;
ALTER TABLE inquiries_old RENAME TO inquiries;
CREATE INDEX inquiries_status_id ON inquiries (status, id);
CREATE INDEX inquiries_owner_id ON inquiries (owner_id, id);
CREATE INDEX inquiries_customer_id ON inquiries (customer_id, id);
CREATE INDEX inquiries_open_due ON inquiries (reply_due_at, id) WHERE status = 'open';
