-- API tokens expire (issue 22, item 8): a token is created for so many days (90 by default,
-- at most a year). Tokens made before this column existed have none: they count as expiring
-- 90 days after they were created.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
