//! Organisations, property contracts and owners' committee members.
use serde::Serialize;
use utoipa::ToSchema;

crate::db::store::store!(
    /// Organisations, property contracts and committee members.
    OrganisationStore,
    organisations
);

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Organisation {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub region_id: Option<i64>,
    pub compound_id: Option<i64>,
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Contract {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub compound_id: i64,
    pub compound_name: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct CommitteeMember {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub position: String,
    pub term_from: String,
    pub term_to: Option<String>,
}

const ORG_COLUMNS: &str = "id, kind, name, region_id, compound_id, phone";

impl OrganisationStore<'_> {
    pub async fn organisations(
        &mut self,
        after: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<Organisation>> {
        let sql =
            format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id > $1 ORDER BY id LIMIT $2");
        sqlx::query_as(&sql)
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }

    pub async fn organisation(&mut self, id: i64) -> sqlx::Result<Option<Organisation>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1");
        sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    pub async fn insert_organisation(
        &mut self,
        kind: &str,
        name: &str,
        region_id: Option<i64>,
        compound_id: Option<i64>,
        phone: &str,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO organisations (kind, name, region_id, compound_id, phone) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(kind)
        .bind(name)
        .bind(region_id)
        .bind(compound_id)
        .bind(phone)
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    /// Rename an organisation, change its phone and (when `matters` is given) replace the
    /// matters it owns, in one transaction. False when another organisation of its kind has
    /// that name.
    pub async fn update_organisation(
        &mut self,
        id: i64,
        name: &str,
        phone: &str,
        matters: Option<&[String]>,
    ) -> sqlx::Result<bool> {
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let clash: Option<i64> = sqlx::query_scalar(
            "SELECT o.id FROM organisations o JOIN organisations me ON me.id = $1 \
             WHERE o.kind = me.kind AND o.name = $2 AND o.id <> $1",
        )
        .bind(id)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        if clash.is_some() {
            return Ok(false);
        }
        sqlx::query("UPDATE organisations SET name = $1, phone = $2 WHERE id = $3")
            .bind(name)
            .bind(phone)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(matters) = matters {
            sqlx::query("DELETE FROM organisation_matters WHERE organisation_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for m in matters {
                sqlx::query(
                    "INSERT INTO organisation_matters (organisation_id, matter) VALUES ($1, $2)",
                )
                .bind(id)
                .bind(m)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn contract(&mut self, id: i64) -> sqlx::Result<Option<Contract>> {
        sqlx::query_as(
            "SELECT k.id, k.organisation_id, o.name AS organisation_name, k.compound_id, c.name AS compound_name, \
                    k.starts_on, k.ends_on \
             FROM property_contracts k JOIN organisations o ON o.id = k.organisation_id JOIN compounds c ON c.id = k.compound_id \
             WHERE k.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// End an open contract on `ends_on`; false when it had an end already.
    pub async fn end_contract(&mut self, id: i64, ends_on: &str) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE property_contracts SET ends_on = $1 WHERE id = $2 AND ends_on IS NULL",
        )
        .bind(ends_on)
        .bind(id)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn matters_of(&mut self, organisation_id: i64) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar(
            "SELECT matter FROM organisation_matters WHERE organisation_id = $1 ORDER BY id",
        )
        .bind(organisation_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Property contracts by organisation or by compound (pass 0 for the other).
    pub async fn contracts(
        &mut self,
        organisation_id: i64,
        compound_id: i64,
    ) -> sqlx::Result<Vec<Contract>> {
        sqlx::query_as(
            "SELECT k.id, k.organisation_id, o.name AS organisation_name, k.compound_id, c.name AS compound_name, \
                    k.starts_on, k.ends_on \
             FROM property_contracts k JOIN organisations o ON o.id = k.organisation_id JOIN compounds c ON c.id = k.compound_id \
             WHERE ($1 = 0 OR k.organisation_id = $1) AND ($2 = 0 OR k.compound_id = $2) ORDER BY k.id",
        )
        .bind(organisation_id)
        .bind(compound_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// One committee membership: (organisation, the membership).
    pub async fn committee_member(
        &mut self,
        id: i64,
    ) -> sqlx::Result<Option<(i64, CommitteeMember)>> {
        #[derive(sqlx::FromRow)]
        struct Owned {
            organisation_id: i64,
            #[sqlx(flatten)]
            member: CommitteeMember,
        }
        let row: Option<Owned> = sqlx::query_as(
            "SELECT m.organisation_id, m.id, m.person_id, p.name, m.position, m.term_from, m.term_to \
             FROM committee_members m JOIN people p ON p.id = m.person_id WHERE m.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await?;
        Ok(row.map(|r| (r.organisation_id, r.member)))
    }

    /// End a term that is still open; false when it had an end already.
    pub async fn end_committee_term(&mut self, id: i64, term_to: &str) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE committee_members SET term_to = $1 WHERE id = $2 AND term_to IS NULL",
        )
        .bind(term_to)
        .bind(id)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn committee_members(
        &mut self,
        organisation_id: i64,
    ) -> sqlx::Result<Vec<CommitteeMember>> {
        sqlx::query_as(
            "SELECT m.id, m.person_id, p.name, m.position, m.term_from, m.term_to \
             FROM committee_members m JOIN people p ON p.id = m.person_id WHERE m.organisation_id = $1 ORDER BY m.id",
        )
        .bind(organisation_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// The periods of a compound's property contracts (to refuse a second company at once).
    pub async fn contract_periods(
        &mut self,
        compound_id: i64,
    ) -> sqlx::Result<Vec<(String, Option<String>)>> {
        sqlx::query_as("SELECT starts_on, ends_on FROM property_contracts WHERE compound_id = $1")
            .bind(compound_id)
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }

    pub async fn insert_contract(
        &mut self,
        organisation_id: i64,
        compound_id: i64,
        starts_on: &str,
        ends_on: Option<&str>,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO property_contracts (organisation_id, compound_id, starts_on, ends_on) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(organisation_id)
        .bind(compound_id)
        .bind(starts_on)
        .bind(ends_on)
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    pub async fn insert_committee_member(
        &mut self,
        organisation_id: i64,
        person_id: i64,
        position: &str,
        term_from: &str,
        term_to: Option<&str>,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO committee_members (organisation_id, person_id, position, term_from, term_to) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(organisation_id)
        .bind(person_id)
        .bind(position)
        .bind(term_from)
        .bind(term_to)
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }
}
