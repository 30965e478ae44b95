-- Escalation of overdue steps (the dossiers.escalate job, decisions §39):
-- escalated_for is when the current step was escalated, NULL while it has
-- not been; entering a step clears it. The job's UPDATE checks the row's
-- rev, so in several processes at once a step is escalated once.
ALTER TABLE dossiers ADD COLUMN escalated_for INTEGER;
CREATE INDEX dossiers_overdue ON dossiers (status, step_due);
