-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE customers (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    contact_name text NOT NULL,
    phone        text NOT NULL,
    address      text NOT NULL,
    notes        text,
    search_text  text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX customers_search_trgm ON customers USING gin (search_text gin_trgm_ops);

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    display_name  text NOT NULL,
    role          text NOT NULL,
    phone         text,
    customer_id   uuid REFERENCES customers (id),
    disabled      boolean NOT NULL DEFAULT false,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT users_customer_role CHECK ((role = 'customer') = (customer_id IS NOT NULL))
);
CREATE INDEX users_role_id ON users (role, id);
CREATE INDEX users_customer_id ON users (customer_id) WHERE customer_id IS NOT NULL;

CREATE TABLE auth_sessions (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    revoke_reason text
);
CREATE INDEX auth_sessions_user_id ON auth_sessions (user_id);

CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    token_hash  text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    replaced_by uuid
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE login_failures (
    id       uuid PRIMARY KEY,
    username text NOT NULL,
    address  text NOT NULL,
    at       timestamptz NOT NULL
);
CREATE INDEX login_failures_username_at ON login_failures (username, at);
CREATE INDEX login_failures_address_at ON login_failures (address, at);
CREATE INDEX login_failures_at ON login_failures (at);

CREATE TABLE vehicles (
    id           uuid PRIMARY KEY,
    customer_id  uuid NOT NULL REFERENCES customers (id),
    plate        text NOT NULL,
    vin          text,
    model        text,
    driver_name  text,
    driver_phone text,
    search_text  text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT vehicles_customer_plate UNIQUE (customer_id, plate)
);
CREATE INDEX vehicles_customer_id_id ON vehicles (customer_id, id);
CREATE INDEX vehicles_search_trgm ON vehicles USING gin (search_text gin_trgm_ops);

CREATE TABLE events (
    id             uuid PRIMARY KEY,
    aggregate_type text NOT NULL,
    aggregate_id   uuid NOT NULL,
    type           text NOT NULL,
    actor_id       uuid,
    at             timestamptz NOT NULL,
    data           jsonb NOT NULL
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
