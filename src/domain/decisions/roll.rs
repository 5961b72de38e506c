//! The roll (表决权登记) of an owners' decision: who the heads (业主人数) are and what area each
//! holds, by the counting rules of 法释〔2009〕7号 (RULES.md §1). Pure: the caller loads each unit's
//! current owners; [`build`] groups them.
//!
//! - One owner with several units is one head, with the areas summed.
//! - A co-owned unit is one head; its vote is cast by a designated co-owner (the one registered
//!   as `owner`, else the lowest person id), so the head votes once.
//! - All units the developer has not sold are one head (per developer).
//! - The owners of a head are the exact set of people on its units: the same couple owning two
//!   flats together is one head; a flat the husband owns alone and one the couple owns together are
//!   two buyers, so two heads.
//! - A unit without a recorded owner still counts in the total area and heads (one unit = one
//!   head), but nobody can vote for it; the roll reports how many there are so the register can be
//!   fixed before voting opens.
//! - A resident consultation (居民协商, public rental) counts households instead: one head per
//!   occupied dwelling, any adult holder may vote for it, area plays no part.
use super::vote::Weight;
use std::collections::BTreeMap;

/// One unit (专有部分) and who holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitHolders {
    pub dwelling_id: i64,
    /// Building and number, e.g. `3栋-1201`; written into the audit files.
    pub label: String,
    /// Exclusive area in 0.01 m² (register, else survey, else contract: see `AreaSource`).
    pub area: i64,
    /// People registered as owner or co-owner: (person id, registered as the primary `owner`).
    pub owners: Vec<(i64, bool)>,
    /// The developer organisation still holding the unit (unsold or undelivered).
    pub developer: Option<i64>,
    /// Anyone living there (tenants, family, owners): used by resident consultations.
    pub occupants: Vec<i64>,
}

word_enum!(
    /// How a head came about.
    HeadKind {
        Owner = "owner",
        CoOwned = "co_owned",
        Developer = "developer",
        NoOwner = "no_owner",
        Household = "household",
    }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// 1-based position in the roll.
    pub no: i64,
    pub kind: HeadKind,
    /// Everyone who may vote for this head (owners, or a household's occupants).
    pub voters: Vec<i64>,
    /// Who casts the head's vote when several could (co-owners); None means any voter may.
    pub designated: Option<i64>,
    pub developer: Option<i64>,
    /// (dwelling id, label), in dwelling order.
    pub units: Vec<(i64, String)>,
    pub area: i64,
}

/// One head of a frozen roll as stored: every field that decides who votes for it and with
/// what weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHead {
    pub no: i64,
    pub kind: String,
    pub designated: Option<i64>,
    pub developer: Option<i64>,
    /// Unit labels as published in ROLL.csv (`;`-separated).
    pub units: String,
    pub area: i64,
    /// The dwellings counted in this head, ascending.
    pub dwellings: Vec<i64>,
    /// Who may vote for it, ascending.
    pub voters: Vec<i64>,
}

impl StoredHead {
    pub fn of(h: &Head) -> Self {
        let mut dwellings: Vec<i64> = h.units.iter().map(|u| u.0).collect();
        dwellings.sort_unstable();
        let mut voters = h.voters.clone();
        voters.sort_unstable();
        voters.dedup();
        let labels: Vec<&str> = h.units.iter().map(|u| u.1.as_str()).collect();
        StoredHead {
            no: h.no,
            kind: h.kind.as_str().to_string(),
            designated: h.designated,
            developer: h.developer,
            units: labels.join(";"),
            area: h.area,
            dwellings,
            voters,
        }
    }

    /// SHA-256 of the head's canonical form (JSON array, fixed field order).
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::json!([
            "redbutler-head/1",
            self.no,
            self.kind,
            self.designated,
            self.developer,
            self.units,
            self.area,
            self.dwellings,
            self.voters
        ]);
        super::ballot_chain::sha256_hex(canonical.to_string().as_bytes())
    }
}

/// The digest of a whole roll: of its heads' fingerprints in head order.
pub fn full_digest<'a>(fingerprints: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = String::from("redbutler-roll/2\n");
    for f in fingerprints {
        text.push_str(f);
        text.push('\n');
    }
    super::ballot_chain::sha256_hex(text.as_bytes())
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roll {
    pub heads: Vec<Head>,
    pub total: Weight,
    pub units_without_owner: i64,
}

word_enum!(
    /// Who is counted.
    RollBasis { Owners = "owners", Households = "households" }
);

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    People(Vec<i64>),
    Developer(i64),
    Alone(i64),
}

/// Builds the roll from every unit of the compound.
pub fn build(units: &[UnitHolders], basis: RollBasis) -> Roll {
    let mut groups: BTreeMap<Key, Vec<&UnitHolders>> = BTreeMap::new();
    let mut without_owner = 0;
    for u in units {
        let key = match basis {
            RollBasis::Households => {
                if u.occupants.is_empty() && u.owners.is_empty() {
                    continue; // an empty flat is no household
                }
                Key::Alone(u.dwelling_id)
            }
            RollBasis::Owners => {
                if !u.owners.is_empty() {
                    let mut people: Vec<i64> = u.owners.iter().map(|o| o.0).collect();
                    people.sort_unstable();
                    people.dedup();
                    Key::People(people)
                } else if let Some(d) = u.developer {
                    Key::Developer(d)
                } else {
                    without_owner += 1;
                    Key::Alone(u.dwelling_id)
                }
            }
        };
        groups.entry(key).or_default().push(u);
    }
    let mut heads: Vec<Head> = groups
        .into_iter()
        .map(|(key, mut us)| {
            us.sort_by_key(|u| u.dwelling_id);
            let area = us.iter().map(|u| u.area).sum();
            let unit_list = us
                .iter()
                .map(|u| (u.dwelling_id, u.label.clone()))
                .collect();
            let (kind, voters, designated, developer) = match key {
                Key::People(people) => {
                    let primary = us
                        .iter()
                        .flat_map(|u| u.owners.iter())
                        .filter(|o| o.1)
                        .map(|o| o.0)
                        .min()
                        .unwrap_or(people[0]);
                    if people.len() == 1 {
                        (HeadKind::Owner, people, None, None)
                    } else {
                        (HeadKind::CoOwned, people, Some(primary), None)
                    }
                }
                Key::Developer(d) => (HeadKind::Developer, vec![], None, Some(d)),
                Key::Alone(_) if basis == RollBasis::Households => {
                    let mut people: Vec<i64> = us
                        .iter()
                        .flat_map(|u| u.occupants.iter().chain(u.owners.iter().map(|o| &o.0)))
                        .copied()
                        .collect();
                    people.sort_unstable();
                    people.dedup();
                    (HeadKind::Household, people, None, None)
                }
                Key::Alone(_) => (HeadKind::NoOwner, vec![], None, None),
            };
            Head {
                no: 0,
                kind,
                voters,
                designated,
                developer,
                units: unit_list,
                area,
            }
        })
        .collect();
    // Roll order: by each head's first unit, so the roll reads like the register.
    heads.sort_by_key(|h| h.units[0].0);
    for (i, h) in heads.iter_mut().enumerate() {
        h.no = i as i64 + 1;
    }
    let total = Weight {
        heads: heads.len() as i64,
        area: heads.iter().map(|h| h.area).sum(),
    };
    Roll {
        heads,
        total,
        units_without_owner: without_owner,
    }
}

impl Head {
    /// May this person cast the head's vote? The designated co-owner, or any voter of the head.
    pub fn may_vote(&self, person: i64) -> bool {
        match self.designated {
            Some(d) => d == person,
            None => self.voters.contains(&person),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stored() -> impl Strategy<Value = StoredHead> {
        (
            1i64..50,
            prop_oneof![Just("owner"), Just("co_owned"), Just("developer")],
            proptest::option::of(1i64..9),
            proptest::option::of(1i64..9),
            1i64..100_000,
            proptest::collection::vec(1i64..20, 1..4),
            proptest::collection::vec(1i64..20, 0..4),
        )
            .prop_map(
                |(no, kind, designated, developer, area, dwellings, voters)| StoredHead {
                    no,
                    kind: kind.into(),
                    designated,
                    developer,
                    units: dwellings
                        .iter()
                        .map(|d| format!("1-{d}"))
                        .collect::<Vec<_>>()
                        .join(";"),
                    area,
                    dwellings,
                    voters,
                },
            )
    }

    proptest! {
        /// Any change to a field that decides who votes or with what weight changes the head's
        /// fingerprint (and so the roll's digest).
        #[test]
        fn every_deciding_field_is_fingerprinted(h in stored(), which in 0usize..7, bump in 1i64..5) {
            let mut g = h.clone();
            match which {
                0 => g.kind = if h.kind == "owner" { "developer".into() } else { "owner".into() },
                1 => g.designated = Some(h.designated.unwrap_or(0) + bump),
                2 => g.developer = Some(h.developer.unwrap_or(0) + bump),
                3 => g.area += bump,
                4 => g.dwellings.push(100 + bump),
                5 => g.voters.push(100 + bump),
                _ => g.units.push_str(";x"),
            }
            prop_assert_ne!(h.fingerprint(), g.fingerprint());
            prop_assert_ne!(full_digest([h.fingerprint().as_str()]), full_digest([g.fingerprint().as_str()]));
        }
    }

    fn unit(id: i64, area: i64, owners: &[(i64, bool)], developer: Option<i64>) -> UnitHolders {
        UnitHolders {
            dwelling_id: id,
            label: format!("1-{id}"),
            area,
            owners: owners.to_vec(),
            developer,
            occupants: vec![],
        }
    }

    #[test]
    fn several_units_one_head_co_owned_one_head_developer_one_head() {
        let units = vec![
            unit(1, 9000, &[(10, true)], None),
            unit(2, 6000, &[(10, true)], None), // same owner: one head, 150 m²
            unit(3, 8000, &[(11, false), (12, true)], None), // co-owned: one head
            unit(4, 7000, &[], Some(99)),
            unit(5, 7000, &[], Some(99)), // unsold: one developer head
            unit(6, 5000, &[(10, true), (13, false)], None), // a different set of buyers
            unit(7, 4000, &[], None),     // nobody recorded
        ];
        let roll = build(&units, RollBasis::Owners);
        assert_eq!(
            roll.total,
            Weight {
                heads: 5,
                area: 46000
            }
        );
        assert_eq!(roll.units_without_owner, 1);
        let h = &roll.heads;
        assert_eq!(
            (h[0].kind, h[0].area, h[0].units.len()),
            (HeadKind::Owner, 15000, 2)
        );
        assert_eq!((h[1].kind, h[1].designated), (HeadKind::CoOwned, Some(12)));
        assert!(h[1].may_vote(12) && !h[1].may_vote(11));
        assert_eq!(
            (h[2].kind, h[2].developer, h[2].area),
            (HeadKind::Developer, Some(99), 14000)
        );
        assert_eq!(h[3].kind, HeadKind::CoOwned);
        assert_eq!(h[4].kind, HeadKind::NoOwner);
        assert!(h.iter().enumerate().all(|(i, h)| h.no == i as i64 + 1));
    }

    #[test]
    fn households_count_occupied_dwellings_only() {
        let mut a = unit(1, 5000, &[], None);
        a.occupants = vec![5, 6];
        let b = unit(2, 5000, &[], None);
        let roll = build(&[a, b], RollBasis::Households);
        assert_eq!(roll.total.heads, 1);
        assert!(roll.heads[0].may_vote(6));
    }

    fn units() -> impl Strategy<Value = Vec<UnitHolders>> {
        prop::collection::vec(
            (
                1i64..20_000,
                prop::collection::vec((0i64..8, any::<bool>()), 0..3),
                prop::option::of(90i64..92),
            ),
            1..60,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (area, owners, dev))| unit(i as i64 + 1, area, &owners, dev))
                .collect()
        })
    }

    proptest! {
        /// Brute force: two units are in the same head exactly when they have the same
        /// non-empty set of owners, or neither has owners and the same developer holds both.
        #[test]
        fn heads_are_exactly_the_distinct_buyers(units in units()) {
            let roll = build(&units, RollBasis::Owners);
            let area: i64 = units.iter().map(|u| u.area).sum();
            prop_assert_eq!(roll.total.area, area);
            let head_of = |id: i64| roll.heads.iter().find(|h| h.units.iter().any(|u| u.0 == id)).map(|h| h.no);
            let buyers = |u: &UnitHolders| {
                let mut p: Vec<i64> = u.owners.iter().map(|o| o.0).collect();
                p.sort_unstable();
                p.dedup();
                p
            };
            for a in &units {
                prop_assert!(head_of(a.dwelling_id).is_some());
                for b in &units {
                    let same = if a.dwelling_id == b.dwelling_id {
                        true
                    } else if !a.owners.is_empty() || !b.owners.is_empty() {
                        buyers(a) == buyers(b)
                    } else {
                        a.developer.is_some() && a.developer == b.developer
                    };
                    prop_assert_eq!(same, head_of(a.dwelling_id) == head_of(b.dwelling_id));
                }
            }
            // Every head with voters lets exactly one of them cast its vote.
            for h in &roll.heads {
                let who = h.voters.iter().filter(|p| h.may_vote(**p)).count();
                prop_assert_eq!(who, usize::from(!h.voters.is_empty()));
            }
        }
    }
}
