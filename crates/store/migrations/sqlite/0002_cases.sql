-- Cases of every procedure, as projections of their events, and admin-entered calendar years.
-- Dates are TEXT 'YYYY-MM-DD' (they sort and compare as dates on both engines).

CREATE TABLE cases (
    id                 TEXT PRIMARY KEY,
    region             TEXT NOT NULL,
    department         TEXT NOT NULL,
    procedure          TEXT NOT NULL,
    definition_version TEXT NOT NULL,
    title              TEXT NOT NULL,
    state              TEXT NOT NULL,
    terminal           BOOLEAN NOT NULL,
    version            BIGINT NOT NULL,
    snapshot           TEXT NOT NULL,
    next_due           TEXT,
    warn_from          TEXT,
    next_check         TEXT,
    created_by         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX cases_by_region ON cases (region, procedure, state);
CREATE INDEX cases_by_department ON cases (department, updated_at);
CREATE INDEX cases_by_due ON cases (next_due);
CREATE INDEX cases_by_check ON cases (next_check);

CREATE TABLE calendar_years (
    year       BIGINT PRIMARY KEY,
    source     TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
