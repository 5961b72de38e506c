-- The working-day calendar (RULES.md §7): the years entered and, for each, the days that differ
-- from Monday–Friday: public holidays, and weekend days declared working days (调休上班). A year
-- with no row in `calendar_years` counts weekends only, and the product says so.
CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    entered_at BIGINT NOT NULL,
    entered_by BIGINT
);

CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,             -- YYYY-MM-DD, local
    year BIGINT NOT NULL REFERENCES calendar_years(year),
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'working')),
    name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX calendar_days_year ON calendar_days (year, day);

-- 2026 as the State Council General Office published it on 2025-11-04.
INSERT INTO calendar_years (year, entered_at, entered_by) VALUES (2026, 1762214400, NULL);
INSERT INTO calendar_days (day, year, kind, name) VALUES
    ('2026-01-01', 2026, 'holiday', '元旦'),
    ('2026-01-02', 2026, 'holiday', '元旦'),
    ('2026-01-03', 2026, 'holiday', '元旦'),
    ('2026-01-04', 2026, 'working', '元旦'),
    ('2026-02-14', 2026, 'working', '春节'),
    ('2026-02-15', 2026, 'holiday', '春节'),
    ('2026-02-16', 2026, 'holiday', '春节'),
    ('2026-02-17', 2026, 'holiday', '春节'),
    ('2026-02-18', 2026, 'holiday', '春节'),
    ('2026-02-19', 2026, 'holiday', '春节'),
    ('2026-02-20', 2026, 'holiday', '春节'),
    ('2026-02-21', 2026, 'holiday', '春节'),
    ('2026-02-22', 2026, 'holiday', '春节'),
    ('2026-02-23', 2026, 'holiday', '春节'),
    ('2026-02-28', 2026, 'working', '春节'),
    ('2026-04-04', 2026, 'holiday', '清明节'),
    ('2026-04-05', 2026, 'holiday', '清明节'),
    ('2026-04-06', 2026, 'holiday', '清明节'),
    ('2026-05-01', 2026, 'holiday', '劳动节'),
    ('2026-05-02', 2026, 'holiday', '劳动节'),
    ('2026-05-03', 2026, 'holiday', '劳动节'),
    ('2026-05-04', 2026, 'holiday', '劳动节'),
    ('2026-05-05', 2026, 'holiday', '劳动节'),
    ('2026-05-09', 2026, 'working', '劳动节'),
    ('2026-06-19', 2026, 'holiday', '端午节'),
    ('2026-06-20', 2026, 'holiday', '端午节'),
    ('2026-06-21', 2026, 'holiday', '端午节'),
    ('2026-09-20', 2026, 'working', '国庆节'),
    ('2026-09-25', 2026, 'holiday', '中秋节'),
    ('2026-09-26', 2026, 'holiday', '中秋节'),
    ('2026-09-27', 2026, 'holiday', '中秋节'),
    ('2026-10-01', 2026, 'holiday', '国庆节'),
    ('2026-10-02', 2026, 'holiday', '国庆节'),
    ('2026-10-03', 2026, 'holiday', '国庆节'),
    ('2026-10-04', 2026, 'holiday', '国庆节'),
    ('2026-10-05', 2026, 'holiday', '国庆节'),
    ('2026-10-06', 2026, 'holiday', '国庆节'),
    ('2026-10-07', 2026, 'holiday', '国庆节'),
    ('2026-10-10', 2026, 'working', '国庆节');

-- An SLA class may count its reply period in working days instead of hours (0: in hours).
ALTER TABLE sla_classes ADD COLUMN reply_working_days BIGINT NOT NULL DEFAULT 0;
