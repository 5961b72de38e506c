//! The closed vocabularies of the domain, each stored as a short English word.
//! `label_key()` gives the i18n key under which the zh-CN and en labels live.

macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($word => Some($name::$variant),)+ _ => None }
            }
            pub fn label_key(self) -> String {
                format!("{}.{}", stringify!($name), self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

word_enum!(
    /// Level of an administrative region.
    RegionLevel { City = "city", District = "district", Subdistrict = "subdistrict", Community = "community" }
);

word_enum!(
    /// 商品房 | 公租房 | mixed.
    CompoundKind { OwnerOccupied = "owner_occupied", PublicRental = "public_rental", Mixed = "mixed" }
);

word_enum!(
    DwellingUse { Residential = "residential", Commercial = "commercial", Parking = "parking", Storage = "storage" }
);

word_enum!(
    /// Where an exclusive area comes from; the first one present counts (法释〔2009〕7号).
    AreaSource { Register = "register", Survey = "survey", Contract = "contract" }
);

impl AreaSource {
    /// Precedence for votes: register 3, survey 2, contract 1.
    pub fn rank(self) -> u8 {
        match self {
            AreaSource::Register => 3,
            AreaSource::Survey => 2,
            AreaSource::Contract => 1,
        }
    }
}

word_enum!(
    HoldingRelation { Owner = "owner", CoOwner = "co_owner", Tenant = "tenant", Family = "family", Developer = "developer" }
);

word_enum!(
    OrgKind {
        PropertyCompany = "property_company",
        OwnersCommittee = "owners_committee",
        Association = "association",
        Department = "department",
        CommunityOffice = "community_office",
        SubdistrictOffice = "subdistrict_office",
        PoliceStation = "police_station",
        Developer = "developer",
    }
);

word_enum!(
    /// The four standing squads of a Red Butler team, plus custom ones.
    SquadKind {
        PartyBuilding = "party_building",
        PolicyPublicity = "policy_publicity",
        PropertyServices = "property_services",
        DisputeMediation = "dispute_mediation",
        Custom = "custom",
    }
);

word_enum!(
    /// Roles a user holds, each within a scope.
    Role {
        Resident = "resident",
        BuildingLeader = "building_leader",
        Butler = "butler",
        PropertyStaff = "property_staff",
        PropertyManager = "property_manager",
        CommitteeMember = "committee_member",
        DepartmentStaff = "department_staff",
        CommunityStaff = "community_staff",
        DistrictOfficial = "district_official",
        Admin = "admin",
    }
);

word_enum!(
    ScopeKind {
        Global = "global",
        Region = "region",
        Compound = "compound",
        Building = "building",
        Organisation = "organisation",
        Team = "team",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::Butler.label_key(), "Role.butler");
    }
}
