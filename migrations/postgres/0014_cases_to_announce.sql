-- The deadline job walks only the cases with a deadline still to announce as overdue, so a
-- tick costs the same whatever the history (the announced ones leave this index).
CREATE INDEX cases_to_announce ON cases(next_due) WHERE next_due IS NOT NULL AND (overdue_for IS NULL OR overdue_for <> next_due);
