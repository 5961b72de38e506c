//! Decision documents: PDFs or images the convenor attaches until the close.
use super::Checks;
use super::*;
use crate::db::Db;
use crate::domain::decisions::Refusal;
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;

pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

pub const MAX_DOCUMENTS: usize = 20;

/// PDF, JPEG, PNG or WebP, by content.
pub fn sniff_document(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        crate::services::cases::sniff_image(bytes)
    }
}

/// The convenor attaches a document (the plan, a budget, a department's opinion) before the close.
pub async fn add_document(
    db: &Db,
    actor: &Actor,
    id: i64,
    name: &str,
    bytes: &[u8],
) -> AppResult<i64> {
    let (d, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    // Keep only the file's own name, without any folder a browser may send.
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let mut ch = Checks::default();
    let name = ch.text("file", base, 200);
    let content_type = sniff_document(bytes);
    if bytes.is_empty() {
        ch.fail("file", "required");
    } else if bytes.len() > MAX_DOCUMENT_BYTES {
        ch.fail("file", "too_large_document");
    } else if content_type.is_none() {
        ch.fail("file", "not_a_document");
    }
    ch.finish()?;
    if matches!(d.status.as_str(), "closed" | "cancelled") {
        return Err(Refusal::AlreadyClosed.into());
    }
    if db.decisions().documents(id).await?.len() >= MAX_DOCUMENTS {
        return Err(AppError::field("file", "too_many_documents"));
    }
    let mut work = db.begin().await?;
    let doc = work
        .decisions()
        .insert_document(
            id,
            &name,
            content_type.unwrap_or("application/pdf"),
            bytes,
            actor.user_id,
            crate::db::now(),
        )
        .await?;
    audit(
        &mut work,
        actor,
        "document",
        id,
        serde_json::json!({"document_id": doc, "name": name, "size": bytes.len()}),
    )
    .await?;
    work.commit().await?;
    Ok(doc)
}

/// A document, for anyone who may see the decision: (name, content type, bytes).
pub async fn document(
    db: &Db,
    actor: &Actor,
    id: i64,
    doc: i64,
) -> AppResult<(String, String, Vec<u8>)> {
    load(db, actor, id).await?;
    db.decisions()
        .document(id, doc)
        .await?
        .ok_or(AppError::NotFound)
}
