-- The body that convenes a decision: the owners' committee (its organisation) when it convenes;
-- NULL when a team member or community staff convenes on its behalf where there is none (then the
-- recorded convenor is the user in created_by). Convenor actions check the actor acts for it.
ALTER TABLE decisions ADD COLUMN convenor_organisation_id BIGINT REFERENCES organisations(id);
