-- A compound's queue filtered by status, newest first, read from the index alone (it holds
-- every column a queue line shows).
CREATE INDEX cases_compound_status ON cases(compound_id, status, id, number, kind, category_id, building_id, owner_kind, owner_id, created_at, next_due);
-- Petitions by year.
CREATE INDEX cases_kind_created ON cases(kind, created_at);
-- A district's figures for a period, read from the index alone.
DROP INDEX cases_district_created;
CREATE INDEX cases_district_figures ON cases(district_id, created_at, owner_kind, owner_id, compound_id, kind, category_id, channel, status, signed_in_time, sign_due, rating, next_due);
