-- +goose Up
-- Work-order photos. The bytes live in object storage under object_key; a
-- pending photo's upload is not yet checked, a ready one's is.
CREATE TABLE photos (
    id            TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    kind          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    status        TEXT NOT NULL,
    object_key    TEXT NOT NULL UNIQUE,
    uploaded_by   TEXT NOT NULL REFERENCES users (id),
    created_at    DATETIME NOT NULL,
    CONSTRAINT photos_size CHECK (size_bytes BETWEEN 1 AND 15728640),
    CONSTRAINT photos_status CHECK (status IN ('pending', 'ready'))
);
-- An order's photos, in keyset order.
CREATE INDEX photos_work_order_id ON photos (work_order_id, id);
-- The clean-up job looks only at pending photos, oldest first.
CREATE INDEX photos_pending_created_at ON photos (created_at, id) WHERE status = 'pending';

-- +goose Down
DROP TABLE photos;
