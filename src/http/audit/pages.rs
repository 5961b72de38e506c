//! The audit log for administrators, as a page and as CSV: actions and records in words,
//! changes as "field: before → after" with local times, filters by who, what, which and when.
use crate::db::audit::AuditEntry;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::pages::render;
use crate::http::session::Actor;
use crate::services::audit::{self, AuditFilter};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(audit_page))
        .route("/admin/audit.csv", get(audit_csv))
}

/// One changed field: its name, the value before (if any) and after, as a reader reads them.
pub struct Change {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A JSON value in words: texts without quotes, instants (fields named `at`, `…_at`, `…_due`,
/// `opens`, `closes`) as local times, anything nested as compact JSON.
fn value_text(field: &str, v: &serde_json::Value) -> String {
    use serde_json::Value;
    let instant = field == "at"
        || field.ends_with("_at")
        || field.ends_with("_due")
        || field == "opens"
        || field == "closes";
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) if instant && n.as_i64().is_some_and(|t| t > 100_000_000) => {
            crate::domain::deadline::format_local(n.as_i64().unwrap_or(0), "%Y-%m-%d %H:%M:%S")
        }
        other => other.to_string(),
    }
}

/// The fields an entry changed: for an update those whose value differs, for a creation or a
/// read every field recorded. A record that is not an object shows as one line.
pub fn changes(e: &AuditEntry) -> Vec<Change> {
    use serde_json::Value;
    let parse = |s: &Option<String>| -> Option<Value> {
        s.as_deref().and_then(|t| serde_json::from_str(t).ok())
    };
    let (before, after) = (parse(&e.before_json), parse(&e.after_json));
    let as_map = |v: &Option<Value>| match v {
        Some(Value::Object(m)) => Some(m.clone()),
        _ => None,
    };
    match (as_map(&before), as_map(&after)) {
        (b, Some(a)) => {
            let b = b.unwrap_or_default();
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .filter(|k| b.get(*k) != a.get(*k) || before.is_none())
                .map(|k| Change {
                    field: k.clone(),
                    before: b.get(k).map(|v| value_text(k, v)),
                    after: a.get(k).map(|v| value_text(k, v)),
                })
                .collect()
        }
        (Some(b), None) => b
            .iter()
            .map(|(k, v)| Change {
                field: k.clone(),
                before: Some(value_text(k, v)),
                after: None,
            })
            .collect(),
        (None, None) => [before, after]
            .into_iter()
            .flatten()
            .map(|v| Change {
                field: String::new(),
                before: None,
                after: Some(value_text("", &v)),
            })
            .collect(),
    }
}

/// An action in the reader's language: an audit word, a case step, or the word itself.
pub fn action_label(ctx: &Ctx, action: &str) -> String {
    let own = ctx.label("AuditAction", action);
    if own != action {
        own
    } else {
        ctx.label("CaseEvent", action)
    }
}

/// The changes of an entry as one line of text (for the CSV).
fn changes_text(e: &AuditEntry) -> String {
    changes(e)
        .iter()
        .map(|c| match (&c.before, &c.after) {
            (Some(b), Some(a)) => format!("{}: {b} → {a}", c.field),
            (None, Some(a)) if c.field.is_empty() => a.clone(),
            (None, Some(a)) => format!("{}: {a}", c.field),
            (Some(b), None) => format!("{}: {b} → —", c.field),
            (None, None) => c.field.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    entries: Vec<AuditEntry>,
    f: AuditFilter,
    /// The filter as a query string (without the cursor), for the next page and the CSV.
    query: String,
    next_before: Option<i64>,
}

impl AuditPage {
    fn changes(&self, e: &AuditEntry) -> Vec<Change> {
        changes(e)
    }
    fn action(&self, a: &str) -> String {
        action_label(&self.ctx, a)
    }
    fn text<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
}

fn filter_query(f: &AuditFilter) -> String {
    crate::http::query_of([
        ("actor", f.actor.clone()),
        ("action", f.action.clone()),
        ("entity", f.entity.clone()),
        ("entity_id", f.entity_id.map(|i| i.to_string())),
        ("from", f.from.clone()),
        ("to", f.to.clone()),
    ])
}

async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(f): Query<AuditFilter>,
) -> AppResult<Html<String>> {
    let f = AuditFilter {
        limit: Some(100),
        ..f
    };
    let entries = audit::entries(&state.db, &actor, &f).await?;
    let next_before = (entries.len() == 100)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    render(AuditPage {
        ctx,
        entries,
        query: filter_query(&f),
        f,
        next_before,
    })
}

/// The audit log as CSV (UTF-8 with BOM so that Excel opens it in Chinese), with the page's
/// filters: local times, actions in the reader's language, the change in words beside the
/// recorded JSON.
async fn audit_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(f): Query<AuditFilter>,
) -> AppResult<Response> {
    let mut w = crate::http::csv::CsvExport::new(&[
        "id",
        "at",
        "actor",
        "action",
        "action_label",
        "entity",
        "entity_id",
        "change",
        "before",
        "after",
        "reason",
    ])?;
    audit::each_entry(&state.db, &actor, &f, |e| {
        // Local time (Asia/Shanghai, to the second), like every time the product shows.
        let at = crate::domain::deadline::format_local(e.at, "%Y-%m-%d %H:%M:%S%:z");
        w.row([
            e.id.to_string(),
            at,
            e.actor.clone().unwrap_or_default(),
            e.action.clone(),
            action_label(&ctx, &e.action),
            e.entity.clone(),
            e.entity_id.map(|i| i.to_string()).unwrap_or_default(),
            changes_text(e),
            e.before_json.clone().unwrap_or_default(),
            e.after_json.clone().unwrap_or_default(),
            e.reason.clone(),
        ])
    })
    .await?;
    w.into_response("audit-log.csv")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(before: Option<&str>, after: Option<&str>) -> AuditEntry {
        AuditEntry {
            id: 1,
            at: 0,
            actor_user_id: None,
            actor: None,
            action: "update".into(),
            entity: "user".into(),
            entity_id: Some(1),
            before_json: before.map(str::to_string),
            after_json: after.map(str::to_string),
            reason: String::new(),
        }
    }

    /// An update shows only what changed, instants as local times, texts without quotes; a
    /// creation shows every field; a bare value shows as itself.
    #[test]
    fn changes_read_as_words_with_local_times() {
        let e = entry(
            Some(r#"{"name":"甲","disabled":false,"expires_at":1796400000}"#),
            Some(r#"{"name":"乙","disabled":false,"expires_at":1796486400}"#),
        );
        let c = changes(&e);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].field, "expires_at");
        assert_eq!(c[0].before.as_deref(), Some("2026-12-05 00:00:00"));
        assert_eq!(c[1].field, "name");
        assert_eq!(
            (c[1].before.as_deref(), c[1].after.as_deref()),
            (Some("甲"), Some("乙"))
        );
        let created = changes(&entry(None, Some(r#"{"a":1,"b":"x"}"#)));
        assert_eq!(created.len(), 2);
        assert!(created.iter().all(|c| c.before.is_none()));
        let bare = changes(&entry(None, Some("3")));
        assert_eq!(bare[0].after.as_deref(), Some("3"));
        assert_eq!(
            changes_text(&e),
            "expires_at: 2026-12-05 00:00:00 → 2026-12-06 00:00:00; name: 甲 → 乙"
        );
    }
}
