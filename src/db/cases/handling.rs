//! Recording a step of the workflow (state, event, notifications) and coordination requests.
use super::*;
use crate::domain::cases::{CaseState, Event};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow, ToSchema)]
pub struct CoordinationRow {
    pub id: i64,
    pub case_id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub question: String,
    pub asked_at: i64,
    pub due_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
}

impl CaseStore<'_> {
    /// Store a transition: the new state (only if nobody changed the case since `row` was read)
    /// and its event, in one transaction. Returns false when the case changed meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_transition(
        &mut self,
        row: &CaseRow,
        next: &CaseState,
        event: &Event,
        actor: Option<i64>,
        note: &str,
        internal: bool,
        extra: &TransitionExtra<'_>,
        now: i64,
    ) -> sqlx::Result<bool> {
        let _writer = self.writer().await;
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let signed_in_time = if event.kind == crate::domain::cases::EventKind::SignedFor {
            Some(row.sign_due.is_none_or(|d| now < d) as i64)
        } else {
            row.signed_in_time
        };
        let done = sqlx::query(
            "UPDATE cases SET status = $1, owner_kind = $2, owner_id = $3, dispatched_by_kind = $4, dispatched_by_id = $5, \
             assignee_user_id = $6, level = $7, sign_due = $8, reply_due = $9, accept_due = $10, review_due = $11, \
             next_due = $12, accepted = $13, extended = $14, reopened = $15, review_stage = $16, replied_at = $17, \
             rating = $18, no_follow_up = $19, open_coordinations = $20, signed_in_time = $21, \
             signed_at = CASE WHEN $22 = 1 THEN $23 ELSE signed_at END, \
             closed_at = CASE WHEN $24 = 1 THEN $23 ELSE closed_at END, \
             rating_comment = CASE WHEN $25 = 1 THEN $26 ELSE rating_comment END, \
             merged_into = COALESCE($27, merged_into), dispatched_at = $30, version = version + 1 \
             WHERE id = $28 AND version = $29",
        )
        .bind(next.status.as_str())
        .bind(next.owner.kind.as_str())
        .bind(next.owner.id)
        .bind(next.dispatched_by.map(|u| u.kind.as_str().to_string()))
        .bind(next.dispatched_by.map(|u| u.id))
        .bind(next.assignee)
        .bind(next.level.as_str())
        .bind(next.sign_due)
        .bind(next.reply_due)
        .bind(next.accept_due)
        .bind(next.review_due)
        .bind(next.next_due())
        .bind(next.accepted as i64)
        .bind(next.extended as i64)
        .bind(next.reopened as i64)
        .bind(next.review_stage as i64)
        .bind(next.replied_at)
        .bind(next.rating.map(|r| r.as_str().to_string()))
        .bind(next.no_follow_up_reason as i64)
        .bind(next.open_coordinations as i64)
        .bind(signed_in_time)
        .bind((event.kind == crate::domain::cases::EventKind::SignedFor) as i64)
        .bind(now)
        .bind(next.status.is_final() as i64)
        .bind(extra.rating_comment.is_some() as i64)
        .bind(extra.rating_comment.unwrap_or("").to_string())
        .bind(extra.merged_into)
        .bind(row.id)
        .bind(row.version)
        .bind(next.dispatched_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO case_events (case_id, at, actor_user_id, kind, from_status, to_status, unit_kind, unit_id, note, internal) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(row.id)
        .bind(now)
        .bind(actor)
        .bind(event.kind.as_str())
        .bind(event.from.as_str())
        .bind(event.to.as_str())
        .bind(event.unit.map(|u| u.kind.as_str().to_string()))
        .bind(event.unit.map(|u| u.id))
        .bind(note)
        .bind(internal as i64)
        .execute(&mut *tx)
        .await?;
        // The step in the audit log too, in the same transaction: the status before and after,
        // the unit it went to, the rating and a department's answer (the timeline keeps notes).
        let mut after = serde_json::json!({"status": event.to.as_str()});
        if let Some(u) = event.unit {
            after["unit"] = format!("{}:{}", u.kind.as_str(), u.id).into();
        }
        if next.rating != row_rating(row) {
            after["rating"] = next.rating.map(|r| r.as_str()).into();
        }
        if let Some((request, answer)) = extra.answer {
            after["coordination_request"] = request.into();
            after["answer"] = answer.into();
        }
        if let Some((outcome, go_to, _)) = extra.outcome {
            after["outcome"] = outcome.into();
            after["go_to"] = go_to.into();
        }
        if let Some((org, _, due)) = extra.coordination {
            after["coordination_organisation"] = org.into();
            after["coordination_due"] = due.into();
        }
        sqlx::query(
            "INSERT INTO audit_log (at, actor_user_id, action, entity, entity_id, before_json, after_json, reason) \
             VALUES ($1, $2, $3, 'case', $4, $5, $6, '')",
        )
        .bind(now)
        .bind(actor)
        .bind(event.kind.as_str())
        .bind(row.id)
        .bind(serde_json::json!({"status": event.from.as_str()}).to_string())
        .bind(after.to_string())
        .execute(&mut *tx)
        .await?;
        if let Some((org, question, due)) = extra.coordination {
            sqlx::query(
                "INSERT INTO coordination_requests (case_id, organisation_id, question, asked_at, asked_by, due_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(row.id)
            .bind(org)
            .bind(question)
            .bind(now)
            .bind(actor)
            .bind(due)
            .execute(&mut *tx)
            .await?;
        }
        if let Some((outcome, go_to, reason)) = extra.outcome {
            sqlx::query(
                "INSERT INTO case_outcomes (case_id, outcome, go_to, reason, decided_at, decided_by) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(row.id)
            .bind(outcome)
            .bind(go_to)
            .bind(reason)
            .bind(now)
            .bind(actor)
            .execute(&mut *tx)
            .await?;
        }
        if let Some((request_id, answer)) = extra.answer {
            let n = sqlx::query(
                "UPDATE coordination_requests SET answer = $1, answered_at = $2, answered_by = $3 \
                 WHERE id = $4 AND case_id = $5 AND answer IS NULL",
            )
            .bind(answer)
            .bind(now)
            .bind(actor)
            .bind(request_id)
            .bind(row.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(false);
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Why a petition was not accepted, if it was not.
    pub async fn outcome(&mut self, case_id: i64) -> sqlx::Result<Option<OutcomeRow>> {
        sqlx::query_as(
            "SELECT outcome, go_to, reason, decided_at FROM case_outcomes WHERE case_id = $1",
        )
        .bind(case_id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    pub async fn coordination_requests(
        &mut self,
        case_id: i64,
    ) -> sqlx::Result<Vec<CoordinationRow>> {
        sqlx::query_as(
            "SELECT r.id, r.case_id, r.organisation_id, o.name AS organisation, r.question, r.asked_at, r.due_at, \
             r.answer, r.answered_at FROM coordination_requests r JOIN organisations o ON o.id = r.organisation_id \
             WHERE r.case_id = $1 ORDER BY r.id",
        )
        .bind(case_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Coordination requests addressed to these organisations, newest first.
    pub async fn coordination_for(
        &mut self,
        orgs: &[i64],
        before: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<CoordinationRow>> {
        if orgs.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = orgs.iter().map(i64::to_string).collect();
        sqlx::query_as(&format!(
            "SELECT r.id, r.case_id, r.organisation_id, o.name AS organisation, r.question, r.asked_at, r.due_at, \
             r.answer, r.answered_at FROM coordination_requests r JOIN organisations o ON o.id = r.organisation_id \
             WHERE r.organisation_id IN ({}) AND r.id < $1 ORDER BY r.id DESC LIMIT $2",
            ids.join(",")
        ))
        .bind(crate::db::keyset(before))
        .bind(limit)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }
}

/// The rating stored on a case row, as the workflow's type.
fn row_rating(row: &CaseRow) -> Option<crate::domain::cases::Rating> {
    row.rating
        .as_deref()
        .and_then(crate::domain::cases::Rating::parse)
}

/// Side records of some transitions.
#[derive(Default)]
pub struct TransitionExtra<'a> {
    pub rating_comment: Option<&'a str>,
    pub merged_into: Option<i64>,
    /// (organisation, question, due) of a new coordination request.
    pub coordination: Option<(i64, &'a str, i64)>,
    /// (request id, answer) of an answered coordination request.
    pub answer: Option<(i64, &'a str)>,
    /// (outcome, where to go, reason) of a petition not accepted.
    pub outcome: Option<(&'a str, &'a str, &'a str)>,
}

/// Why a petition was not accepted and where the petitioner is to go.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OutcomeRow {
    /// not_accepted | court | reconsideration | other_organ
    pub outcome: String,
    pub go_to: String,
    pub reason: String,
    pub decided_at: i64,
}

impl super::CaseStore<'_> {
    /// Who recorded the latest step of this kind on a case (e.g. who replied).
    pub async fn last_actor_of(&mut self, case_id: i64, kind: &str) -> sqlx::Result<Option<i64>> {
        Ok(sqlx::query_scalar::<_, Option<i64>>(
            "SELECT actor_user_id FROM case_events WHERE case_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(case_id)
        .bind(kind)
        .fetch_optional(&mut *self.h.conn().await?)
        .await?
        .flatten())
    }
}
