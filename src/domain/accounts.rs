//! Accounts: what a username may look like and which scope each role is granted within.
//! Pure, so the whole table is tested here; the service checks that the scope exists.
use super::kinds::{OrgKind, Role, ScopeKind};

/// 2–32 of `a-z 0-9 _ . -`, starting with a letter or digit. Residents also log in with their
/// phone number, so a username that is all digits is refused (it could shadow a phone).
pub fn check_username(u: &str) -> Result<(), &'static str> {
    let n = u.chars().count();
    if n == 0 {
        return Err("required");
    }
    if n > 32 {
        return Err("too_long");
    }
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c);
    if n < 2
        || !u.chars().all(ok_char)
        || !u.starts_with(|c: char| c.is_ascii_alphanumeric())
        || u.chars().all(|c| c.is_ascii_digit())
    {
        return Err("invalid");
    }
    Ok(())
}

/// The scope kinds a role is granted within.
pub fn scopes_for(role: Role) -> &'static [ScopeKind] {
    match role {
        Role::Admin => &[ScopeKind::Global],
        Role::DistrictOfficial => &[ScopeKind::Global, ScopeKind::Region],
        Role::CommunityStaff => &[ScopeKind::Region, ScopeKind::Organisation],
        Role::Resident => &[ScopeKind::Compound, ScopeKind::Building],
        Role::BuildingLeader => &[ScopeKind::Building],
        Role::Butler => &[ScopeKind::Team],
        Role::PropertyStaff
        | Role::PropertyManager
        | Role::CommitteeMember
        | Role::DepartmentStaff => &[ScopeKind::Organisation],
    }
}

/// For a role granted within an organisation: the kinds of organisation that fit it.
pub fn organisation_kinds_for(role: Role) -> &'static [OrgKind] {
    match role {
        Role::PropertyStaff | Role::PropertyManager => &[OrgKind::PropertyCompany],
        Role::CommitteeMember => &[OrgKind::OwnersCommittee],
        Role::DepartmentStaff => &[
            OrgKind::Department,
            OrgKind::PoliceStation,
            OrgKind::Association,
        ],
        Role::CommunityStaff => &[OrgKind::CommunityOffice, OrgKind::SubdistrictOffice],
        _ => &[],
    }
}

/// Whether `role` may be granted within a scope of this kind (and, for an organisation, of
/// this organisation kind). The error names the field at fault.
pub fn check_grant(
    role: Role,
    scope: ScopeKind,
    organisation: Option<OrgKind>,
) -> Result<(), (&'static str, &'static str)> {
    if !scopes_for(role).contains(&scope) {
        return Err(("scope_kind", "not_for_role"));
    }
    if scope == ScopeKind::Organisation {
        match organisation {
            Some(k) if organisation_kinds_for(role).contains(&k) => {}
            _ => return Err(("scope_id", "not_for_role")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn usernames() {
        for ok in ["admin", "zhangshiying", "wang.xl", "li-1", "a1"] {
            assert_eq!(check_username(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_username(""), Err("required"));
        assert_eq!(check_username(&"a".repeat(33)), Err("too_long"));
        for bad in ["a", "Admin", "张三", "-x", "a b", "13800000000", "x\n"] {
            assert_eq!(check_username(bad), Err("invalid"), "{bad}");
        }
    }

    #[test]
    fn every_role_has_a_scope_and_organisation_roles_an_organisation_kind() {
        for &role in Role::ALL {
            assert!(!scopes_for(role).is_empty(), "{role}");
            if scopes_for(role).contains(&ScopeKind::Organisation) {
                assert!(!organisation_kinds_for(role).is_empty(), "{role}");
            }
        }
        // Only an administrator or a district official reaches everything.
        for &role in Role::ALL {
            let global = scopes_for(role).contains(&ScopeKind::Global);
            assert_eq!(
                global,
                matches!(role, Role::Admin | Role::DistrictOfficial),
                "{role}"
            );
        }
    }

    fn role() -> impl Strategy<Value = Role> {
        proptest::sample::select(Role::ALL.to_vec())
    }
    fn scope() -> impl Strategy<Value = ScopeKind> {
        proptest::sample::select(ScopeKind::ALL.to_vec())
    }
    fn org() -> impl Strategy<Value = Option<OrgKind>> {
        proptest::option::of(proptest::sample::select(OrgKind::ALL.to_vec()))
    }

    proptest! {
        /// A grant is accepted exactly when the table allows it.
        #[test]
        fn check_grant_follows_the_table(r in role(), s in scope(), o in org()) {
            let allowed = scopes_for(r).contains(&s)
                && (s != ScopeKind::Organisation || o.is_some_and(|k| organisation_kinds_for(r).contains(&k)));
            prop_assert_eq!(check_grant(r, s, o).is_ok(), allowed);
        }

        /// Lower-case names of letters and digits of a sane length are accepted; anything with
        /// an upper-case letter or a space never is.
        #[test]
        fn usernames_follow_the_rule(u in "[a-z][a-z0-9_.-]{1,31}", bad in "[a-z]{0,5}[A-Z ][a-z]{0,5}") {
            prop_assert_eq!(check_username(&u), Ok(()));
            prop_assert!(check_username(&bad).is_err());
        }
    }
}
