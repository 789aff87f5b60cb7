-- Deadline alerts at province scale (issue 6): the scheduler looked every minute at every
-- overdue case and searched its events for an alert already sent, which grows with the
-- overdue cases forever. The case row now says which alert was last sent for its current
-- deadline ('due_soon:2026-12-07' or 'overdue:2026-12-07'); a deadline that changes no
-- longer matches it, so the new deadline is announced again.
ALTER TABLE cases ADD COLUMN alerted TEXT;

-- What was sent before this migration, read back from the alert events.
UPDATE cases SET alerted = CASE
    WHEN EXISTS (SELECT 1 FROM events e WHERE e.subject = 'case:' || cases.id
                   AND e.kind = 'case.deadline_overdue'
                   AND e.payload LIKE '%"due":"' || cases.next_due || '"%')
        THEN 'overdue:' || cases.next_due
    WHEN EXISTS (SELECT 1 FROM events e WHERE e.subject = 'case:' || cases.id
                   AND e.kind = 'case.deadline_due_soon'
                   AND e.payload LIKE '%"due":"' || cases.next_due || '"%')
        THEN 'due_soon:' || cases.next_due
    END
WHERE NOT terminal AND next_due IS NOT NULL;

-- The open cases whose deadline may still need an alert, by the day their warning begins
-- (a case past its deadline has begun its warning too): the scheduler reads only these.
CREATE INDEX cases_alert_pending ON cases (warn_from)
    WHERE NOT terminal AND next_due IS NOT NULL AND (alerted IS NULL OR alerted <> 'overdue:' || next_due);
