-- The annual reports' own texts (issue 13): a narrative paragraph as the district edited it,
-- or the value entered by hand for a figure no record can give (with its source). Every edit
-- is a new version beside the earlier ones (each also an event of the region's chain); the
-- report uses the latest version of each part.
CREATE TABLE report_texts (
    region      TEXT NOT NULL,
    report      TEXT NOT NULL,
    year        BIGINT NOT NULL,
    part        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    text        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (region, report, year, part, version)
);
