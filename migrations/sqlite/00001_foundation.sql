-- +goose Up
CREATE TABLE customers (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    phone        TEXT NOT NULL,
    address      TEXT NOT NULL,
    notes        TEXT,
    search_text  TEXT NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    phone         TEXT,
    customer_id   TEXT REFERENCES customers (id),
    disabled      BOOLEAN NOT NULL DEFAULT false,
    password_hash TEXT NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    CONSTRAINT users_customer_role CHECK ((role = 'customer') = (customer_id IS NOT NULL))
);
CREATE INDEX users_role_id ON users (role, id);
CREATE INDEX users_customer_id ON users (customer_id) WHERE customer_id IS NOT NULL;

CREATE TABLE auth_sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    created_at    DATETIME NOT NULL,
    revoked_at    DATETIME,
    revoke_reason TEXT
);
CREATE INDEX auth_sessions_user_id ON auth_sessions (user_id);

CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  DATETIME NOT NULL,
    expires_at  DATETIME NOT NULL,
    used_at     DATETIME,
    replaced_by TEXT
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE login_failures (
    id       TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    address  TEXT NOT NULL,
    at       DATETIME NOT NULL
);
CREATE INDEX login_failures_username_at ON login_failures (username, at);
CREATE INDEX login_failures_address_at ON login_failures (address, at);
CREATE INDEX login_failures_at ON login_failures (at);

CREATE TABLE vehicles (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    plate        TEXT NOT NULL,
    vin          TEXT,
    model        TEXT,
    driver_name  TEXT,
    driver_phone TEXT,
    search_text  TEXT NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    CONSTRAINT vehicles_customer_plate UNIQUE (customer_id, plate)
);
CREATE INDEX vehicles_customer_id_id ON vehicles (customer_id, id);

CREATE TABLE events (
    id             TEXT PRIMARY KEY,
    aggregate_type TEXT NOT NULL,
    aggregate_id   TEXT NOT NULL,
    type           TEXT NOT NULL,
    actor_id       TEXT,
    at             DATETIME NOT NULL,
    data           TEXT NOT NULL
);
CREATE INDEX events_aggregate ON events (aggregate_id, id);

-- +goose Down
DROP TABLE events;
DROP TABLE vehicles;
DROP TABLE login_failures;
DROP TABLE refresh_tokens;
DROP TABLE auth_sessions;
DROP TABLE users;
DROP TABLE customers;
