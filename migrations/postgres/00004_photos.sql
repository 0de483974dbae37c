-- +goose Up
-- Work-order photos. The bytes live in object storage under object_key; a
-- pending photo's upload is not yet checked, a ready one's is.
CREATE TABLE photos (
    id            uuid PRIMARY KEY,
    work_order_id uuid NOT NULL REFERENCES work_orders (id),
    kind          text NOT NULL,
    content_type  text NOT NULL,
    size_bytes    bigint NOT NULL,
    sha256        text NOT NULL,
    status        text NOT NULL,
    object_key    text NOT NULL UNIQUE,
    uploaded_by   uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    CONSTRAINT photos_size CHECK (size_bytes BETWEEN 1 AND 15728640),
    CONSTRAINT photos_status CHECK (status IN ('pending', 'ready'))
);
-- An order's photos, in keyset order.
CREATE INDEX photos_work_order_id ON photos (work_order_id, id);
-- The clean-up job looks only at pending photos, oldest first.
CREATE INDEX photos_pending_created_at ON photos (created_at, id) WHERE status = 'pending';

-- +goose Down
DROP TABLE photos;
