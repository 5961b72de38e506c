-- How far each outgoing channel (e-mail, SMS, a spool file an SMS gateway reads) has got in the
-- notifications table. A node moves the cursor before it delivers (compare-and-set on last_id),
-- so of several nodes exactly one delivers each batch; a failed delivery moves it back.
CREATE TABLE delivery_cursors (
    channel TEXT PRIMARY KEY,
    last_id BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
