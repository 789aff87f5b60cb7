-- Personal assignment (issue 12): a case may be assigned to a member of its department
-- (承办人), who finds it among "my cases". The column mirrors the snapshot's `assignee`.
ALTER TABLE cases ADD COLUMN assignee TEXT;

-- "My cases": a person's open cases, most recently changed first.
CREATE INDEX cases_assignee ON cases (assignee, terminal, updated_at) WHERE assignee IS NOT NULL;
