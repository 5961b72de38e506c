-- An owner's own ballots (which items a head has voted on) without scanning the whole vote.
CREATE INDEX ballots_head ON ballots(decision_id, head_no);
