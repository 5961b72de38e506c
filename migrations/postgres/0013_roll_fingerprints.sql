-- Every field of a frozen roll that decides who votes and with what weight is covered by a
-- fingerprint per head (head, kind, designated voter, developer, units, dwellings, voters, area)
-- and a digest of all fingerprints on the decision; verification names a head that changed.
-- Rolls frozen before this have NULL here and are verified by roll_digest alone.
ALTER TABLE roll_heads ADD COLUMN fingerprint TEXT;
ALTER TABLE decisions ADD COLUMN roll_full_digest TEXT;
