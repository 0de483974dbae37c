-- +goose Up
ALTER TABLE customers ADD COLUMN sms_opt_out BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE notifications (
    id            TEXT PRIMARY KEY,
    topic         TEXT NOT NULL,
    channel       TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    webhook_id    TEXT REFERENCES webhooks (id),
    work_order_id TEXT,
    complaint_id  TEXT,
    data          TEXT NOT NULL,
    delivered     BOOLEAN NOT NULL DEFAULT false,
    attempts      TEXT NOT NULL,
    created_at    DATETIME NOT NULL
);
CREATE INDEX notifications_work_order ON notifications (work_order_id, id);
CREATE INDEX notifications_complaint ON notifications (complaint_id, id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE webhooks;
ALTER TABLE customers DROP COLUMN sms_opt_out;
