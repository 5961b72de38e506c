-- Cases merged into another: their reporters follow the case they were merged into.
CREATE INDEX cases_merged_into ON cases(merged_into) WHERE merged_into IS NOT NULL;
