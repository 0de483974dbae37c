-- +goose Up
-- A login attempt is counted before its password is checked, so concurrent
-- attempts can't all slip under a limit; pending marks one still being
-- checked. A wrong password settles it into a failure; a right one deletes it.
ALTER TABLE login_failures ADD COLUMN pending BOOLEAN NOT NULL DEFAULT false;
-- Where each username last logged in from. Attempts from such an address
-- skip the per-user and per-address locks that strangers can trip, and meet
-- only their own per-(username, address) limit.
CREATE TABLE login_addresses (
    username      TEXT NOT NULL,
    address       TEXT NOT NULL,
    last_login_at DATETIME NOT NULL,
    PRIMARY KEY (username, address)
);
CREATE INDEX login_addresses_last_login_at ON login_addresses (last_login_at);

-- +goose Down
DROP TABLE login_addresses;
ALTER TABLE login_failures DROP COLUMN pending;
