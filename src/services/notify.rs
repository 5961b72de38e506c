//! Notifications beyond the in-app inbox. Every notification is first a row of `notifications`
//! (the inbox, written once whichever node noticed the event); an outgoing channel — e-mail,
//! SMS, or the spool file that ships here — is one implementation of [`Channel`]. The delivery
//! job hands each channel the rows it has not had yet, oldest first, in the recipient's language.
//!
//! Several nodes may run the job on one database: each batch is claimed by moving the channel's
//! cursor with a compare-and-set before delivery, so exactly one node delivers it; when delivery
//! fails the cursor is moved back and the batch is offered again on the next pass.
use crate::db::Db;
use crate::db::notify::OutgoingRow;
use crate::error::AppResult;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// One message for one person.
#[derive(Debug, Clone, Serialize)]
pub struct Outgoing {
    /// The inbox row it comes from (a receiver may use it to drop repeats).
    pub notification_id: i64,
    pub user_id: i64,
    pub username: String,
    pub locale: String,
    pub kind: String,
    pub case_number: Option<String>,
    pub decision_title: Option<String>,
    pub created_at: i64,
    /// The message in the recipient's language.
    pub text: String,
    /// Where the recipient acts on it (a path of this site).
    pub link: String,
}

impl Outgoing {
    pub fn from_row(r: OutgoingRow) -> Self {
        let locale = crate::locale::Locale::parse(&r.locale)
            .unwrap_or_default()
            .code()
            .to_string();
        let key = format!("Notice.{}", r.kind);
        let label = rust_i18n::t!(&key, locale = &locale).to_string();
        let subject = r
            .case_number
            .clone()
            .or_else(|| r.decision_title.clone())
            .unwrap_or_default();
        let text = if subject.is_empty() {
            label
        } else {
            format!("{label}: {subject}")
        };
        let link = match (r.case_id, r.decision_id) {
            (Some(c), _) => format!("/cases/{c}"),
            (None, Some(d)) => format!("/decisions/{d}"),
            (None, None) => "/inbox".to_string(),
        };
        Self {
            notification_id: r.id,
            user_id: r.user_id,
            username: r.username,
            locale,
            kind: r.kind,
            case_number: r.case_number,
            decision_title: r.decision_title,
            created_at: r.created_at,
            text,
            link,
        }
    }
}

/// An outgoing channel. `deliver` runs on a blocking thread; an error means the batch was not
/// delivered and will be offered again.
pub trait Channel: Send + Sync {
    /// Names the channel's cursor: keep it stable.
    fn name(&self) -> &str;
    fn deliver(&self, batch: &[Outgoing]) -> anyhow::Result<()>;
}

/// Appends each message as one JSON line to a file (flushed to disk before the batch counts as
/// delivered), for an SMS or e-mail gateway to pick up.
pub struct SpoolFile {
    path: PathBuf,
}

impl SpoolFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

impl Channel for SpoolFile {
    fn name(&self) -> &str {
        "spool"
    }

    fn deliver(&self, batch: &[Outgoing]) -> anyhow::Result<()> {
        let mut text = Vec::new();
        for m in batch {
            serde_json::to_writer(&mut text, m)?;
            text.push(b'\n');
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        f.write_all(&text)?;
        f.sync_data()?;
        Ok(())
    }
}

/// The channels switched on in the configuration.
pub fn configured(config: &crate::config::Config) -> Vec<Arc<dyn Channel>> {
    let mut out: Vec<Arc<dyn Channel>> = Vec::new();
    if !config.notify_spool.is_empty() {
        out.push(Arc::new(SpoolFile::new(&config.notify_spool)));
    }
    out
}

/// Messages per claimed batch.
const BATCH: i64 = 200;
/// Batches per channel and pass (the next pass carries on).
const BATCHES_PER_PASS: usize = 20;

/// Give each channel that has no cursor yet one: it starts with the notifications created from
/// `since` on (switching a channel on does not send the whole history).
pub async fn start(db: &Db, channels: &[Arc<dyn Channel>], since: i64) -> AppResult<()> {
    for c in channels {
        db.notify().ensure_delivery_cursor(c.name(), since).await?;
    }
    Ok(())
}

/// Hands every channel the notifications it has not had; returns how many were delivered.
pub async fn delivery_pass(db: &Db, channels: &[Arc<dyn Channel>], now: i64) -> AppResult<usize> {
    let mut delivered = 0;
    for channel in channels {
        let name = channel.name().to_string();
        for _ in 0..BATCHES_PER_PASS {
            let Some(after) = db.notify().delivery_cursor(&name).await? else {
                break;
            };
            let rows = db.notify().outgoing_after(after, BATCH).await?;
            let Some(last) = rows.last().map(|r| r.id) else {
                break;
            };
            if !db
                .notify()
                .move_delivery_cursor(&name, after, last, now)
                .await?
            {
                continue; // another node claimed this batch; look again
            }
            let batch: Vec<Outgoing> = rows.into_iter().map(Outgoing::from_row).collect();
            let ch = channel.clone();
            let n = batch.len();
            let result = tokio::task::spawn_blocking(move || ch.deliver(&batch))
                .await
                .map_err(anyhow::Error::from)?;
            match result {
                Ok(()) => delivered += n,
                Err(e) => {
                    // Give the batch back unless someone moved on meanwhile (then it is theirs).
                    db.notify()
                        .move_delivery_cursor(&name, last, after, now)
                        .await?;
                    tracing::warn!(channel = %name, error = %e, "delivery failed; will retry");
                    break;
                }
            }
        }
    }
    Ok(delivered)
}
