-- Escalation of overdue steps (the dossiers.escalate job, decisions §39):
-- escalated_for is the step_started of the step last escalated, so a step is
-- escalated once (the job's UPDATE checks it, in every process) and the next
-- step, which starts at another instant, can be escalated again.
ALTER TABLE dossiers ADD COLUMN escalated_for INTEGER;
CREATE INDEX dossiers_overdue ON dossiers (status, step_due);
