-- Formal case numbers and public receipt numbers; the dates statistics count by; a counter per
-- (region, procedure, year); stored files (content-addressed); generated documents and the
-- templates staff have edited.

ALTER TABLE cases ADD COLUMN number TEXT;
ALTER TABLE cases ADD COLUMN receipt TEXT;
ALTER TABLE cases ADD COLUMN opened_on TEXT;
ALTER TABLE cases ADD COLUMN concluded_on TEXT;
UPDATE cases SET opened_on = to_char(to_timestamp(created_at / 1000000.0) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD');
CREATE UNIQUE INDEX cases_by_number ON cases (region, number);
CREATE UNIQUE INDEX cases_by_receipt ON cases (receipt);
CREATE INDEX cases_by_opened ON cases (region, procedure, opened_on);

CREATE TABLE case_counters (
    scope TEXT PRIMARY KEY,
    last  BIGINT NOT NULL
);

CREATE TABLE files (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    region     TEXT NOT NULL,
    stored_by  TEXT NOT NULL,
    stored_at  BIGINT NOT NULL
);

CREATE TABLE case_documents (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL,
    document   TEXT NOT NULL,
    title      TEXT NOT NULL,
    docx_sha256 TEXT NOT NULL,
    html_sha256 TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX case_documents_by_case ON case_documents (case_id, created_at);

CREATE TABLE document_templates (
    region     TEXT NOT NULL,
    procedure  TEXT NOT NULL,
    document   TEXT NOT NULL,
    body       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region, procedure, document)
);
