-- Foundation: the hash-chained event log, checkpoints, regions, departments, accounts.
-- Times are BIGINT microseconds since the Unix epoch (UTC) on both engines, so that the values
-- hashed into the chain round-trip exactly. Append-only: never edit a migration that has landed.

CREATE TABLE events (
    region    TEXT   NOT NULL,
    seq       BIGINT NOT NULL,
    subject   TEXT   NOT NULL,
    kind      TEXT   NOT NULL,
    actor     TEXT   NOT NULL,
    at_us     BIGINT NOT NULL,
    payload   TEXT   NOT NULL,
    prev_hash BYTEA   NOT NULL,
    hash      BYTEA   NOT NULL,
    PRIMARY KEY (region, seq)
);
CREATE INDEX events_by_subject ON events (subject, at_us);

CREATE TABLE chain_heads (
    region TEXT PRIMARY KEY,
    height BIGINT NOT NULL,
    hash   BYTEA   NOT NULL,
    at_us  BIGINT NOT NULL
);

CREATE TABLE checkpoints (
    region     TEXT   NOT NULL,
    height     BIGINT NOT NULL,
    head       BYTEA   NOT NULL,
    at_us      BIGINT NOT NULL,
    public_key BYTEA   NOT NULL,
    signature  BYTEA   NOT NULL,
    PRIMARY KEY (region, height)
);

CREATE TABLE regions (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    parent     TEXT REFERENCES regions (code),
    level      TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE departments (
    id         TEXT PRIMARY KEY,
    region     TEXT NOT NULL REFERENCES regions (code),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    version    BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (region, code)
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    region        TEXT NOT NULL REFERENCES regions (code),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- department is '' for region-wide roles, so that it can be part of the key.
CREATE TABLE grants (
    user_id    TEXT NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions (code),
    department TEXT NOT NULL,
    PRIMARY KEY (user_id, role, region, department)
);

CREATE TABLE sessions (
    id_hash    BYTEA PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at   BIGINT
);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    token_hash BYTEA NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE login_failures (
    user_name TEXT   NOT NULL,
    ip        TEXT   NOT NULL,
    at_us     BIGINT NOT NULL
);
CREATE INDEX login_failures_by_name ON login_failures (user_name, at_us);
CREATE INDEX login_failures_by_ip ON login_failures (ip, at_us);
