-- When the owning unit received the case from whoever dispatched it: a petition's receiver may
-- dispute its competence (return it) only within 5 working days of that. Left empty for the
-- dispatch at intake, which happens at created_at; earlier hand-overs are taken from the timeline.
ALTER TABLE cases ADD COLUMN dispatched_at BIGINT;
UPDATE cases SET dispatched_at = (SELECT MAX(e.at) FROM case_events e WHERE e.case_id = cases.id
    AND e.kind IN ('dispatched', 'transferred', 'reopened') AND e.actor_user_id IS NOT NULL)
WHERE dispatched_by_id IS NOT NULL;
