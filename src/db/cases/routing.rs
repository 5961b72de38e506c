//! Who handles what: the units of a user, the users of a unit, the team, squad, company or office
//! that a case goes to.
use super::*;
use crate::domain::cases::{Unit, UnitKind};

impl CaseStore<'_> {
    /// Users who work for a unit: an organisation's staff (grants scoped to it), a squad's or a
    /// team's members with an account.
    pub async fn unit_users(&mut self, u: Unit) -> sqlx::Result<std::sync::Arc<Vec<i64>>> {
        if let Some(v) = self.db.caches.unit_users.get(&u) {
            return Ok(v);
        }
        let v = std::sync::Arc::new(self.unit_users_uncached(u).await?);
        self.db.caches.unit_users.put(u, v.clone());
        Ok(v)
    }

    async fn unit_users_uncached(&mut self, u: Unit) -> sqlx::Result<Vec<i64>> {
        let sql = match u.kind {
            UnitKind::Organisation => {
                "SELECT DISTINCT user_id FROM role_grants WHERE scope_kind = 'organisation' AND scope_id = $1"
            }
            UnitKind::Squad => {
                "SELECT DISTINCT us.id FROM squad_members sm JOIN team_members tm ON tm.id = sm.member_id \
                 JOIN users us ON us.person_id = tm.person_id WHERE sm.squad_id = $1"
            }
            UnitKind::Team => {
                "SELECT DISTINCT us.id FROM team_members tm JOIN users us ON us.person_id = tm.person_id WHERE tm.team_id = $1"
            }
        };
        sqlx::query_scalar(sql)
            .bind(u.id)
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }

    /// The units a user works for (see [`Db::unit_users`]).
    pub async fn user_units(
        &mut self,
        user_id: i64,
        person_id: Option<i64>,
    ) -> sqlx::Result<Vec<Unit>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT 'organisation', scope_id FROM role_grants WHERE user_id = $1 AND scope_kind = 'organisation' AND scope_id IS NOT NULL \
             UNION SELECT 'team', team_id FROM team_members WHERE person_id = $2 \
             UNION SELECT 'squad', sm.squad_id FROM squad_members sm JOIN team_members tm ON tm.id = sm.member_id WHERE tm.person_id = $2",
        )
        .bind(user_id)
        .bind(person_id.unwrap_or(-1))
        .fetch_all(&mut *self.h.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, id)| {
                Some(Unit {
                    kind: UnitKind::parse(&k)?,
                    id,
                })
            })
            .collect())
    }

    /// A unit's display name.
    pub async fn unit_name(&mut self, u: Unit) -> sqlx::Result<Option<String>> {
        let sql = match u.kind {
            UnitKind::Organisation => "SELECT name FROM organisations WHERE id = $1",
            UnitKind::Squad => "SELECT s.name FROM squads s WHERE s.id = $1",
            UnitKind::Team => "SELECT name FROM teams WHERE id = $1",
        };
        sqlx::query_scalar(sql)
            .bind(u.id)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    /// The team that works a compound: its own, else its community's.
    pub async fn team_for_compound(
        &mut self,
        compound_id: i64,
        community_id: i64,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM teams WHERE compound_id = $1 OR (compound_id IS NULL AND community_id = $2) \
             ORDER BY CASE WHEN compound_id = $1 THEN 0 ELSE 1 END, id LIMIT 1",
        )
        .bind(compound_id)
        .bind(community_id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    pub async fn squad_of_team(&mut self, team_id: i64, kind: &str) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM squads WHERE team_id = $1 AND kind = $2 ORDER BY id LIMIT 1",
        )
        .bind(team_id)
        .bind(kind)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// The property company managing a compound today.
    pub async fn property_company_of(
        &mut self,
        compound_id: i64,
        today: &str,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT organisation_id FROM property_contracts WHERE compound_id = $1 AND starts_on <= $2 \
             AND (ends_on IS NULL OR ends_on >= $2) ORDER BY id LIMIT 1",
        )
        .bind(compound_id)
        .bind(today)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// The organisation of a kind in a region (a community or sub-district office).
    pub async fn office_of(&mut self, kind: &str, region_id: i64) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM organisations WHERE kind = $1 AND region_id = $2 ORDER BY id LIMIT 1",
        )
        .bind(kind)
        .bind(region_id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    pub async fn organisation_kind(&mut self, id: i64) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar("SELECT kind FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    /// The column of `cases` that holds a region of this region's level (`district_id`, …).
    pub async fn region_column(&mut self, region_id: i64) -> sqlx::Result<&'static str> {
        let level: Option<String> = sqlx::query_scalar("SELECT level FROM regions WHERE id = $1")
            .bind(region_id)
            .fetch_optional(&mut *self.h.conn().await?)
            .await?;
        Ok(match level.as_deref() {
            Some("city") => "city_id",
            Some("district") => "district_id",
            Some("subdistrict") => "subdistrict_id",
            _ => "community_id",
        })
    }

    pub async fn departments(&mut self) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query_as("SELECT id, name FROM organisations WHERE kind = 'department' ORDER BY id")
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }

    /// Organisations a category may name as its handler: departments, offices, police stations.
    pub async fn handling_organisations(&mut self) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query_as(
            "SELECT id, name FROM organisations WHERE kind IN ('department', 'community_office', 'subdistrict_office', 'police_station') \
             ORDER BY kind, id",
        )
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn building_names(&mut self, compound_id: i64) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query_as("SELECT id, name FROM buildings WHERE compound_id = $1 ORDER BY id")
            .bind(compound_id)
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }
}
