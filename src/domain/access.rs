//! The one authorization rule of the product: may these grants do this action on this target?
//! Deny by default: an action is allowed only when some grant's role permits it AND the grant's
//! reach covers the target. Pure, so the whole role × action × scope matrix is tested here.
use super::kinds::Role;

/// Where a thing sits: its regions (city, district, sub-district, community) and, below them,
/// optionally a compound and a building of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceRef {
    pub regions: [i64; 4],
    pub compound: Option<i64>,
    pub building: Option<i64>,
}

/// What part of the district one grant reaches, resolved from its scope (a property company's
/// grant reaches the compounds it manages, a butler's the responsibility fields, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Global,
    /// Everything inside this region (any level).
    Region(i64),
    Compounds(Vec<i64>),
    /// (compound, building) pairs: exact for people, the whole compound for its structure.
    Buildings(Vec<(i64, i64)>),
    /// A reach that covers no place (department staff: they see what is addressed to them).
    Nowhere,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub reach: Reach,
    /// The organisation the grant belongs to, where it has one (department, property company …).
    pub organisation: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Compounds, buildings, dwellings and their areas: no people.
    ViewPlace,
    /// Names and masked contacts of the people linked to a place.
    ViewPeople,
    /// Full phone and ID numbers: each read is logged with a reason.
    UnmaskPersonal,
    EditPlace,
    EditPeople,
    /// Create and change Red Butler teams, squads, members and responsibility fields.
    EditTeam,
    EditOrganisation,
    /// Import dwellings and residents from CSV into a compound.
    ImportData,
    ViewAudit,
    ManageUsers,
    /// Work a place's cases: see the queue, dispatch, sign for, reply, escalate, record follow-ups
    /// and register cases on someone's behalf.
    HandleCases,
    /// The three rates and case figures of a place.
    ViewCaseFigures,
    /// Convene owners' decisions, consultations and coordination meetings; keep their roll and
    /// record paper and proxy ballots.
    ConveneDecisions,
    /// Change the case categories (their handling unit and SLA class) and the SLA periods.
    ConfigureCases,
}

impl Action {
    pub const ALL: [Action; 14] = [
        Action::ViewPlace,
        Action::ViewPeople,
        Action::UnmaskPersonal,
        Action::EditPlace,
        Action::EditPeople,
        Action::EditTeam,
        Action::EditOrganisation,
        Action::ImportData,
        Action::ViewAudit,
        Action::ManageUsers,
        Action::HandleCases,
        Action::ViewCaseFigures,
        Action::ConveneDecisions,
        Action::ConfigureCases,
    ];

    /// Actions on people are exact: a building leader sees the people of the building, not of the
    /// whole compound. Structure is seen compound-wide.
    fn exact(self) -> bool {
        matches!(
            self,
            Action::ViewPeople
                | Action::UnmaskPersonal
                | Action::EditPeople
                | Action::ConveneDecisions
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Place(PlaceRef),
    /// Something that belongs to a region as a whole (a team, an organisation).
    Region([i64; 4]),
    /// The installation itself (audit log, accounts).
    System,
}

/// Which actions each role may take at all (inside its reach).
pub fn role_permits(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match role {
        Admin => true,
        Resident => matches!(action, ViewPlace),
        BuildingLeader => matches!(action, ViewPlace | ViewPeople | UnmaskPersonal),
        Butler => matches!(
            action,
            ViewPlace | ViewPeople | UnmaskPersonal | HandleCases | ConveneDecisions
        ),
        PropertyStaff => matches!(action, ViewPlace | ViewPeople | HandleCases),
        CommitteeMember => matches!(action, ViewPlace | ViewPeople | ConveneDecisions),
        PropertyManager => matches!(
            action,
            ViewPlace
                | ViewPeople
                | UnmaskPersonal
                | EditPlace
                | EditPeople
                | ImportData
                | HandleCases
                | ViewCaseFigures
        ),
        DepartmentStaff => false,
        CommunityStaff => matches!(
            action,
            ViewPlace
                | ViewPeople
                | UnmaskPersonal
                | EditPlace
                | EditPeople
                | EditTeam
                | ImportData
                | HandleCases
                | ViewCaseFigures
                | ConveneDecisions
        ),
        // District leadership watches figures and supervises escalated cases; never people.
        DistrictOfficial => matches!(
            action,
            ViewPlace | EditTeam | EditOrganisation | HandleCases | ViewCaseFigures
        ),
    }
}

impl Reach {
    pub fn covers(&self, target: &Target, exact: bool) -> bool {
        match (self, target) {
            (Reach::Global, _) => true,
            (_, Target::System) | (Reach::Nowhere, _) => false,
            (Reach::Region(r), Target::Place(p)) => p.regions.contains(r),
            (Reach::Region(r), Target::Region(regions)) => regions.contains(r),
            (Reach::Compounds(list), Target::Place(p)) => {
                p.compound.is_some_and(|c| list.contains(&c))
            }
            (Reach::Buildings(pairs), Target::Place(p)) => {
                if exact {
                    p.building
                        .is_some_and(|b| pairs.iter().any(|&(_, pb)| pb == b))
                } else {
                    p.compound
                        .is_some_and(|c| pairs.iter().any(|&(pc, _)| pc == c))
                }
            }
            (Reach::Compounds(_) | Reach::Buildings(_), Target::Region(_)) => false,
        }
    }
}

pub fn allowed(grants: &[Grant], action: Action, target: &Target) -> bool {
    grants
        .iter()
        .any(|g| role_permits(g.role, action) && g.reach.covers(target, action.exact()))
}

/// The owners' committees the grants let one sit on (committee-member grants of an organisation).
pub fn committees(grants: &[Grant]) -> Vec<i64> {
    grants
        .iter()
        .filter(|g| g.role == Role::CommitteeMember)
        .filter_map(|g| g.organisation)
        .collect()
}

/// Who convened a decision: the owners' committee, or (where there is none) the one person who
/// convened on its behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convenor {
    Committee(i64),
    OnBehalf { user: i64 },
}

/// The convenor's powers (notice, cancel, roll, progress, paper and proxy ballots, close) belong
/// to whoever acts for the convening body: a member of that committee, or the person who
/// convened on its behalf; administrators too. A general right to convene at the compound is
/// necessary (checked beside this) but never enough.
pub fn acts_for(user: i64, grants: &[Grant], convenor: Convenor) -> bool {
    grants.iter().any(|g| g.role == Role::Admin)
        || match convenor {
            Convenor::Committee(org) => committees(grants).contains(&org),
            Convenor::OnBehalf { user: u } => u == user,
        }
}

/// Standing as a worker on a case: a grant to handle cases at its place, or a grant of the
/// organisation that owns it (a department's staff work the cases transferred to it). Being a
/// member of the owning team or squad routes the case to a person but never counts.
pub fn works_case(
    grants: &[Grant],
    place: &Target,
    owner: Option<crate::domain::cases::Unit>,
) -> bool {
    use crate::domain::cases::UnitKind;
    allowed(grants, Action::HandleCases, place)
        || owner.is_some_and(|o| {
            o.kind == UnitKind::Organisation
                && grants
                    .iter()
                    .any(|g| g.organisation == Some(o.id) && g.role != Role::Resident)
        })
}

/// Where a team works: its own compound, or the compounds of its community.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamArea {
    Compound(i64),
    Community(i64),
}

impl TeamArea {
    pub fn contains(self, place: &PlaceRef) -> bool {
        match self {
            TeamArea::Compound(c) => place.compound == Some(c),
            TeamArea::Community(r) => place.compound.is_some() && place.regions[3] == r,
        }
    }
}

/// A field of responsibility may be given only in a compound that lies both in the editor's
/// reach (to edit teams there) and in the team's area. (Services answer the first with 403 and
/// the second with a field error, so they ask the two halves separately.)
pub fn may_give_field(grants: &[Grant], field: &PlaceRef, team: TeamArea) -> bool {
    team.contains(field) && allowed(grants, Action::EditTeam, &Target::Place(*field))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CITY: i64 = 1;
    const DISTRICT: i64 = 2;
    const SUBDISTRICT: i64 = 3;
    const COMMUNITY: i64 = 4;
    const OTHER_DISTRICT: i64 = 20;
    const OTHER_COMMUNITY: i64 = 40;

    fn place(community: i64, district: i64, compound: i64, building: Option<i64>) -> Target {
        Target::Place(PlaceRef {
            regions: [CITY, district, SUBDISTRICT + district * 100, community],
            compound: Some(compound),
            building,
        })
    }

    /// The reach each role is given in the demo: inside is compound 10 / building 100.
    fn reach_for(role: Role) -> Reach {
        match role {
            Role::Resident
            | Role::PropertyStaff
            | Role::PropertyManager
            | Role::CommitteeMember => Reach::Compounds(vec![10]),
            Role::BuildingLeader | Role::Butler => Reach::Buildings(vec![(10, 100)]),
            Role::DepartmentStaff => Reach::Nowhere,
            Role::CommunityStaff => Reach::Region(COMMUNITY),
            Role::DistrictOfficial => Reach::Region(DISTRICT),
            Role::Admin => Reach::Global,
        }
    }

    /// The expected matrix, written out by hand: (role, action) → allowed inside the reach.
    fn expected(role: Role, action: Action) -> bool {
        use Action::*;
        let row: &[Action] = match role {
            Role::Resident => &[ViewPlace],
            Role::BuildingLeader => &[ViewPlace, ViewPeople, UnmaskPersonal],
            Role::Butler => &[
                ViewPlace,
                ViewPeople,
                UnmaskPersonal,
                HandleCases,
                ConveneDecisions,
            ],
            Role::PropertyStaff => &[ViewPlace, ViewPeople, HandleCases],
            Role::CommitteeMember => &[ViewPlace, ViewPeople, ConveneDecisions],
            Role::PropertyManager => &[
                ViewPlace,
                ViewPeople,
                UnmaskPersonal,
                EditPlace,
                EditPeople,
                ImportData,
                HandleCases,
                ViewCaseFigures,
            ],
            Role::DepartmentStaff => &[],
            Role::CommunityStaff => &[
                ViewPlace,
                ViewPeople,
                UnmaskPersonal,
                EditPlace,
                EditPeople,
                EditTeam,
                ImportData,
                HandleCases,
                ViewCaseFigures,
                ConveneDecisions,
            ],
            Role::DistrictOfficial => &[
                ViewPlace,
                EditTeam,
                EditOrganisation,
                HandleCases,
                ViewCaseFigures,
            ],
            Role::Admin => &Action::ALL,
        };
        row.contains(&action)
    }

    #[test]
    fn matrix_inside_and_outside_every_scope() {
        let inside = place(COMMUNITY, DISTRICT, 10, Some(100));
        let outside = place(OTHER_COMMUNITY, OTHER_DISTRICT, 11, Some(110));
        for &role in Role::ALL {
            let grants = [Grant {
                role,
                reach: reach_for(role),
                organisation: None,
            }];
            for action in Action::ALL {
                let system_action = matches!(
                    action,
                    Action::ViewAudit | Action::ManageUsers | Action::ConfigureCases
                );
                let target = if system_action {
                    Target::System
                } else {
                    inside
                };
                assert_eq!(
                    allowed(&grants, action, &target),
                    expected(role, action),
                    "{role:?} {action:?} inside"
                );
                let outside_target = if system_action {
                    Target::System
                } else {
                    outside
                };
                assert_eq!(
                    allowed(&grants, action, &outside_target),
                    role == Role::Admin,
                    "{role:?} {action:?} outside"
                );
            }
        }
    }

    #[test]
    fn a_building_leader_sees_people_of_the_building_only() {
        let grants = [Grant {
            role: Role::BuildingLeader,
            reach: Reach::Buildings(vec![(10, 100)]),
            organisation: None,
        }];
        assert!(allowed(
            &grants,
            Action::ViewPeople,
            &place(COMMUNITY, DISTRICT, 10, Some(100))
        ));
        assert!(!allowed(
            &grants,
            Action::ViewPeople,
            &place(COMMUNITY, DISTRICT, 10, Some(101))
        ));
        assert!(!allowed(
            &grants,
            Action::ViewPeople,
            &place(COMMUNITY, DISTRICT, 10, None)
        ));
        assert!(allowed(
            &grants,
            Action::ViewPlace,
            &place(COMMUNITY, DISTRICT, 10, Some(101))
        ));
    }

    #[test]
    fn no_grants_no_access() {
        for action in Action::ALL {
            assert!(!allowed(&[], action, &Target::System));
            assert!(!allowed(
                &[],
                action,
                &place(COMMUNITY, DISTRICT, 10, Some(100))
            ));
        }
    }

    fn any_role() -> impl Strategy<Value = Role> {
        proptest::sample::select(Role::ALL.to_vec())
    }

    fn any_grant() -> impl Strategy<Value = Grant> {
        (any_role(), 0usize..4, proptest::option::of(1i64..4)).prop_map(
            |(role, r, organisation)| {
                let reach = match r {
                    0 => Reach::Compounds(vec![10]),
                    1 => Reach::Buildings(vec![(10, 100)]),
                    2 => Reach::Region(COMMUNITY),
                    _ => Reach::Global,
                };
                Grant {
                    role,
                    reach,
                    organisation,
                }
            },
        )
    }

    fn any_place() -> impl Strategy<Value = PlaceRef> {
        (
            9i64..12,
            proptest::option::of(99i64..102),
            prop_oneof![Just(COMMUNITY), Just(OTHER_COMMUNITY)],
        )
            .prop_map(|(compound, building, community)| PlaceRef {
                regions: [CITY, DISTRICT, SUBDISTRICT, community],
                compound: Some(compound),
                building,
            })
    }

    proptest! {
        /// The convenor's powers: a committee's vote is managed by its members (and administrators)
        /// only, whatever else one may do at the compound; a vote convened on a committee's behalf by
        /// the one who convened it. Other grants never add to it.
        #[test]
        fn convenor_powers_follow_the_convening_body(grants in proptest::collection::vec(any_grant(), 0..5),
                                                     extra in any_grant(), user in 1i64..4, by in 1i64..4, org in 1i64..4,
                                                     committee in any::<bool>()) {
            let convenor = if committee { Convenor::Committee(org) } else { Convenor::OnBehalf { user: by } };
            let admin = grants.iter().any(|g| g.role == Role::Admin);
            let expected = admin || match convenor {
                Convenor::Committee(o) => grants.iter().any(|g| g.role == Role::CommitteeMember && g.organisation == Some(o)),
                Convenor::OnBehalf { user: u } => u == user,
            };
            prop_assert_eq!(acts_for(user, &grants, convenor), expected);
            if !matches!(extra.role, Role::Admin | Role::CommitteeMember) {
                let mut more = grants.clone();
                more.push(extra);
                prop_assert_eq!(acts_for(user, &more, convenor), expected, "a non-committee grant adds nothing");
            }
        }

        /// Standing on a case: a team or squad owning it never makes anyone a worker; only a grant
        /// to handle cases at its place does (or a grant of the owning organisation).
        #[test]
        fn membership_never_gives_standing(grants in proptest::collection::vec(any_grant(), 0..5), place in any_place(),
                                           unit in 1i64..4, team in any::<bool>()) {
            use crate::domain::cases::{Unit, UnitKind};
            let target = Target::Place(place);
            let kind = if team { UnitKind::Team } else { UnitKind::Squad };
            prop_assert_eq!(
                works_case(&grants, &target, Some(Unit { kind, id: unit })),
                allowed(&grants, Action::HandleCases, &target)
            );
            let org = works_case(&grants, &target, Some(Unit { kind: UnitKind::Organisation, id: unit }));
            prop_assert_eq!(
                org,
                allowed(&grants, Action::HandleCases, &target)
                    || grants.iter().any(|g| g.organisation == Some(unit) && g.role != Role::Resident)
            );
            let owner = Some(Unit { kind: UnitKind::Organisation, id: unit });
            prop_assert!(!works_case(&[], &target, owner), "no grant, no standing");
        }

        /// A field is given only inside the team's area and the editor's reach, never outside
        /// either (not even by an administrator outside the team's area).
        #[test]
        fn fields_stay_inside_the_team_and_the_editor(grants in proptest::collection::vec(any_grant(), 0..5),
                                                      field in any_place(), by_community in any::<bool>()) {
            let team = if by_community { TeamArea::Community(COMMUNITY) } else { TeamArea::Compound(10) };
            let ok = may_give_field(&grants, &field, team);
            prop_assert_eq!(ok, team.contains(&field) && allowed(&grants, Action::EditTeam, &Target::Place(field)));
            if field.regions[3] == OTHER_COMMUNITY {
                prop_assert!(!ok || !by_community, "another community's compound");
            }
            if !team.contains(&field) {
                prop_assert!(!ok);
            }
        }

        /// Adding a grant never takes a right away, and a right is always explained by one grant.
        #[test]
        fn rights_are_the_union_of_grants(roles in proptest::collection::vec(any_role(), 0..4),
                                          compound in 9i64..12, building in 99i64..102) {
            let grants: Vec<Grant> = roles.iter().map(|&r| Grant { role: r, reach: reach_for(r), organisation: None }).collect();
            let t = place(COMMUNITY, DISTRICT, compound, Some(building));
            for action in Action::ALL {
                let all = allowed(&grants, action, &t);
                let some = grants.iter().any(|g| allowed(std::slice::from_ref(g), action, &t));
                prop_assert_eq!(all, some);
            }
        }
    }
}
