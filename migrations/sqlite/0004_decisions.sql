-- Owners' decisions (业主共同决定: assembly votes at a meeting or by written consultation), resident
-- consultations (居民协商) and coordination meetings (协调会). RULES.md §1.
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    compound_id BIGINT NOT NULL REFERENCES compounds(id),
    kind TEXT NOT NULL,                -- assembly | consultation | coordination
    mode TEXT NOT NULL,                -- meeting | written
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',  -- background and documents
    place TEXT NOT NULL DEFAULT '',    -- where the meeting is held
    convenor TEXT NOT NULL,            -- the owners' committee, or who convenes on its behalf
    created_by BIGINT NOT NULL REFERENCES users(id),
    origin_case_id BIGINT REFERENCES cases(id),
    status TEXT NOT NULL,              -- draft | noticed | open | closed | cancelled
    opens_at BIGINT NOT NULL,          -- voting opens; a coordination meeting: when it is held
    closes_at BIGINT NOT NULL,
    noticed_at BIGINT,
    frozen_at BIGINT,                  -- the roll was frozen (voting opened)
    closed_at BIGINT,
    published_at BIGINT,
    roll_digest TEXT NOT NULL DEFAULT '',  -- SHA-256 of the frozen ROLL.csv
    roll_heads BIGINT NOT NULL DEFAULT 0,
    roll_area BIGINT NOT NULL DEFAULT 0,
    units_without_owner BIGINT NOT NULL DEFAULT 0,
    chain_length BIGINT NOT NULL DEFAULT 0,
    chain_head TEXT NOT NULL DEFAULT '',
    closing_report TEXT,
    attendance BIGINT,
    attending_organisations TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX decisions_compound ON decisions(compound_id, id);
CREATE INDEX decisions_status ON decisions(status, opens_at);

CREATE TABLE decision_items (          -- 议题
    id INTEGER PRIMARY KEY,
    decision_id BIGINT NOT NULL REFERENCES decisions(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    matter BIGINT,                     -- art. 278 item 1–9; NULL for consultations and meetings
    outcome TEXT,                      -- the published result (JSON), set at the close
    passed BIGINT,                     -- 1 | 0, set at the close
    follow_up_case_id BIGINT REFERENCES cases(id)
);
CREATE UNIQUE INDEX decision_items_position ON decision_items(decision_id, position);

CREATE TABLE decision_invitations (    -- departments invited to answer owners' questions (S2)
    decision_id BIGINT NOT NULL REFERENCES decisions(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (decision_id, organisation_id)
);
CREATE INDEX decision_invitations_org ON decision_invitations(organisation_id);

CREATE TABLE decision_questions (      -- 答疑 before the meeting
    id INTEGER PRIMARY KEY,
    decision_id BIGINT NOT NULL REFERENCES decisions(id),
    asked_by BIGINT NOT NULL REFERENCES users(id),
    question TEXT NOT NULL,
    asked_at BIGINT NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id),
    answered_org_id BIGINT REFERENCES organisations(id),
    answered_at BIGINT
);
CREATE INDEX decision_questions_decision ON decision_questions(decision_id, id);

CREATE TABLE roll_heads (              -- 表决权登记: one row per head after the counting rules
    decision_id BIGINT NOT NULL REFERENCES decisions(id),
    head_no BIGINT NOT NULL,
    kind TEXT NOT NULL,                -- owner | co_owned | developer | no_owner | household
    designated_person_id BIGINT REFERENCES people(id),
    developer_id BIGINT REFERENCES organisations(id),
    units TEXT NOT NULL,               -- unit labels separated by ';'
    area BIGINT NOT NULL,              -- 0.01 m²
    PRIMARY KEY (decision_id, head_no)
);

CREATE TABLE roll_units (
    decision_id BIGINT NOT NULL REFERENCES decisions(id),
    dwelling_id BIGINT NOT NULL REFERENCES dwellings(id),
    head_no BIGINT NOT NULL,
    PRIMARY KEY (decision_id, dwelling_id)
);

CREATE TABLE roll_voters (             -- the owners (or household members) of each head
    decision_id BIGINT NOT NULL REFERENCES decisions(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    head_no BIGINT NOT NULL,
    PRIMARY KEY (decision_id, person_id, head_no)
);

CREATE TABLE roll_objections (         -- an owner disputes their entry before voting opens
    id INTEGER PRIMARY KEY,
    decision_id BIGINT NOT NULL REFERENCES decisions(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id),
    answered_at BIGINT
);
CREATE INDEX roll_objections_decision ON roll_objections(decision_id, id);

CREATE TABLE ballots (                 -- every ballot, appended to the decision's hash chain
    id INTEGER PRIMARY KEY,
    decision_id BIGINT NOT NULL REFERENCES decisions(id),
    seq BIGINT NOT NULL,               -- position in the chain, from 1
    item_position BIGINT NOT NULL,
    head_no BIGINT NOT NULL,
    choice TEXT NOT NULL,              -- agree | disagree | abstain
    channel TEXT NOT NULL,             -- online | paper | proxy
    ballot_number TEXT NOT NULL DEFAULT '',
    proxy_reference TEXT NOT NULL DEFAULT '',
    voter_person_id BIGINT REFERENCES people(id),
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    cast_at BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE UNIQUE INDEX ballots_seq ON ballots(decision_id, seq);
CREATE UNIQUE INDEX ballots_one_per_head ON ballots(decision_id, item_position, head_no);

CREATE TABLE meeting_demands (         -- owners demand an extraordinary meeting (≥ 20 % area and heads)
    id INTEGER PRIMARY KEY,
    compound_id BIGINT NOT NULL REFERENCES compounds(id),
    subject TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    reached_at BIGINT,
    case_id BIGINT REFERENCES cases(id)
);
CREATE INDEX meeting_demands_compound ON meeting_demands(compound_id, id);

CREATE TABLE demand_signatures (
    demand_id BIGINT NOT NULL REFERENCES meeting_demands(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    signed_at BIGINT NOT NULL,
    PRIMARY KEY (demand_id, person_id)
);

ALTER TABLE notifications ADD COLUMN decision_id BIGINT REFERENCES decisions(id);
