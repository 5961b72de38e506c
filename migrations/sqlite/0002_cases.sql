-- Cases (工单): every report, complaint, repair, dispute and petition (issue 3).

CREATE TABLE sla_classes (           -- 接诉即办 service targets, configurable
    code TEXT PRIMARY KEY,           -- danger | utilities | ordinary | complex
    sign_seconds BIGINT NOT NULL,    -- sign for (签收) within
    reply_seconds BIGINT NOT NULL    -- reply (答复) within
);
INSERT INTO sla_classes (code, sign_seconds, reply_seconds) VALUES
    ('danger', 1800, 7200), ('utilities', 7200, 86400), ('ordinary', 86400, 604800), ('complex', 86400, 1296000);

CREATE TABLE case_categories (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    handler TEXT NOT NULL,           -- property_company | team | squad:<squad kind> | organisation:<id>
    sla_class TEXT NOT NULL REFERENCES sla_classes(code),
    active BIGINT NOT NULL DEFAULT 1,
    position BIGINT NOT NULL DEFAULT 0
);
INSERT INTO case_categories (code, name_zh, name_en, handler, sla_class, position) VALUES
    ('parking', '停车与车辆', 'Parking and vehicles', 'property_company', 'ordinary', 1),
    ('pets_noise', '宠物与噪音', 'Pets and noise', 'squad:property_services', 'ordinary', 2),
    ('security', '治安安全', 'Security', 'property_company', 'utilities', 3),
    ('facilities', '公共设施', 'Public facilities', 'property_company', 'ordinary', 4),
    ('sanitation', '环境卫生与绿化', 'Sanitation and greenery', 'property_company', 'ordinary', 5),
    ('fees_services', '物业费与物业服务', 'Property fees and services', 'property_company', 'ordinary', 6),
    ('building', '房屋与结构', 'Building and structure', 'property_company', 'complex', 7),
    ('neighbours', '邻里关系', 'Neighbour relations', 'squad:dispute_mediation', 'ordinary', 8),
    ('policy', '政策咨询', 'Policy question', 'squad:policy_publicity', 'ordinary', 9),
    ('other', '其他', 'Other', 'team', 'ordinary', 10);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,     -- YC-2026-000123
    kind TEXT NOT NULL,              -- complaint | repair | consultation | suggestion | dispute | petition | wellbeing
    category_id BIGINT NOT NULL REFERENCES case_categories(id),
    channel TEXT NOT NULL,           -- online | phone | visit | letter | building_leader | open311
    status TEXT NOT NULL,
    compound_id BIGINT NOT NULL REFERENCES compounds(id),
    building_id BIGINT REFERENCES buildings(id),
    dwelling_id BIGINT REFERENCES dwellings(id),
    community_id BIGINT NOT NULL,    -- the compound's regions, copied for access checks and figures
    subdistrict_id BIGINT NOT NULL,
    district_id BIGINT NOT NULL,
    city_id BIGINT NOT NULL,
    public_area TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    description_public BIGINT NOT NULL DEFAULT 0, -- the reporter agreed to show it in the compound's public list
    reporter_user_id BIGINT REFERENCES users(id),
    reporter_name TEXT NOT NULL DEFAULT '',
    reporter_phone TEXT,
    visitors BIGINT NOT NULL DEFAULT 0, -- petitions by visit: how many came
    registered_by BIGINT REFERENCES users(id),
    owner_kind TEXT NOT NULL,        -- squad | team | organisation: who answers for it now
    owner_id BIGINT NOT NULL,
    dispatched_by_kind TEXT,
    dispatched_by_id BIGINT,
    assignee_user_id BIGINT REFERENCES users(id),
    level TEXT NOT NULL,             -- compound | team | community | subdistrict | district
    sla_class TEXT NOT NULL,
    sign_seconds BIGINT NOT NULL,
    reply_seconds BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    sign_due BIGINT,
    reply_due BIGINT,
    accept_due BIGINT,
    review_due BIGINT,
    next_due BIGINT,                 -- earliest running deadline; NULL when none (the deadline job's index)
    signed_at BIGINT,
    replied_at BIGINT,
    closed_at BIGINT,
    accepted BIGINT NOT NULL,
    extended BIGINT NOT NULL DEFAULT 0,
    reopened BIGINT NOT NULL DEFAULT 0,
    review_stage BIGINT NOT NULL DEFAULT 0,
    rating TEXT,
    rating_comment TEXT NOT NULL DEFAULT '',
    no_follow_up BIGINT NOT NULL DEFAULT 0,
    open_coordinations BIGINT NOT NULL DEFAULT 0,
    merged_into BIGINT REFERENCES cases(id),
    signed_in_time BIGINT,           -- 1/0 once signed for: the response rate
    due_soon_for BIGINT,             -- the deadline already announced as due soon (never twice)
    overdue_for BIGINT,              -- the deadline already announced as overdue
    version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX cases_owner ON cases(owner_kind, owner_id, id);
CREATE INDEX cases_compound ON cases(compound_id, id);
CREATE INDEX cases_reporter ON cases(reporter_user_id, id);
CREATE INDEX cases_next_due ON cases(next_due);
CREATE INDEX cases_district_created ON cases(district_id, created_at);

CREATE TABLE case_events (           -- every step, with who, when and why
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    at BIGINT NOT NULL,
    actor_user_id BIGINT REFERENCES users(id),
    kind TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    unit_kind TEXT,
    unit_id BIGINT,
    note TEXT NOT NULL DEFAULT '',
    internal BIGINT NOT NULL DEFAULT 0 -- internal notes are never shown to the reporter
);
CREATE INDEX case_events_case ON case_events(case_id, id);

CREATE TABLE case_photos (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    content_type TEXT NOT NULL,      -- image/jpeg | image/png | image/webp, from the content
    bytes BLOB NOT NULL
);
CREATE INDEX case_photos_case ON case_photos(case_id);

CREATE TABLE coordination_requests ( -- 协调: a department's opinion or action on a case (S2)
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    question TEXT NOT NULL,
    asked_at BIGINT NOT NULL,
    asked_by BIGINT REFERENCES users(id),
    due_at BIGINT NOT NULL,
    answer TEXT,
    answered_at BIGINT,
    answered_by BIGINT REFERENCES users(id)
);
CREATE INDEX coordination_requests_case ON coordination_requests(case_id);
CREATE INDEX coordination_requests_org ON coordination_requests(organisation_id, id);

CREATE TABLE mediations (            -- 调解 of a dispute case
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    mediator_member_id BIGINT REFERENCES team_members(id),
    parties TEXT NOT NULL DEFAULT '',
    outcome TEXT,                    -- agreement | referral | withdrawn
    outcome_text TEXT NOT NULL DEFAULT '',
    referral TEXT                    -- mediation_committee | court
);
CREATE TABLE mediation_sessions (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    held_on TEXT NOT NULL,
    attendees TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mediation_sessions_case ON mediation_sessions(case_id);

CREATE TABLE notifications (         -- in-app inbox; e-mail/SMS can hang off the same rows later
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    case_id BIGINT REFERENCES cases(id),
    kind TEXT NOT NULL,              -- assigned | replied | due_soon | overdue | follow_up | coordination | merged
    dedupe_key TEXT NOT NULL UNIQUE, -- the same event never notifies twice, whichever node sends it
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);

CREATE TABLE open311_clients (       -- GeoReport v2 API keys
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
