//! Mediations of disputes: mediator, sessions, outcome.
use super::*;
use serde::Serialize;
use utoipa::ToSchema;

impl CaseStore<'_> {
    pub async fn mediation(&mut self, case_id: i64) -> sqlx::Result<Option<MediationRow>> {
        sqlx::query_as(
            "SELECT m.case_id, m.mediator_member_id, p.name AS mediator_name, m.parties, m.outcome, m.outcome_text, m.referral \
             FROM mediations m LEFT JOIN team_members tm ON tm.id = m.mediator_member_id LEFT JOIN people p ON p.id = tm.person_id \
             WHERE m.case_id = $1",
        )
        .bind(case_id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    pub async fn mediation_sessions(
        &mut self,
        case_id: i64,
    ) -> sqlx::Result<Vec<MediationSessionRow>> {
        sqlx::query_as("SELECT id, held_on, attendees, notes FROM mediation_sessions WHERE case_id = $1 ORDER BY held_on, id")
            .bind(case_id)
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }

    /// Set (or change) the mediator and parties; keeps an outcome already recorded.
    pub async fn upsert_mediation(
        &mut self,
        case_id: i64,
        mediator: i64,
        parties: &str,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO mediations (case_id, mediator_member_id, parties) VALUES ($1, $2, $3) \
             ON CONFLICT (case_id) DO UPDATE SET mediator_member_id = excluded.mediator_member_id, parties = excluded.parties",
        )
        .bind(case_id)
        .bind(mediator)
        .bind(parties)
        .execute(&mut *self.h.conn().await?)
        .await?;
        Ok(())
    }

    pub async fn insert_mediation_session(
        &mut self,
        case_id: i64,
        held_on: &str,
        attendees: &str,
        notes: &str,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO mediation_sessions (case_id, held_on, attendees, notes) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(case_id)
        .bind(held_on)
        .bind(attendees)
        .bind(notes)
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    /// Record the outcome once; false when one was recorded already.
    pub async fn set_mediation_outcome(
        &mut self,
        case_id: i64,
        outcome: &str,
        text: &str,
        referral: Option<&str>,
    ) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE mediations SET outcome = $1, outcome_text = $2, referral = $3 WHERE case_id = $4 AND outcome IS NULL",
        )
        .bind(outcome)
        .bind(text)
        .bind(referral.map(str::to_string))
        .bind(case_id)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    /// Members of dispute-mediation squads: (member id, name).
    pub async fn mediators(&mut self) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query_as(
            "SELECT DISTINCT tm.id, p.name FROM squad_members sm JOIN squads s ON s.id = sm.squad_id \
             JOIN team_members tm ON tm.id = sm.member_id JOIN people p ON p.id = tm.person_id \
             WHERE s.kind = 'dispute_mediation' ORDER BY tm.id",
        )
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Is this team member in a dispute-mediation squad?
    pub async fn is_mediator(&mut self, member_id: i64) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM squad_members sm JOIN squads s ON s.id = sm.squad_id \
             WHERE sm.member_id = $1 AND s.kind = 'dispute_mediation'",
        )
        .bind(member_id)
        .fetch_one(&mut *self.h.conn().await?)
        .await?;
        Ok(n > 0)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct MediationRow {
    pub case_id: i64,
    pub mediator_member_id: Option<i64>,
    pub mediator_name: Option<String>,
    pub parties: String,
    pub outcome: Option<String>,
    pub outcome_text: String,
    pub referral: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct MediationSessionRow {
    pub id: i64,
    pub held_on: String,
    pub attendees: String,
    pub notes: String,
}
