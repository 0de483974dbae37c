-- +goose Up
ALTER TABLE customers ADD COLUMN sms_opt_out boolean NOT NULL DEFAULT false;

CREATE TABLE webhooks (
    id         uuid PRIMARY KEY,
    url        text NOT NULL,
    events     text NOT NULL,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE notifications (
    id            uuid PRIMARY KEY,
    topic         text NOT NULL,
    channel       text NOT NULL,
    recipient     text NOT NULL,
    webhook_id    uuid REFERENCES webhooks (id),
    work_order_id uuid,
    complaint_id  uuid,
    data          text NOT NULL,
    delivered     boolean NOT NULL DEFAULT false,
    attempts      text NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX notifications_work_order ON notifications (work_order_id, id);
CREATE INDEX notifications_complaint ON notifications (complaint_id, id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE webhooks;
ALTER TABLE customers DROP COLUMN sms_opt_out;
