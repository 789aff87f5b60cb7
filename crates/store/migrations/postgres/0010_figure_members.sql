-- The report figures each case counts toward (issue 13): written with the case, so that a
-- figure for a region and a year is an indexed count or sum at any scale instead of a pass
-- over every case. A row says that the case counts toward `figure` of `report` in every year
-- from `from_year` to `to_year` (both included; 0 and 9999 for no bound), with `amount` (1 for
-- a count, the field's value for a sum). Derived from the cases and the report files: rebuilt
-- whole when a report's figures or the definitions they read change (`figure_builds` holds
-- the fingerprint each report's rows were built from).
CREATE TABLE figure_members (
    report    TEXT NOT NULL,
    figure    TEXT NOT NULL,
    case_id   TEXT NOT NULL,
    region    TEXT NOT NULL,
    from_year BIGINT NOT NULL,
    to_year   BIGINT NOT NULL,
    amount    BIGINT NOT NULL,
    PRIMARY KEY (report, figure, case_id)
);
-- A year's figures of a report: the rows whose years reach it, read from the index alone.
CREATE INDEX figure_members_by_year ON figure_members (report, to_year, from_year, region, figure, amount);
-- A case's rows, replaced when it is written.
CREATE INDEX figure_members_by_case ON figure_members (case_id);

CREATE TABLE figure_builds (
    report      TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    built_at    BIGINT NOT NULL
);
