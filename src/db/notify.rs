//! Notifications: the inbox rows, read marks, and the delivery cursors of outgoing channels.
use serde::Serialize;
use utoipa::ToSchema;

crate::db::store::store!(
    /// Notifications and the delivery cursors of outgoing channels.
    NotifyStore,
    notify
);

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct NotificationRow {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub decision_id: Option<i64>,
    pub decision_title: Option<String>,
    pub kind: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A notification with what an outgoing channel needs to word and address it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutgoingRow {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub locale: String,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub decision_id: Option<i64>,
    pub decision_title: Option<String>,
    pub kind: String,
    pub created_at: i64,
}

impl NotifyStore<'_> {
    /// Add a notification unless one with the same key exists (safe on several nodes).
    pub async fn notify(
        &mut self,
        user_id: i64,
        case_id: Option<i64>,
        kind: &str,
        key: &str,
        now: i64,
    ) -> sqlx::Result<bool> {
        let n = sqlx::query(
            "INSERT INTO notifications (user_id, case_id, kind, dedupe_key, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(user_id)
        .bind(case_id)
        .bind(kind)
        .bind(key)
        .bind(now)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    pub async fn notifications(
        &mut self,
        user_id: i64,
        before: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<NotificationRow>> {
        sqlx::query_as(
            "SELECT n.id, n.case_id, c.number AS case_number, n.decision_id, d.title AS decision_title, n.kind, n.created_at, n.read_at \
             FROM notifications n LEFT JOIN cases c ON c.id = n.case_id LEFT JOIN decisions d ON d.id = n.decision_id WHERE n.user_id = $1 AND n.id < $2 ORDER BY n.id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(crate::db::keyset(before))
        .bind(limit)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Create the channel's cursor unless it exists: it starts after the last notification
    /// created before `since`.
    pub async fn ensure_delivery_cursor(&mut self, channel: &str, since: i64) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO delivery_cursors (channel, last_id, updated_at) \
             SELECT $1, COALESCE(MAX(id), 0), $2 FROM notifications WHERE created_at < $2 \
             ON CONFLICT (channel) DO NOTHING",
        )
        .bind(channel)
        .bind(since)
        .execute(&mut *self.h.conn().await?)
        .await?;
        Ok(())
    }

    pub async fn delivery_cursor(&mut self, channel: &str) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar("SELECT last_id FROM delivery_cursors WHERE channel = $1")
            .bind(channel)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    /// Compare-and-set: move the cursor from `from` to `to`; false when it was not at `from`.
    pub async fn move_delivery_cursor(
        &mut self,
        channel: &str,
        from: i64,
        to: i64,
        now: i64,
    ) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE delivery_cursors SET last_id = $1, updated_at = $2 WHERE channel = $3 AND last_id = $4",
        )
        .bind(to)
        .bind(now)
        .bind(channel)
        .bind(from)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    /// Up to `limit` notifications after id `after`, oldest first.
    pub async fn outgoing_after(
        &mut self,
        after: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<OutgoingRow>> {
        sqlx::query_as(
            "SELECT n.id, n.user_id, u.username, u.locale, n.case_id, c.number AS case_number, n.decision_id, \
             d.title AS decision_title, n.kind, n.created_at FROM notifications n JOIN users u ON u.id = n.user_id \
             LEFT JOIN cases c ON c.id = n.case_id LEFT JOIN decisions d ON d.id = n.decision_id \
             WHERE n.id > $1 ORDER BY n.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Unread notifications, counted up to 100 (the badge then says 99+): the cost
    /// does not grow with a backlog of thousands.
    pub async fn unread_count(&mut self, user_id: i64) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = $1 AND read_at IS NULL LIMIT 100) x",
        )
        .bind(user_id)
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    /// Mark one (or, with `id` = None, all) of the user's notifications read; returns how many.
    pub async fn mark_read(
        &mut self,
        user_id: i64,
        id: Option<i64>,
        now: i64,
    ) -> sqlx::Result<u64> {
        Ok(sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND ($3 = 0 OR id = $3)",
        )
        .bind(now)
        .bind(user_id)
        .bind(id.unwrap_or(0))
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected())
    }
}
