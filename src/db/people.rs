//! People and the dwellings they hold.
use crate::db::places::Holder;
use crate::domain::access::PlaceRef;
use serde::Serialize;
use utoipa::ToSchema;

crate::db::store::store!(
    /// People and their dwellings.
    PeopleStore,
    people
);

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub created_at: i64,
}

/// A dwelling a person is linked to, with where it is.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct PersonDwelling {
    pub dwelling_id: i64,
    pub number: String,
    pub building_id: i64,
    pub building_name: String,
    pub compound_id: i64,
    pub compound_name: String,
    pub relation: String,
    pub since: String,
    #[serde(skip)]
    pub city_id: i64,
    #[serde(skip)]
    pub district_id: i64,
    #[serde(skip)]
    pub subdistrict_id: i64,
    #[serde(skip)]
    pub community_id: i64,
}

impl PersonDwelling {
    pub fn place(&self) -> PlaceRef {
        PlaceRef {
            regions: [
                self.city_id,
                self.district_id,
                self.subdistrict_id,
                self.community_id,
            ],
            compound: Some(self.compound_id),
            building: Some(self.building_id),
        }
    }
}

impl PeopleStore<'_> {
    pub async fn person(&mut self, id: i64) -> sqlx::Result<Option<Person>> {
        sqlx::query_as("SELECT id, name, phone, id_number, created_at FROM people WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    /// The dwellings a person currently holds or lives in, with their places.
    pub async fn person_dwellings(&mut self, person_id: i64) -> sqlx::Result<Vec<PersonDwelling>> {
        sqlx::query_as(
            "SELECT d.id AS dwelling_id, d.number, d.building_id, b.name AS building_name, d.compound_id, \
                    c.name AS compound_name, h.relation, h.since, \
                    c.city_id, c.district_id, c.subdistrict_id, c.community_id \
             FROM holdings h JOIN dwellings d ON d.id = h.dwelling_id JOIN buildings b ON b.id = d.building_id \
             JOIN compounds c ON c.id = d.compound_id \
             WHERE h.person_id = $1 AND h.until IS NULL ORDER BY d.id",
        )
        .bind(person_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn update_person(
        &mut self,
        id: i64,
        name: &str,
        phone: Option<&str>,
        id_number: Option<&str>,
    ) -> sqlx::Result<u64> {
        let r =
            sqlx::query("UPDATE people SET name = $1, phone = $2, id_number = $3 WHERE id = $4")
                .bind(name)
                .bind(phone)
                .bind(id_number)
                .bind(id)
                .execute(&mut *self.h.conn().await?)
                .await?;
        Ok(r.rows_affected())
    }

    /// The people of one building (current holders), one keyset page, for leaders and butlers.
    pub async fn people_of_building(
        &mut self,
        building_id: i64,
        after: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<Holder>> {
        sqlx::query_as(
            "SELECT h.id AS holding_id, h.person_id, h.organisation_id, p.name AS name, p.phone, h.relation, h.since, h.until \
             FROM holdings h JOIN dwellings d ON d.id = h.dwelling_id JOIN people p ON p.id = h.person_id \
             WHERE d.building_id = $1 AND h.until IS NULL AND h.id > $2 ORDER BY h.id LIMIT $3",
        )
        .bind(building_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }
}
