-- Notifications: in-app messages for staff, and the outbox of messages to other systems and
-- people (email over SMTP, signed webhooks), written in the same transaction as the event that
-- causes them, delivered later with retries. Every delivery attempt is recorded.

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT   NOT NULL REFERENCES users (id),
    region     TEXT   NOT NULL,
    subject    TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    title      TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    link       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_by_user ON notifications (user_id, created_at);

-- channel: 'email' (target an address) or 'webhook' (target a URL, body JSON).
-- status: 'pending' (next try at next_attempt_at), 'sent' or 'failed' (gave up).
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    channel         TEXT   NOT NULL,
    target          TEXT   NOT NULL,
    subject         TEXT   NOT NULL,
    body            TEXT   NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    status          TEXT   NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE outbox_attempts (
    outbox_id TEXT    NOT NULL REFERENCES outbox (id),
    attempt   BIGINT  NOT NULL,
    at_us     BIGINT  NOT NULL,
    ok        BOOLEAN NOT NULL,
    detail    TEXT    NOT NULL,
    PRIMARY KEY (outbox_id, attempt)
);
