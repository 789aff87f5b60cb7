-- What is public now of each case (执法公示, 信息公开), as its definition's publications and
-- masking say: a projection rewritten with every step of the case.

CREATE TABLE publications (
    case_id      TEXT NOT NULL,
    code         TEXT NOT NULL,
    region       TEXT NOT NULL,
    department   TEXT NOT NULL,
    procedure    TEXT NOT NULL,
    label        TEXT NOT NULL,
    title        TEXT NOT NULL,
    number       TEXT,
    since        TEXT,
    fields       TEXT NOT NULL,
    PRIMARY KEY (case_id, code)
);
CREATE INDEX publications_by_procedure ON publications (region, procedure, since);
