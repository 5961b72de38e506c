-- Region-wide queues (a district official's /cases: all, open, overdue) walk an index in id
-- order and stop at the page's end, instead of sorting every case of the region. The open ones
-- repeat `UNFINISHED` (src/db/cases) word for word, as the planner needs for a partial index.
CREATE INDEX cases_city_id ON cases(city_id, id);
CREATE INDEX cases_district_id ON cases(district_id, id);
CREATE INDEX cases_subdistrict_id ON cases(subdistrict_id, id);
CREATE INDEX cases_community_id ON cases(community_id, id);
CREATE INDEX cases_open_city ON cases(city_id, id)
  WHERE (status <> 'closed' AND status <> 'withdrawn' AND status <> 'not_accepted' AND status <> 'merged');
CREATE INDEX cases_open_district ON cases(district_id, id)
  WHERE (status <> 'closed' AND status <> 'withdrawn' AND status <> 'not_accepted' AND status <> 'merged');
CREATE INDEX cases_open_subdistrict ON cases(subdistrict_id, id)
  WHERE (status <> 'closed' AND status <> 'withdrawn' AND status <> 'not_accepted' AND status <> 'merged');
CREATE INDEX cases_open_community ON cases(community_id, id)
  WHERE (status <> 'closed' AND status <> 'withdrawn' AND status <> 'not_accepted' AND status <> 'merged');
