//! The hash chain of a vote's ballots: every ballot is appended with SHA-256 over the previous
//! hash and the ballot's canonical content, starting from a genesis hash that binds the vote and
//! its frozen roll. The published result carries the final hash, so changing, deleting or
//! inserting any stored ballot afterwards is found by [`verify`], which names the ballot.
use super::vote::Choice;
use serde::Serialize;
use sha2::{Digest, Sha256};

word_enum!(
    /// How a ballot reached us.
    BallotChannel { Online = "online", Paper = "paper", Proxy = "proxy" }
);

/// What a ballot says, as it is hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BallotRecord {
    /// Position in the vote's chain, from 1.
    pub seq: i64,
    /// The agenda item's position in the vote, from 1.
    pub item: i64,
    /// The head's number in the roll.
    pub head: i64,
    pub choice: Choice,
    pub channel: BallotChannel,
    /// Paper ballots: the number printed on the ballot.
    pub ballot_number: String,
    /// Proxy votes: the reference of the written authorisation.
    pub proxy_reference: String,
    pub cast_at: i64,
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

impl BallotRecord {
    /// A JSON array: unambiguous whatever the free-text fields contain.
    pub fn canonical(&self) -> String {
        // A tuple serialises as a compact JSON array, without building a `Value` first.
        serde_json::to_string(&(
            self.seq,
            self.item,
            self.head,
            self.choice.as_str(),
            self.channel.as_str(),
            &self.ballot_number,
            &self.proxy_reference,
            self.cast_at,
        ))
        .unwrap_or_default()
    }
}

/// The hash before the first ballot: binds the chain to the vote and to its roll.
pub fn genesis(vote_id: i64, roll_digest: &str) -> String {
    sha256_hex(format!("redbutler-vote/1\n{vote_id}\n{roll_digest}").as_bytes())
}

/// The hash of a ballot appended after `prev`.
pub fn link(prev: &str, record: &BallotRecord) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(record.canonical().as_bytes());
    hex::encode(h.finalize())
}

/// A ballot as stored.
#[derive(Debug, Clone)]
pub struct StoredBallot {
    pub id: i64,
    pub record: BallotRecord,
    pub prev_hash: String,
    pub hash: String,
}

/// What is wrong with a stored chain; each names the ballot (by chain position and row id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum ChainFault {
    /// The ballot's content no longer matches its hash: it was changed after it was cast.
    Altered { seq: i64, ballot_id: i64 },
    /// The ballot does not follow the one before it: that one was changed, removed or inserted.
    BrokenLink { seq: i64, ballot_id: i64 },
    /// A chain position has no ballot: it was deleted.
    Missing { seq: i64 },
    /// The last ballot's hash is not the one recorded when the vote closed (ballots were
    /// removed from the end, or added).
    FinalHash { expected: String, found: String },
}

/// Recomputes the chain. `ballots` in chain order; `length` and `final_hash` as recorded on the
/// vote. Empty result: the chain is intact.
pub fn verify(
    genesis: &str,
    ballots: &[StoredBallot],
    length: i64,
    final_hash: &str,
) -> Vec<ChainFault> {
    let mut faults = Vec::new();
    let mut running = genesis.to_string();
    let mut expected_seq = 1;
    for b in ballots {
        while b.record.seq > expected_seq {
            faults.push(ChainFault::Missing { seq: expected_seq });
            expected_seq += 1;
        }
        if link(&b.prev_hash, &b.record) != b.hash {
            faults.push(ChainFault::Altered {
                seq: b.record.seq,
                ballot_id: b.id,
            });
        }
        if b.prev_hash != running {
            faults.push(ChainFault::BrokenLink {
                seq: b.record.seq,
                ballot_id: b.id,
            });
        }
        running = b.hash.clone();
        expected_seq = b.record.seq + 1;
    }
    while expected_seq <= length {
        faults.push(ChainFault::Missing { seq: expected_seq });
        expected_seq += 1;
    }
    if running != final_hash {
        faults.push(ChainFault::FinalHash {
            expected: final_hash.to_string(),
            found: running,
        });
    }
    faults
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chain(n: i64) -> (String, Vec<StoredBallot>) {
        let g = genesis(7, "roll");
        let mut prev = g.clone();
        let mut out = vec![];
        for seq in 1..=n {
            let record = BallotRecord {
                seq,
                item: 1 + seq % 2,
                head: seq,
                choice: Choice::ALL[(seq % 3) as usize],
                channel: BallotChannel::Online,
                ballot_number: String::new(),
                proxy_reference: String::new(),
                cast_at: 1_700_000_000 + seq,
            };
            let hash = link(&prev, &record);
            out.push(StoredBallot {
                id: 100 + seq,
                record,
                prev_hash: prev.clone(),
                hash: hash.clone(),
            });
            prev = hash;
        }
        (g, out)
    }

    #[test]
    fn an_intact_chain_verifies_and_an_empty_one_ends_at_genesis() {
        let (g, c) = chain(5);
        let last = c.last().unwrap().hash.clone();
        assert!(verify(&g, &c, 5, &last).is_empty());
        assert!(verify(&g, &[], 0, &g).is_empty());
    }

    #[test]
    fn the_canonical_form_is_a_compact_json_array() {
        let (_, c) = chain(1);
        assert_eq!(
            c[0].record.canonical(),
            r#"[1,2,1,"disagree","online","","",1700000001]"#
        );
    }

    #[test]
    fn free_text_cannot_forge_a_field_boundary() {
        let (_, c) = chain(1);
        let mut a = c[0].record.clone();
        let mut b = a.clone();
        a.ballot_number = "1\",\"x".into();
        b.ballot_number = "1".into();
        b.proxy_reference = "x".into();
        assert_ne!(a.canonical(), b.canonical());
    }

    proptest! {
        /// Changing any field of any ballot, or deleting any ballot, names that ballot.
        #[test]
        fn any_change_or_deletion_is_found_and_named(n in 1i64..30, pick in any::<prop::sample::Index>(), what in 0u8..6) {
            let (g, mut c) = chain(n);
            let last = c.last().unwrap().hash.clone();
            let i = pick.index(c.len());
            let (seq, id) = (c[i].record.seq, c[i].id);
            let r = &mut c[i].record;
            match what {
                0 => r.choice = if r.choice == Choice::Agree { Choice::Disagree } else { Choice::Agree },
                1 => r.head += 1,
                2 => r.cast_at -= 1,
                3 => r.ballot_number.push('9'),
                4 => { c.remove(i); }
                _ => {
                    // Change the choice and rewrite this ballot's hash to match.
                    r.choice = if r.choice == Choice::Agree { Choice::Abstain } else { Choice::Agree };
                    let h = link(&c[i].prev_hash, &c[i].record);
                    c[i].hash = h;
                }
            }
            let faults = verify(&g, &c, n, &last);
            let named = faults.iter().any(|f| match f {
                ChainFault::Altered { ballot_id, .. } => *ballot_id == id,
                ChainFault::Missing { seq: s } => *s == seq,
                // A rewritten hash shows at the next ballot, or at the final hash for the last one.
                ChainFault::BrokenLink { seq: s, .. } => *s == seq + 1,
                ChainFault::FinalHash { .. } => i == c.len() - 1,
            });
            prop_assert!(named, "{faults:?}");
        }
    }
}
