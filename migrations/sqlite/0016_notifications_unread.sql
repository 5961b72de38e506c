-- The unread badge counts at most 100 unread notifications (shown as 99+) from an index of the
-- unread ones only.
CREATE INDEX notifications_unread ON notifications(user_id, id) WHERE read_at IS NULL;
