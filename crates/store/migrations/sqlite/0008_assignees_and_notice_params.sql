-- Personal assignment (issue 12): a case may be assigned to a member of its department
-- (承办人), who finds it among "my cases". The column mirrors the snapshot's `assignee`.
ALTER TABLE cases ADD COLUMN assignee TEXT;

-- "My cases": a person's cases (a few dozen each; sorted after the lookup). Partial and on
-- the assignee alone, so that steps that do not assign leave it untouched.
CREATE INDEX cases_assignee ON cases (assignee) WHERE assignee IS NOT NULL;

-- In-app notices rendered in the reader's language (issue 12): the parameters of a notice, as
-- a JSON object, beside its kind; `title` and `body` keep the Chinese text written with it.
ALTER TABLE notifications ADD COLUMN params TEXT;
