//! Whether ballots may be stored: the one rule that every way of casting applies (the SQLite
//! group-commit writer and the PostgreSQL transaction alike). The vote must be open and not past
//! its close, every item and head must belong to the vote, and no head may vote twice on an
//! item, neither against the stored ballots nor within the ballots cast together.
use std::collections::HashSet;

/// Why ballots were not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastFailure {
    /// The decision is not open (any more).
    NotOpen,
    /// One of the heads voted already on that item.
    Duplicate,
    /// An item or the head is not part of this decision.
    Unknown,
}

/// The state of a vote that acceptance looks at.
pub struct VoteState<'a> {
    pub open: bool,
    pub closes_at: i64,
    /// Positions of its items.
    pub items: &'a HashSet<i64>,
    /// Heads on its roll (at least those casting).
    pub on_roll: &'a HashSet<i64>,
    /// (item, head) already voted.
    pub voted: &'a HashSet<(i64, i64)>,
}

/// May these (item, head) ballots be stored at `now`? Checked in this order: open, known, not
/// voted before.
pub fn accept(vote: &VoteState<'_>, ballots: &[(i64, i64)], now: i64) -> Result<(), CastFailure> {
    if !vote.open || vote.closes_at <= now {
        return Err(CastFailure::NotOpen);
    }
    if ballots
        .iter()
        .any(|(item, head)| !vote.items.contains(item) || !vote.on_roll.contains(head))
    {
        return Err(CastFailure::Unknown);
    }
    let mut seen = HashSet::with_capacity(ballots.len());
    if ballots
        .iter()
        .any(|b| vote.voted.contains(b) || !seen.insert(*b))
    {
        return Err(CastFailure::Duplicate);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn accepted_exactly_when_open_known_and_new(
            open in any::<bool>(),
            closes_at in 0i64..20,
            now in 0i64..20,
            items in proptest::collection::hash_set(1i64..6, 0..5),
            on_roll in proptest::collection::hash_set(1i64..8, 0..7),
            voted in proptest::collection::hash_set((1i64..6, 1i64..8), 0..10),
            ballots in proptest::collection::vec((1i64..6, 1i64..8), 0..5),
        ) {
            let vote = VoteState { open, closes_at, items: &items, on_roll: &on_roll, voted: &voted };
            let r = accept(&vote, &ballots, now);
            let is_open = open && now < closes_at;
            let known = ballots.iter().all(|(i, h)| items.contains(i) && on_roll.contains(h));
            let distinct: HashSet<_> = ballots.iter().collect();
            let fresh = ballots.iter().all(|b| !voted.contains(b)) && distinct.len() == ballots.len();
            let expected = if !is_open {
                Err(CastFailure::NotOpen)
            } else if !known {
                Err(CastFailure::Unknown)
            } else if !fresh {
                Err(CastFailure::Duplicate)
            } else {
                Ok(())
            };
            prop_assert_eq!(r, expected);
        }
    }

    #[test]
    fn the_close_is_exclusive_and_a_head_votes_once_per_item() {
        let items: HashSet<i64> = [1, 2].into();
        let roll: HashSet<i64> = [7].into();
        let voted: HashSet<(i64, i64)> = [(1, 7)].into();
        let vote = VoteState {
            open: true,
            closes_at: 100,
            items: &items,
            on_roll: &roll,
            voted: &voted,
        };
        assert_eq!(accept(&vote, &[(2, 7)], 99), Ok(()));
        assert_eq!(accept(&vote, &[(2, 7)], 100), Err(CastFailure::NotOpen));
        assert_eq!(accept(&vote, &[(1, 7)], 50), Err(CastFailure::Duplicate));
        assert_eq!(
            accept(&vote, &[(2, 7), (2, 7)], 50),
            Err(CastFailure::Duplicate)
        );
        assert_eq!(accept(&vote, &[(3, 7)], 50), Err(CastFailure::Unknown));
    }
}
