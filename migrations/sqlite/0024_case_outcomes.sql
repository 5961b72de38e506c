-- A petition not accepted (RULES.md §2) says why and where to go: not accepted, or redirected
-- to a court, to administrative reconsideration or to another organ, with the body named.
-- Written with the not_accept step, in its transaction; told to the petitioner.
CREATE TABLE case_outcomes (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    outcome TEXT NOT NULL CHECK (outcome IN ('not_accepted', 'court', 'reconsideration', 'other_organ')),
    go_to TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    decided_by BIGINT
);
