-- Who read which case (个人信息保护法: a staff member's access to records holding personal data
-- is logged and shown to the region's supervisors). A read is not an event of the chain: reads
-- are many, and they change nothing.
CREATE TABLE case_reads (
    case_id  TEXT   NOT NULL,
    region   TEXT   NOT NULL,
    user_id  TEXT   NOT NULL,
    what     TEXT   NOT NULL,
    at_us    BIGINT NOT NULL
);
CREATE INDEX case_reads_by_case ON case_reads (case_id, at_us);
CREATE INDEX case_reads_by_user ON case_reads (user_id, at_us);
