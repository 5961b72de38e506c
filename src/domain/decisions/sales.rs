//! Who votes for a head when dwellings are sold during a vote (RULES.md §1, "who votes for a
//! head"). Pure. The roll frozen when voting opens fixes the heads, their areas and the people
//! entitled to vote for each; a sale changes only who votes, never a head or an area:
//!
//! - a head moves to its new owners only when **every** unit of it passed to the same new
//!   owners (nobody of the roll's voters for it among them) and it has not voted yet (a ballot
//!   the new owners cast themselves, once it had passed to them, keeps it with them);
//! - a partial sale leaves the head with the roll's voters (the sellers);
//! - nobody gains a second head: new owners who are voters of another head on the roll, or who
//!   took over a head of a lower number already, do not take this one over.
use std::collections::{BTreeMap, BTreeSet};

/// One head of the frozen roll as it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadNow {
    pub no: i64,
    /// Who may vote for it by the frozen roll, ascending.
    pub roll_voters: Vec<i64>,
    /// For each of its units, the owners today (owners and co-owners with the unit delivered),
    /// ascending; empty when nobody owns it now.
    pub owners_now: Vec<Vec<i64>>,
    /// Who cast its ballots so far (0 for a paper or proxy ballot keyed in for it).
    pub voted_by: Vec<i64>,
}

/// Whether a head's units all passed to the same new owners: those owners.
fn new_owners(h: &HeadNow) -> Option<&Vec<i64>> {
    let first = h.owners_now.first()?;
    let same = !first.is_empty() && h.owners_now.iter().all(|o| o == first);
    let new = first
        .iter()
        .all(|p| h.roll_voters.binary_search(p).is_err());
    let not_voted_before = h.voted_by.iter().all(|p| first.binary_search(p).is_ok());
    (same && new && not_voted_before).then_some(first)
}

/// The new owners who voted for a head once it had passed to them: it stays theirs.
fn kept_by_buyers(h: &HeadNow) -> Option<Vec<i64>> {
    let mut by: Vec<i64> = h.voted_by.clone();
    by.sort_unstable();
    by.dedup();
    (!by.is_empty()
        && by
            .iter()
            .all(|p| *p != 0 && h.roll_voters.binary_search(p).is_err()))
    .then_some(by)
}

/// Who votes for each head now: the roll's voters, or the new owners it passed to.
/// `on_roll(person, head)`: is the person a voter of another head of the roll than `head`?
/// Heads the new owners already voted for stay theirs; the others are taken over in head
/// order, so that of two heads bought whole by the same person the lower one passes and the
/// other stays with its sellers.
pub fn voters_now(
    heads: &[HeadNow],
    on_roll: impl Fn(i64, i64) -> bool,
) -> BTreeMap<i64, Vec<i64>> {
    let mut sorted: Vec<&HeadNow> = heads.iter().collect();
    sorted.sort_by_key(|h| (kept_by_buyers(h).is_none(), h.no));
    let mut taken: BTreeSet<i64> = BTreeSet::new();
    let mut out = BTreeMap::new();
    for h in sorted {
        if let Some(by) = kept_by_buyers(h) {
            taken.extend(by.iter().copied());
            out.insert(h.no, by);
            continue;
        }
        let passes =
            new_owners(h).filter(|s| s.iter().all(|p| !taken.contains(p) && !on_roll(*p, h.no)));
        match passes {
            Some(s) => {
                taken.extend(s.iter().copied());
                out.insert(h.no, s.clone());
            }
            None => {
                out.insert(h.no, h.roll_voters.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn head(no: i64, voters: &[i64], owners: &[&[i64]], voted_by: &[i64]) -> HeadNow {
        HeadNow {
            no,
            roll_voters: voters.to_vec(),
            owners_now: owners.iter().map(|o| o.to_vec()).collect(),
            voted_by: voted_by.to_vec(),
        }
    }

    fn on_roll_of(heads: &[HeadNow]) -> impl Fn(i64, i64) -> bool + '_ {
        move |p, no| {
            heads
                .iter()
                .any(|h| h.no != no && h.roll_voters.contains(&p))
        }
    }

    #[test]
    fn a_head_moves_only_when_all_of_it_is_sold_to_the_same_buyer_before_it_voted() {
        // Head 1: seller 10 with two flats; head 2: seller 20 with one.
        let all_sold = [head(1, &[10], &[&[30], &[30]], &[])];
        assert_eq!(voters_now(&all_sold, on_roll_of(&all_sold))[&1], vec![30]);
        // One of the two sold: the head stays with the seller.
        let partial = [head(1, &[10], &[&[30], &[10]], &[])];
        assert_eq!(voters_now(&partial, on_roll_of(&partial))[&1], vec![10]);
        // Sold to two different buyers: stays.
        let split = [head(1, &[10], &[&[30], &[31]], &[])];
        assert_eq!(voters_now(&split, on_roll_of(&split))[&1], vec![10]);
        // The seller voted before the last unit passed: stays.
        let voted = [head(1, &[10], &[&[30], &[30]], &[10])];
        assert_eq!(voters_now(&voted, on_roll_of(&voted))[&1], vec![10]);
        // A paper ballot was keyed in for it: stays.
        let paper = [head(1, &[10], &[&[30]], &[0])];
        assert_eq!(voters_now(&paper, on_roll_of(&paper))[&1], vec![10]);
        // The buyer voted after it passed: it stays with the buyer.
        let bought = [head(1, &[10], &[&[30]], &[30])];
        assert_eq!(voters_now(&bought, on_roll_of(&bought))[&1], vec![30]);
        // The buyer is an owner on the roll already (head 2): no second head.
        let owner_buys = [head(1, &[10], &[&[20]], &[]), head(2, &[20], &[&[20]], &[])];
        let v = voters_now(&owner_buys, on_roll_of(&owner_buys));
        assert_eq!(v[&1], vec![10]);
        assert_eq!(v[&2], vec![20]);
        // A buyer of two whole heads takes the lower one only.
        let two = [head(1, &[10], &[&[30]], &[]), head(2, &[20], &[&[30]], &[])];
        let v = voters_now(&two, on_roll_of(&two));
        assert_eq!((v[&1].clone(), v[&2].clone()), (vec![30], vec![20]));
        // ... unless they voted for the higher one when it alone had passed to them.
        let two = [
            head(1, &[10], &[&[30]], &[]),
            head(2, &[20], &[&[30]], &[30]),
        ];
        let v = voters_now(&two, on_roll_of(&two));
        assert_eq!((v[&1].clone(), v[&2].clone()), (vec![10], vec![30]));
        // Nobody owns it now (the register lost the owner): stays.
        let gone = [head(1, &[10], &[&[]], &[])];
        assert_eq!(voters_now(&gone, on_roll_of(&gone))[&1], vec![10]);
    }

    proptest! {
        /// Random rolls, then random sales and ballots (each cast by whoever may vote for the
        /// head at that moment): no head or area changes (they are the roll's); every head has
        /// voters; a head moves only when wholly sold to new owners; nobody votes for two heads
        /// through sales, and nobody on the roll gains one; whoever cast a head's ballots keeps it.
        #[test]
        fn sales_never_change_the_roll_or_give_anyone_two_heads(
            sizes in prop::collection::vec(1usize..4, 1..8),
            steps in prop::collection::vec((0usize..30, 0i64..12, any::<bool>()), 0..40),
        ) {
            // Head i's roll voter is person i + 1; buyers are persons 100.. .
            let mut heads: Vec<HeadNow> = sizes
                .iter()
                .enumerate()
                .map(|(i, n)| HeadNow {
                    no: i as i64 + 1,
                    roll_voters: vec![i as i64 + 1],
                    owners_now: vec![vec![i as i64 + 1]; *n],
                    voted_by: vec![],
                })
                .collect();
            let units: Vec<(usize, usize)> = heads
                .iter()
                .enumerate()
                .flat_map(|(h, x)| (0..x.owners_now.len()).map(move |u| (h, u)))
                .collect();
            let area_of = |h: &HeadNow| h.owners_now.len() as i64 * 100;
            let before: (usize, i64) = (heads.len(), heads.iter().map(area_of).sum());
            for (pick, buyer, ballot) in steps {
                let (h, u) = units[pick % units.len()];
                if ballot {
                    let v = voters_now(&heads, on_roll_of(&heads));
                    let by = v[&heads[h].no][0];
                    if !heads[h].voted_by.contains(&by) {
                        heads[h].voted_by.push(by);
                        heads[h].voted_by.sort_unstable();
                    }
                } else {
                    // A buyer is a new person (100+) or, sometimes, an owner on the roll.
                    let who = if buyer < 8 { 100 + buyer } else { buyer % heads.len() as i64 + 1 };
                    heads[h].owners_now[u] = vec![who];
                }
                let v = voters_now(&heads, on_roll_of(&heads));
                prop_assert_eq!((heads.len(), heads.iter().map(area_of).sum::<i64>()), before);
                let mut heads_of: BTreeMap<i64, usize> = BTreeMap::new();
                for h in &heads {
                    let voters = &v[&h.no];
                    prop_assert!(!voters.is_empty());
                    if *voters != h.roll_voters {
                        // Wholly theirs now, or theirs when they voted for it.
                        let mut by = h.voted_by.clone();
                        by.dedup();
                        prop_assert!(h.owners_now.iter().all(|o| o == voters) || by == *voters);
                        prop_assert!(voters.iter().all(|p| *p >= 100), "only new owners take a head over");
                    }
                    for p in &h.voted_by {
                        prop_assert!(voters.contains(p), "head {} was voted by {}, now {:?}", h.no, p, voters);
                    }
                    for p in voters {
                        *heads_of.entry(*p).or_default() += 1;
                    }
                }
                for (p, n) in heads_of {
                    prop_assert!(n <= 1, "person {} votes for {} heads", p, n);
                }
            }
        }
    }
}
