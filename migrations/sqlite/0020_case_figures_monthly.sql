-- Case figures kept per month (issue 13 §9): the counts of the three rates per compound and per
-- region (community, sub-district, district, city) and per dimension (0 handling unit,
-- 1 compound, 2 kind, 3 category, 4 channel), so that a month or a year of a district is read
-- from a few thousand rows whatever the number of cases. A change to a case marks its compound
-- and month dirty (the triggers below, in the change's own transaction); the figures refresh
-- the dirty months before they answer. Months are local (Asia/Shanghai, UTC+8 without DST
-- since 1991): YYYYMM.
CREATE TABLE case_figures_monthly (
    level TEXT NOT NULL,              -- compound | community | subdistrict | district | city
    region_id BIGINT NOT NULL,        -- the compound or region
    month BIGINT NOT NULL,            -- YYYYMM
    dim BIGINT NOT NULL,
    key_text TEXT NOT NULL,
    key_id BIGINT NOT NULL,
    total BIGINT NOT NULL,
    due_to_sign BIGINT NOT NULL,
    signed_in_time BIGINT NOT NULL,
    taken_on BIGINT NOT NULL,
    closed BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    overdue BIGINT NOT NULL,
    PRIMARY KEY (level, region_id, month, dim, key_text, key_id)
);

CREATE TABLE case_figures_dirty (
    compound_id BIGINT NOT NULL,
    month BIGINT NOT NULL,
    PRIMARY KEY (compound_id, month)
);

-- When the figures were last brought up to date: deadlines that passed since are counted as
-- overdue at the next refresh.
CREATE TABLE case_figures_state (
    id BIGINT PRIMARY KEY,
    refreshed_at BIGINT NOT NULL
);
INSERT INTO case_figures_state (id, refreshed_at) VALUES (1, 0);

CREATE TRIGGER cases_figures_insert AFTER INSERT ON cases BEGIN
    INSERT INTO case_figures_dirty (compound_id, month)
    VALUES (NEW.compound_id, CAST(strftime('%Y%m', NEW.created_at + 28800, 'unixepoch') AS INTEGER))
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER cases_figures_update AFTER UPDATE ON cases BEGIN
    INSERT INTO case_figures_dirty (compound_id, month)
    VALUES (NEW.compound_id, CAST(strftime('%Y%m', NEW.created_at + 28800, 'unixepoch') AS INTEGER))
    ON CONFLICT DO NOTHING;
END;

-- The cases already there: every month with cases is counted at the first refresh.
INSERT INTO case_figures_dirty (compound_id, month)
SELECT DISTINCT compound_id, CAST(strftime('%Y%m', created_at + 28800, 'unixepoch') AS INTEGER) FROM cases;
