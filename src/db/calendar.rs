//! The working-day calendar (RULES.md §7, migration 0022).
use crate::domain::calendar::{Calendar, CalendarDay, DayKind};

crate::db::store::store!(
    /// The years entered and their holidays and working weekend days.
    CalendarStore,
    calendar
);

/// A year of the calendar as entered.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CalendarYear {
    pub year: i64,
    pub entered_at: i64,
    pub entered_by: Option<i64>,
    pub days: Vec<CalendarDay>,
}

impl CalendarStore<'_> {
    /// The whole calendar (cached for 30 s on each node; an edit here drops it at once).
    pub async fn calendar(&mut self) -> sqlx::Result<std::sync::Arc<Calendar>> {
        if let Some(c) = self.db.caches.calendar.get(&()) {
            return Ok(c);
        }
        let years = self.years().await?;
        let cal = std::sync::Arc::new(Calendar::new(
            years.iter().filter_map(|y| i16::try_from(y.year).ok()),
            &years
                .iter()
                .flat_map(|y| y.days.iter().cloned())
                .collect::<Vec<_>>(),
        ));
        self.db.caches.calendar.put((), cal.clone());
        Ok(cal)
    }

    /// Every year entered, with its days, oldest first (two queries).
    pub async fn years(&mut self) -> sqlx::Result<Vec<CalendarYear>> {
        let mut conn = self.h.conn().await?;
        let years: Vec<(i64, i64, Option<i64>)> =
            sqlx::query_as("SELECT year, entered_at, entered_by FROM calendar_years ORDER BY year")
                .fetch_all(&mut *conn)
                .await?;
        let days: Vec<(String, i64, String, String)> =
            sqlx::query_as("SELECT day, year, kind, name FROM calendar_days ORDER BY day")
                .fetch_all(&mut *conn)
                .await?;
        Ok(years
            .into_iter()
            .map(|(year, entered_at, entered_by)| CalendarYear {
                year,
                entered_at,
                entered_by,
                days: days
                    .iter()
                    .filter(|d| d.1 == year)
                    .filter_map(|(day, _, kind, name)| {
                        Some(CalendarDay {
                            day: day.parse().ok()?,
                            kind: DayKind::parse(kind)?,
                            name: name.clone(),
                        })
                    })
                    .collect(),
            })
            .collect())
    }

    /// Enters a year: its days replace whatever was entered for it before.
    pub async fn replace_year(
        &mut self,
        year: i64,
        days: &[CalendarDay],
        now: i64,
        by: Option<i64>,
    ) -> sqlx::Result<()> {
        let mut conn = self.h.conn().await?;
        sqlx::query("DELETE FROM calendar_days WHERE year = $1")
            .bind(year)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM calendar_years WHERE year = $1")
            .bind(year)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO calendar_years (year, entered_at, entered_by) VALUES ($1, $2, $3)",
        )
        .bind(year)
        .bind(now)
        .bind(by)
        .execute(&mut *conn)
        .await?;
        for d in days {
            sqlx::query(
                "INSERT INTO calendar_days (day, year, kind, name) VALUES ($1, $2, $3, $4)",
            )
            .bind(d.day.to_string())
            .bind(year)
            .bind(d.kind.as_str())
            .bind(&d.name)
            .execute(&mut *conn)
            .await?;
        }
        self.db.caches.calendar.clear();
        Ok(())
    }

    /// Removes a year: it counts weekends only again.
    pub async fn remove_year(&mut self, year: i64) -> sqlx::Result<bool> {
        let mut conn = self.h.conn().await?;
        sqlx::query("DELETE FROM calendar_days WHERE year = $1")
            .bind(year)
            .execute(&mut *conn)
            .await?;
        let done = sqlx::query("DELETE FROM calendar_years WHERE year = $1")
            .bind(year)
            .execute(&mut *conn)
            .await?;
        self.db.caches.calendar.clear();
        Ok(done.rows_affected() == 1)
    }
}
