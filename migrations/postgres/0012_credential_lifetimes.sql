-- API tokens and Open311 keys can expire and be revoked (revoked_at set; the row stays for the
-- record). A password change or reset revokes the account's tokens.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN revoked_at BIGINT;
CREATE INDEX api_tokens_user ON api_tokens(user_id, id);
ALTER TABLE open311_clients ADD COLUMN expires_at BIGINT;
ALTER TABLE open311_clients ADD COLUMN revoked_at BIGINT;
