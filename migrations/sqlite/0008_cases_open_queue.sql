-- The default queue (a compound's unfinished cases, newest first) read from a small covering
-- index of the unfinished cases only: no table look-ups, and its size follows the open cases,
-- not the history. The WHERE clause is `UNFINISHED` in src/db/cases.rs, word for word (the
-- planner uses a partial index only when the query repeats its condition).
CREATE INDEX cases_open_compound ON cases(compound_id, id, status, number, kind, category_id, building_id, owner_kind, owner_id, created_at, next_due)
  WHERE (status <> 'closed' AND status <> 'withdrawn' AND status <> 'not_accepted' AND status <> 'merged');
