-- +goose Up
-- Every filter of GET /v1/payments has an index: the time range pages
-- through its rows by id after the range scan, status and method by id.
CREATE INDEX payments_collected_at ON payments (collected_at, id);
CREATE INDEX payments_status ON payments (status, id);
CREATE INDEX payments_method ON payments (method, id);

-- +goose Down
DROP INDEX payments_method;
DROP INDEX payments_status;
DROP INDEX payments_collected_at;
