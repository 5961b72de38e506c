//! The background pass that tells assignees and community staff of due-soon and overdue cases;
//! each announcement is claimed in the database, so several nodes may run it.
use crate::db::Db;
use crate::error::AppResult;

/// One pass of the deadline job: announce due-soon and overdue deadlines to the assignee (or the
/// owning unit) and the community's staff. Claims each announcement in the database first, so it
/// happens once however many nodes run the job. Returns how many cases were announced.
pub async fn deadline_pass(db: &Db, now: i64) -> AppResult<usize> {
    let mut announced = 0;
    loop {
        let rows = db.cases().cases_to_announce(now, 200).await?;
        if rows.is_empty() {
            break;
        }
        let mut progressed = false;
        for row in &rows {
            let Some(due) = row.next_due else { continue };
            let overdue = due <= now;
            if !db
                .cases()
                .claim_deadline_notice(row.id, due, overdue)
                .await?
            {
                continue;
            }
            progressed = true;
            announced += 1;
            let kind = if overdue { "overdue" } else { "due_soon" };
            let mut users = match row.assignee_user_id {
                Some(u) => vec![u],
                None => match row.owner() {
                    Some(u) => db.cases().unit_users(u).await?.to_vec(),
                    None => Vec::new(),
                },
            };
            users.extend(
                db.cases()
                    .supervisors_of(row.community_id)
                    .await?
                    .iter()
                    .copied(),
            );
            users.sort_unstable();
            users.dedup();
            for u in users {
                db.notify()
                    .notify(
                        u,
                        Some(row.id),
                        kind,
                        &format!("{kind}:{}:{due}:{u}", row.id),
                        now,
                    )
                    .await?;
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(announced)
}
