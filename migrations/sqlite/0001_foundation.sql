-- Places: city → district → sub-district → community (regions), then compound → building → entrance → dwelling.
CREATE TABLE regions (
    id INTEGER PRIMARY KEY,
    parent_id BIGINT REFERENCES regions(id),
    level TEXT NOT NULL,            -- city 市 | district 区 | subdistrict 街道 | community 社区
    name TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE
);
CREATE INDEX regions_parent ON regions(parent_id);

CREATE TABLE compounds (             -- 小区
    id INTEGER PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES regions(id),
    subdistrict_id BIGINT NOT NULL REFERENCES regions(id),
    district_id BIGINT NOT NULL REFERENCES regions(id),
    city_id BIGINT NOT NULL REFERENCES regions(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,              -- owner_occupied 商品房 | public_rental 公租房 | mixed
    address TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX compounds_name ON compounds(community_id, name);
CREATE INDEX compounds_district ON compounds(district_id, id);

CREATE TABLE people (                -- 居民/业主/租户 and everyone else who acts in the programme
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT,
    id_number TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX people_phone ON people(phone);
CREATE UNIQUE INDEX people_id_number ON people(id_number);

CREATE TABLE buildings (             -- 楼栋
    id INTEGER PRIMARY KEY,
    compound_id BIGINT NOT NULL REFERENCES compounds(id),
    name TEXT NOT NULL,
    leader_person_id BIGINT REFERENCES people(id)  -- 楼长
);
CREATE UNIQUE INDEX buildings_name ON buildings(compound_id, name);

CREATE TABLE entrances (             -- 单元
    id INTEGER PRIMARY KEY,
    building_id BIGINT NOT NULL REFERENCES buildings(id),
    name TEXT NOT NULL
);
CREATE UNIQUE INDEX entrances_name ON entrances(building_id, name);

CREATE TABLE dwellings (             -- 房屋/户
    id INTEGER PRIMARY KEY,
    compound_id BIGINT NOT NULL REFERENCES compounds(id),
    building_id BIGINT NOT NULL REFERENCES buildings(id),
    entrance_id BIGINT REFERENCES entrances(id),
    number TEXT NOT NULL,
    floor BIGINT NOT NULL,
    use_kind TEXT NOT NULL,          -- residential | commercial | parking | storage
    area_centi_m2 BIGINT NOT NULL,   -- 专有部分面积, integer 0.01 m²
    area_source TEXT NOT NULL        -- register | survey | contract
);
CREATE UNIQUE INDEX dwellings_number ON dwellings(building_id, number);
CREATE INDEX dwellings_compound ON dwellings(compound_id, id);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,              -- property_company | owners_committee | association | department | community_office | subdistrict_office | police_station | developer
    name TEXT NOT NULL,
    region_id BIGINT REFERENCES regions(id),
    compound_id BIGINT REFERENCES compounds(id),
    phone TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX organisations_name ON organisations(kind, name);

CREATE TABLE organisation_matters (  -- what a department owns, e.g. 园林局: green space, roads, parking planning
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    matter TEXT NOT NULL
);
CREATE INDEX organisation_matters_org ON organisation_matters(organisation_id);

CREATE TABLE property_contracts (    -- which company manages which compound, and when
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    compound_id BIGINT NOT NULL REFERENCES compounds(id),
    starts_on TEXT NOT NULL,
    ends_on TEXT
);
CREATE INDEX property_contracts_org ON property_contracts(organisation_id);
CREATE INDEX property_contracts_compound ON property_contracts(compound_id);

CREATE TABLE committee_members (     -- 业委会成员
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    position TEXT NOT NULL,
    term_from TEXT NOT NULL,
    term_to TEXT
);
CREATE INDEX committee_members_org ON committee_members(organisation_id);

CREATE TABLE holdings (              -- a person's (or the developer's) link to a dwelling
    id INTEGER PRIMARY KEY,
    dwelling_id BIGINT NOT NULL REFERENCES dwellings(id),
    person_id BIGINT REFERENCES people(id),
    organisation_id BIGINT REFERENCES organisations(id),
    relation TEXT NOT NULL,          -- owner | co_owner | tenant | family | developer
    since TEXT NOT NULL,
    until TEXT
);
CREATE INDEX holdings_dwelling ON holdings(dwelling_id);
CREATE INDEX holdings_person ON holdings(person_id);

CREATE TABLE teams (                 -- 红管家 team and its work station 工作站
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    community_id BIGINT REFERENCES regions(id),
    compound_id BIGINT REFERENCES compounds(id),
    station_address TEXT NOT NULL DEFAULT ''
);

CREATE TABLE squads (                -- 分队
    id INTEGER PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES teams(id),
    kind TEXT NOT NULL,              -- party_building | policy_publicity | property_services | dispute_mediation | custom
    name TEXT NOT NULL
);
CREATE INDEX squads_team ON squads(team_id);

CREATE TABLE team_members (
    id INTEGER PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES teams(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    home_organisation_id BIGINT REFERENCES organisations(id),
    party_member BIGINT NOT NULL DEFAULT 0,
    volunteer BIGINT NOT NULL DEFAULT 0,
    title TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX team_members_person ON team_members(team_id, person_id);
CREATE INDEX team_members_by_person ON team_members(person_id);

CREATE TABLE squad_members (
    squad_id BIGINT NOT NULL REFERENCES squads(id),
    member_id BIGINT NOT NULL REFERENCES team_members(id),
    PRIMARY KEY (squad_id, member_id)
);

CREATE TABLE responsibility_fields ( -- 责任田: a member or a squad answers for a compound or one building of it
    id INTEGER PRIMARY KEY,
    member_id BIGINT REFERENCES team_members(id),
    squad_id BIGINT REFERENCES squads(id),
    compound_id BIGINT NOT NULL REFERENCES compounds(id),
    building_id BIGINT REFERENCES buildings(id)
);
CREATE INDEX responsibility_fields_member ON responsibility_fields(member_id);
CREATE INDEX responsibility_fields_squad ON responsibility_fields(squad_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    person_id BIGINT REFERENCES people(id),
    password_hash TEXT NOT NULL,
    locale TEXT NOT NULL DEFAULT 'zh-CN',
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_person ON users(person_id);

CREATE TABLE role_grants (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,        -- global | region | compound | building | organisation | team
    scope_id BIGINT
);
CREATE INDEX role_grants_user ON role_grants(user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_user_id BIGINT,
    action TEXT NOT NULL,            -- create | update | delete | unmask | import | login
    entity TEXT NOT NULL,
    entity_id BIGINT,
    before_json TEXT,
    after_json TEXT,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at, id);
