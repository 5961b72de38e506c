-- The compounds of a region's month or year, largest first (issue 13 §9): the figures show a
-- page of them, read as an ordered walk of this index instead of sorting thousands of rows.
CREATE INDEX case_figures_ranked ON case_figures_monthly (level, region_id, month, dim, total DESC, key_id);
