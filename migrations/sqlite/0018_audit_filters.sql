-- The audit log narrowed by record, by acting user and by action, newest first (issue 13 §8).
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id, id);
CREATE INDEX audit_log_actor ON audit_log(actor_user_id, id);
CREATE INDEX audit_log_action ON audit_log(action, id);
