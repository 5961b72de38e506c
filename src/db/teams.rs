//! Red Butler teams: squads, members, fields of responsibility and building leaders.
use serde::Serialize;
use utoipa::ToSchema;

crate::db::store::store!(
    /// Red Butler teams, squads, members, fields and building leaders.
    TeamStore,
    teams
);

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub community_id: Option<i64>,
    pub compound_id: Option<i64>,
    pub station_address: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Squad {
    pub id: i64,
    pub team_id: i64,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct TeamMember {
    pub id: i64,
    pub team_id: i64,
    pub person_id: i64,
    pub name: String,
    pub home_organisation_id: Option<i64>,
    pub home_organisation: Option<String>,
    /// 1 for a party member; none where the reader may not see party membership (only those
    /// who edit the team do).
    pub party_member: Option<i64>,
    pub volunteer: i64,
    pub title: String,
    /// Names of the member's squads, joined by "、".
    pub squads: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Field {
    pub id: i64,
    pub member_id: Option<i64>,
    pub squad_id: Option<i64>,
    pub holder: String,
    pub compound_id: i64,
    pub compound_name: String,
    pub building_id: Option<i64>,
    pub building_name: Option<String>,
}

impl TeamStore<'_> {
    /// A new team with its standing squads, in one transaction; None when the name is taken.
    pub async fn insert_team(
        &mut self,
        name: &str,
        community_id: Option<i64>,
        compound_id: Option<i64>,
        station_address: &str,
        squads: &[(&str, String)],
    ) -> sqlx::Result<Option<i64>> {
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO teams (name, community_id, compound_id, station_address) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(name)
        .bind(community_id)
        .bind(compound_id)
        .bind(station_address)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Ok(None);
        };
        for (kind, squad_name) in squads {
            sqlx::query("INSERT INTO squads (team_id, kind, name) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(kind)
                .bind(squad_name)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(id))
    }

    pub async fn teams(&mut self) -> sqlx::Result<Vec<Team>> {
        sqlx::query_as(
            "SELECT id, name, community_id, compound_id, station_address FROM teams ORDER BY id",
        )
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// The membership of a person in a team, if any.
    pub async fn team_member_id(&mut self, team: i64, person: i64) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM team_members WHERE team_id = $1 AND person_id = $2 LIMIT 1",
        )
        .bind(team)
        .bind(person)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    pub async fn team(&mut self, id: i64) -> sqlx::Result<Option<Team>> {
        sqlx::query_as(
            "SELECT id, name, community_id, compound_id, station_address FROM teams WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    pub async fn squads_of(&mut self, team_id: i64) -> sqlx::Result<Vec<Squad>> {
        sqlx::query_as("SELECT id, team_id, kind, name FROM squads WHERE team_id = $1 ORDER BY id")
            .bind(team_id)
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }

    pub async fn members_of(&mut self, team_id: i64) -> sqlx::Result<Vec<TeamMember>> {
        // Squad names are gathered in a second query and joined in Rust (GROUP_CONCAT/STRING_AGG differ).
        let mut members: Vec<TeamMember> = sqlx::query_as(
            "SELECT m.id, m.team_id, m.person_id, p.name, m.home_organisation_id, o.name AS home_organisation, \
                    m.party_member, m.volunteer, m.title, '' AS squads \
             FROM team_members m JOIN people p ON p.id = m.person_id LEFT JOIN organisations o ON o.id = m.home_organisation_id \
             WHERE m.team_id = $1 ORDER BY m.id",
        )
        .bind(team_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await?;
        let pairs: Vec<(i64, String)> = sqlx::query_as(
            "SELECT sm.member_id, s.name FROM squad_members sm JOIN squads s ON s.id = sm.squad_id \
             WHERE s.team_id = $1 ORDER BY s.id",
        )
        .bind(team_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await?;
        for m in &mut members {
            let names: Vec<&str> = pairs
                .iter()
                .filter(|(id, _)| *id == m.id)
                .map(|(_, n)| n.as_str())
                .collect();
            m.squads = names.join("、");
        }
        Ok(members)
    }

    /// Remove a responsibility field of a team (of one of its members or squads); false when
    /// the team has no such field.
    pub async fn delete_field(&mut self, team_id: i64, field_id: i64) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "DELETE FROM responsibility_fields WHERE id = $1 AND \
             (member_id IN (SELECT id FROM team_members WHERE team_id = $2) \
              OR squad_id IN (SELECT id FROM squads WHERE team_id = $2))",
        )
        .bind(field_id)
        .bind(team_id)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    /// How many mediations name this member as mediator (their record keeps the member).
    pub async fn mediations_of_member(&mut self, member_id: i64) -> sqlx::Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM mediations WHERE mediator_member_id = $1")
            .bind(member_id)
            .fetch_one(&mut *self.h.conn().await?)
            .await
    }

    /// A member leaves the team: their squad places and fields go with them, in one transaction.
    /// False when the team has no such member.
    pub async fn delete_member(&mut self, team_id: i64, member_id: i64) -> sqlx::Result<bool> {
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        for sql in [
            "DELETE FROM squad_members WHERE member_id = $1",
            "DELETE FROM responsibility_fields WHERE member_id = $1",
        ] {
            sqlx::query(sql).bind(member_id).execute(&mut *tx).await?;
        }
        let n = sqlx::query("DELETE FROM team_members WHERE id = $1 AND team_id = $2")
            .bind(member_id)
            .bind(team_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 1 {
            tx.commit().await?;
        }
        Ok(n == 1)
    }

    pub async fn fields_of_team(&mut self, team_id: i64) -> sqlx::Result<Vec<Field>> {
        sqlx::query_as(
            "SELECT f.id, f.member_id, f.squad_id, COALESCE(p.name, s.name) AS holder, f.compound_id, c.name AS compound_name, \
                    f.building_id, b.name AS building_name \
             FROM responsibility_fields f JOIN compounds c ON c.id = f.compound_id \
             LEFT JOIN buildings b ON b.id = f.building_id \
             LEFT JOIN team_members m ON m.id = f.member_id LEFT JOIN people p ON p.id = m.person_id \
             LEFT JOIN squads s ON s.id = f.squad_id \
             WHERE (m.team_id = $1 OR s.team_id = $1) ORDER BY f.id",
        )
        .bind(team_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn teams_serving_compound(&mut self, compound_id: i64) -> sqlx::Result<Vec<Team>> {
        sqlx::query_as(
            "SELECT DISTINCT t.id, t.name, t.community_id, t.compound_id, t.station_address FROM teams t \
             WHERE t.compound_id = $1 OR t.community_id = (SELECT community_id FROM compounds WHERE id = $1) ORDER BY t.id",
        )
        .bind(compound_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn add_team_member(
        &mut self,
        team_id: i64,
        person_id: i64,
        home_organisation_id: Option<i64>,
        party_member: bool,
        volunteer: bool,
        title: &str,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO team_members (team_id, person_id, home_organisation_id, party_member, volunteer, title) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(team_id)
        .bind(person_id)
        .bind(home_organisation_id)
        .bind(i64::from(party_member))
        .bind(i64::from(volunteer))
        .bind(title)
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    pub async fn add_field(
        &mut self,
        member_id: Option<i64>,
        squad_id: Option<i64>,
        compound_id: i64,
        building_id: Option<i64>,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO responsibility_fields (member_id, squad_id, compound_id, building_id) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(member_id)
        .bind(squad_id)
        .bind(compound_id)
        .bind(building_id)
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }
}

impl TeamStore<'_> {
    pub async fn insert_squad(
        &mut self,
        team_id: i64,
        kind: &str,
        name: &str,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO squads (team_id, kind, name) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(team_id)
        .bind(kind)
        .bind(name)
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    /// The team a member or a squad belongs to.
    pub async fn team_of_member(&mut self, member_id: i64) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar("SELECT team_id FROM team_members WHERE id = $1")
            .bind(member_id)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    pub async fn team_of_squad(&mut self, squad_id: i64) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar("SELECT team_id FROM squads WHERE id = $1")
            .bind(squad_id)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    pub async fn add_squad_member(&mut self, squad_id: i64, member_id: i64) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO squad_members (squad_id, member_id) VALUES ($1, $2)")
            .bind(squad_id)
            .bind(member_id)
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn set_building_leader(
        &mut self,
        building_id: i64,
        person_id: Option<i64>,
    ) -> sqlx::Result<()> {
        sqlx::query("UPDATE buildings SET leader_person_id = $1 WHERE id = $2")
            .bind(person_id)
            .bind(building_id)
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(())
    }

    /// Whether a person currently lives in or holds a dwelling of the building.
    pub async fn lives_in_building(
        &mut self,
        person_id: i64,
        building_id: i64,
    ) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM holdings h JOIN dwellings d ON d.id = h.dwelling_id \
             WHERE h.person_id = $1 AND d.building_id = $2 AND h.until IS NULL",
        )
        .bind(person_id)
        .bind(building_id)
        .fetch_one(&mut *self.h.conn().await?)
        .await?;
        Ok(n > 0)
    }
}
