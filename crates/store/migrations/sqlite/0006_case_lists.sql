-- Case lists at city and province scale (issue 6): each list order the console and the API
-- offer is held by an index, so that a page is read in order instead of sorting every
-- matching case; region and department ride along, so that a user's scope is checked (and
-- the capped count taken) from the index alone. A procedure's open cases by due date (the
-- ones without a deadline last):
CREATE INDEX cases_open_by_due ON cases (procedure, terminal, (next_due IS NULL), next_due, id, region, department);
-- A procedure's cases, newest first, and most recently changed first:
CREATE INDEX cases_by_procedure_created ON cases (procedure, created_at, id, region, department);
CREATE INDEX cases_by_procedure_updated ON cases (procedure, updated_at, id, region, department);
-- Every case most recently changed first (the console's default list):
CREATE INDEX cases_by_updated ON cases (updated_at, id, region, department);
