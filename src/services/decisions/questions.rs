//! Objections to the roll and questions to invited departments, with their answers.
use super::Checks;
use super::*;
use crate::db::Db;
use crate::db::decisions::QuestionRow;
use crate::domain::decisions::DecisionStatus;
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;

pub async fn object(db: &Db, actor: &Actor, id: i64, text: &str) -> AppResult<i64> {
    let (d, _, _) = load(db, actor, id).await?;
    let mut ch = Checks::default();
    let text = ch.text("text", text, 2000);
    ch.finish()?;
    if d.status != DecisionStatus::Noticed.as_str() {
        return Err(AppError::Conflict("vote_roll_frozen"));
    }
    Ok(db
        .decisions()
        .insert_objection(id, actor.user_id, &text, crate::db::now())
        .await?)
}

pub async fn answer_objection(
    db: &Db,
    actor: &Actor,
    id: i64,
    objection: i64,
    text: &str,
) -> AppResult<()> {
    let (_, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    let mut ch = Checks::default();
    let text = ch.text("answer", text, 2000);
    ch.finish()?;
    if !db
        .decisions()
        .answer_objection(id, objection, &text, actor.user_id, crate::db::now())
        .await?
    {
        return Err(AppError::NotFound);
    }
    // The register may have been corrected: draft the roll again while it is not frozen.
    let d = db
        .decisions()
        .decision(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if d.status == DecisionStatus::Noticed.as_str() {
        write_roll(db, &d, None, crate::db::now()).await?;
    }
    Ok(())
}

pub async fn ask(db: &Db, actor: &Actor, id: i64, text: &str) -> AppResult<i64> {
    let (d, _, r) = load(db, actor, id).await?;
    let mut ch = Checks::default();
    let text = ch.text("question", text, 2000);
    ch.finish()?;
    if r.invited && !r.manage {
        return Err(AppError::Forbidden);
    }
    if matches!(d.status.as_str(), "draft" | "closed" | "cancelled") {
        return Err(AppError::Conflict("vote_questions_closed"));
    }
    let qid = db
        .decisions()
        .insert_question(id, actor.user_id, &text, crate::db::now())
        .await?;
    let orgs: Vec<i64> = db
        .decisions()
        .invited_organisations(id)
        .await?
        .into_iter()
        .map(|o| o.0)
        .collect();
    let staff = db.decisions().users_of_organisations(&orgs).await?;
    db.decisions()
        .notify_users_of_decision(
            id,
            &staff,
            "decision_question",
            &qid.to_string(),
            crate::db::now(),
        )
        .await?;
    Ok(qid)
}

pub async fn answer(db: &Db, actor: &Actor, id: i64, question: i64, text: &str) -> AppResult<()> {
    let (_, _, r) = load(db, actor, id).await?;
    if !r.manage && !r.invited {
        return Err(AppError::Forbidden);
    }
    let mut ch = Checks::default();
    let text = ch.text("answer", text, 4000);
    ch.finish()?;
    let orgs = actor.organisations();
    let invited: Vec<i64> = db
        .decisions()
        .invited_organisations(id)
        .await?
        .into_iter()
        .map(|o| o.0)
        .collect();
    let org = orgs.iter().find(|o| invited.contains(o)).copied();
    if !db
        .decisions()
        .answer_question(id, question, &text, actor.user_id, org, crate::db::now())
        .await?
    {
        return Err(AppError::Conflict("vote_question_answered"));
    }
    Ok(())
}

pub async fn questions(db: &Db, actor: &Actor, id: i64) -> AppResult<Vec<QuestionRow>> {
    load(db, actor, id).await?;
    Ok(db.decisions().questions(id).await?)
}
