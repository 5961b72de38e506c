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

/// Login throttling: the first `free` tries of a key are free; after that each try waits a
/// back-off that doubles from one minute up to [`FORGET_AFTER`]; failures older than that are
/// forgotten. Nothing locks hard: the right password works once the wait is over.
pub mod throttle {
    /// Failures after this long without a try are forgotten (and the longest wait).
    pub const FORGET_AFTER: i64 = 15 * 60;
    /// Free tries per account (username and phone number are one account).
    pub const ACCOUNT_FREE: i64 = 5;
    /// Free tries per client address: a school or a NAT has many users behind one address.
    pub const ADDRESS_FREE: i64 = 30;

    /// Seconds to wait before the next try, after `failures` tries, the last `since_last` seconds
    /// ago.
    pub fn wait(failures: i64, since_last: i64, free: i64) -> i64 {
        if since_last >= FORGET_AFTER || failures < free {
            return 0;
        }
        let backoff = (60i64 << (failures - free).clamp(0, 4)).min(FORGET_AFTER);
        (backoff - since_last.max(0)).max(0)
    }

    /// The failure count once one more try is reserved.
    pub fn after_try(failures: i64, since_last: i64) -> i64 {
        if since_last >= FORGET_AFTER {
            1
        } else {
            failures + 1
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use proptest::prelude::*;

        #[test]
        fn five_free_then_a_minute_doubling_to_fifteen() {
            assert_eq!(wait(4, 0, ACCOUNT_FREE), 0);
            assert_eq!(wait(5, 0, ACCOUNT_FREE), 60);
            assert_eq!(wait(5, 59, ACCOUNT_FREE), 1);
            assert_eq!(wait(5, 60, ACCOUNT_FREE), 0);
            assert_eq!(wait(6, 0, ACCOUNT_FREE), 120);
            assert_eq!(wait(9, 0, ACCOUNT_FREE), 900);
            assert_eq!(wait(50, 0, ACCOUNT_FREE), 900);
            assert_eq!(wait(50, 900, ACCOUNT_FREE), 0);
            assert_eq!(after_try(50, 900), 1);
        }

        proptest! {
            /// Never a hard lock: whatever the failures, waiting FORGET_AFTER always frees the key;
            /// the wait never grows with time passing, and never exceeds FORGET_AFTER.
            #[test]
            fn waits_are_bounded_and_shrink(f in 0i64..10_000, t in 0i64..2_000, dt in 0i64..2_000) {
                let w = wait(f, t, ACCOUNT_FREE);
                prop_assert!((0..=FORGET_AFTER).contains(&w));
                prop_assert!(wait(f, t + dt, ACCOUNT_FREE) <= w);
                prop_assert_eq!(wait(f, FORGET_AFTER, ACCOUNT_FREE), 0);
                prop_assert!(wait(f + 1, t, ACCOUNT_FREE) >= w, "more failures never wait less");
            }
        }
    }
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
