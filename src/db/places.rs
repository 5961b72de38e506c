//! Regions, compounds, buildings, dwellings and who holds which dwelling.
use crate::domain::access::PlaceRef;
use serde::Serialize;
use utoipa::ToSchema;

crate::db::store::store!(
    /// Regions, compounds, buildings, dwellings and holdings.
    PlaceStore,
    places
);

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Region {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub level: String,
    pub name: String,
    pub code: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Compound {
    pub id: i64,
    pub community_id: i64,
    pub subdistrict_id: i64,
    pub district_id: i64,
    pub city_id: i64,
    pub name: String,
    pub kind: String,
    pub address: String,
}

impl Compound {
    pub fn regions(&self) -> [i64; 4] {
        [
            self.city_id,
            self.district_id,
            self.subdistrict_id,
            self.community_id,
        ]
    }
    pub fn place(&self, building: Option<i64>) -> PlaceRef {
        PlaceRef {
            regions: self.regions(),
            compound: Some(self.id),
            building,
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct CompoundFigures {
    pub buildings: i64,
    pub dwellings: i64,
    pub total_area_centi_m2: i64,
    pub residents: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Building {
    pub id: i64,
    pub compound_id: i64,
    pub name: String,
    pub leader_person_id: Option<i64>,
    pub leader_name: Option<String>,
    pub dwellings: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Dwelling {
    pub id: i64,
    pub compound_id: i64,
    pub building_id: i64,
    pub building_name: String,
    pub entrance_id: Option<i64>,
    pub number: String,
    pub floor: i64,
    pub use_kind: String,
    pub area_centi_m2: i64,
    pub area_source: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Holder {
    pub holding_id: i64,
    pub person_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub name: String,
    pub phone: Option<String>,
    pub relation: String,
    pub since: String,
    pub until: Option<String>,
}

/// A holding as stored, with where its dwelling is.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct HoldingRow {
    pub id: i64,
    pub dwelling_id: i64,
    pub person_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub relation: String,
    pub since: String,
    pub until: Option<String>,
    /// An owner counts from delivery (交付): until then the developer's head keeps the unit.
    pub delivered_on: Option<String>,
    pub compound_id: i64,
    pub building_id: i64,
}

/// Which compounds a list may show: everything, or those in any of these regions or compounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompoundFilter {
    All,
    Within {
        regions: Vec<i64>,
        compounds: Vec<i64>,
    },
}

const DWELLING_COLUMNS: &str = "d.id, d.compound_id, d.building_id, b.name AS building_name, d.entrance_id, \
     d.number, d.floor, d.use_kind, d.area_centi_m2, d.area_source";

/// A dwelling to create (see [`Db::insert_dwelling`]).
pub struct NewDwelling<'a> {
    pub compound_id: i64,
    pub building_id: i64,
    pub entrance: Option<&'a str>,
    pub number: &'a str,
    pub floor: i64,
    pub use_kind: &'a str,
    pub area_centi_m2: i64,
    pub area_source: &'a str,
}

impl PlaceStore<'_> {
    pub async fn regions(&mut self) -> sqlx::Result<Vec<Region>> {
        sqlx::query_as("SELECT id, parent_id, level, name, code FROM regions ORDER BY id")
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }

    /// One page of compounds after `after` (keyset), limited to what the filter allows.
    pub async fn compounds(
        &mut self,
        filter: &CompoundFilter,
        after: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<Compound>> {
        // The filter is a short list of ids; `$n` placeholders are numbered by hand.
        let mut sql = String::from(
            "SELECT id, community_id, subdistrict_id, district_id, city_id, name, kind, address FROM compounds WHERE id > $1",
        );
        let mut binds: Vec<i64> = vec![after];
        if let CompoundFilter::Within { regions, compounds } = filter {
            sql.push_str(" AND (1 = 0");
            for r in regions {
                binds.push(*r);
                let n = binds.len();
                sql.push_str(&format!(" OR city_id = ${n} OR district_id = ${n} OR subdistrict_id = ${n} OR community_id = ${n}"));
            }
            if !compounds.is_empty() {
                let list: Vec<String> = compounds
                    .iter()
                    .map(|c| {
                        binds.push(*c);
                        format!("${}", binds.len())
                    })
                    .collect();
                sql.push_str(&format!(" OR id IN ({})", list.join(", ")));
            }
            sql.push(')');
        }
        binds.push(limit);
        sql.push_str(&format!(" ORDER BY id LIMIT ${}", binds.len()));
        let mut q = sqlx::query_as::<_, Compound>(&sql);
        for b in binds {
            q = q.bind(b);
        }
        q.fetch_all(&mut *self.h.conn().await?).await
    }

    /// One compound, from this node's cache when it is there. Inside a unit of work it is read
    /// from the transaction and not cached: the work may still be rolled back.
    pub async fn compound(&mut self, id: i64) -> sqlx::Result<Option<Compound>> {
        let in_work = self.h.in_work();
        if !in_work && let Some(c) = self.db.cached_compound(id) {
            return Ok(Some(c));
        }
        let c: Option<Compound> = sqlx::query_as(
            "SELECT id, community_id, subdistrict_id, district_id, city_id, name, kind, address FROM compounds WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await?;
        if let Some(c) = &c
            && !in_work
        {
            self.db.cache_compound(c);
        }
        Ok(c)
    }

    pub async fn compound_figures(&mut self, id: i64) -> sqlx::Result<CompoundFigures> {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM buildings WHERE compound_id = $1) AS buildings, \
                    (SELECT COUNT(*) FROM dwellings WHERE compound_id = $1) AS dwellings, \
                    (SELECT CAST(COALESCE(SUM(area_centi_m2), 0) AS BIGINT) FROM dwellings WHERE compound_id = $1) AS total_area_centi_m2, \
                    (SELECT COUNT(DISTINCT h.person_id) FROM holdings h JOIN dwellings d ON d.id = h.dwelling_id \
                      WHERE d.compound_id = $1 AND h.until IS NULL AND h.person_id IS NOT NULL) AS residents",
        )
        .bind(id)
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    pub async fn buildings_of(&mut self, compound_id: i64) -> sqlx::Result<Vec<Building>> {
        sqlx::query_as(
            "SELECT b.id, b.compound_id, b.name, b.leader_person_id, p.name AS leader_name, \
                    (SELECT COUNT(*) FROM dwellings d WHERE d.building_id = b.id) AS dwellings \
             FROM buildings b LEFT JOIN people p ON p.id = b.leader_person_id \
             WHERE b.compound_id = $1 ORDER BY b.id",
        )
        .bind(compound_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn building(&mut self, id: i64) -> sqlx::Result<Option<Building>> {
        sqlx::query_as(
            "SELECT b.id, b.compound_id, b.name, b.leader_person_id, p.name AS leader_name, \
                    (SELECT COUNT(*) FROM dwellings d WHERE d.building_id = b.id) AS dwellings \
             FROM buildings b LEFT JOIN people p ON p.id = b.leader_person_id WHERE b.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// One keyset page of the dwellings of a compound (or of one building of it).
    pub async fn dwellings(
        &mut self,
        compound_id: i64,
        building_id: Option<i64>,
        after: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<Dwelling>> {
        let sql = format!(
            "SELECT {DWELLING_COLUMNS} FROM dwellings d JOIN buildings b ON b.id = d.building_id \
             WHERE d.compound_id = $1 AND ($2 = 0 OR d.building_id = $2) AND d.id > $3 ORDER BY d.id LIMIT $4"
        );
        sqlx::query_as(&sql)
            .bind(compound_id)
            .bind(building_id.unwrap_or(0))
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }

    pub async fn dwelling(&mut self, id: i64) -> sqlx::Result<Option<Dwelling>> {
        let sql = format!(
            "SELECT {DWELLING_COLUMNS} FROM dwellings d JOIN buildings b ON b.id = d.building_id WHERE d.id = $1"
        );
        sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    pub async fn update_dwelling(
        &mut self,
        id: i64,
        floor: i64,
        use_kind: &str,
        area_centi_m2: i64,
        area_source: &str,
    ) -> sqlx::Result<u64> {
        let r = sqlx::query(
            "UPDATE dwellings SET floor = $1, use_kind = $2, area_centi_m2 = $3, area_source = $4 WHERE id = $5",
        )
        .bind(floor)
        .bind(use_kind)
        .bind(area_centi_m2)
        .bind(area_source)
        .bind(id)
        .execute(&mut *self.h.conn().await?)
        .await?;
        Ok(r.rows_affected())
    }

    /// Rename a compound, change its kind or address. Returns false when the name is taken in
    /// its community.
    pub async fn update_compound(
        &mut self,
        id: i64,
        name: &str,
        kind: &str,
        address: &str,
    ) -> sqlx::Result<bool> {
        let taken: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM compounds WHERE name = $1 AND id <> $2 \
             AND community_id = (SELECT community_id FROM compounds WHERE id = $2)",
        )
        .bind(name)
        .bind(id)
        .fetch_one(&mut *self.h.conn().await?)
        .await?;
        if taken > 0 {
            return Ok(false);
        }
        sqlx::query("UPDATE compounds SET name = $1, kind = $2, address = $3 WHERE id = $4")
            .bind(name)
            .bind(kind)
            .bind(address)
            .bind(id)
            .execute(&mut *self.h.conn().await?)
            .await?;
        self.db.forget_compound(id);
        Ok(true)
    }

    /// One holding with the compound and building of its dwelling: (holding, dwelling id,
    /// compound id, building id).
    pub async fn holding(&mut self, id: i64) -> sqlx::Result<Option<HoldingRow>> {
        sqlx::query_as(
            "SELECT h.id, h.dwelling_id, h.person_id, h.organisation_id, h.relation, h.since, h.until, \
                    h.delivered_on, d.compound_id, d.building_id \
             FROM holdings h JOIN dwellings d ON d.id = h.dwelling_id WHERE h.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// The holdings of a person in a dwelling with the same relation (to refuse overlaps).
    pub async fn holdings_alike(
        &mut self,
        dwelling_id: i64,
        person_id: i64,
        relation: &str,
    ) -> sqlx::Result<Vec<(String, Option<String>)>> {
        sqlx::query_as(
            "SELECT since, until FROM holdings WHERE dwelling_id = $1 AND person_id = $2 AND relation = $3",
        )
        .bind(dwelling_id)
        .bind(person_id)
        .bind(relation)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn insert_holding(
        &mut self,
        dwelling_id: i64,
        person_id: i64,
        relation: &str,
        since: &str,
        until: Option<&str>,
        delivered_on: Option<&str>,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO holdings (dwelling_id, person_id, relation, since, until, delivered_on) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(dwelling_id)
        .bind(person_id)
        .bind(relation)
        .bind(since)
        .bind(until)
        .bind(delivered_on)
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    /// A new compound in a community (`regions`: city, district, sub-district, community),
    /// unless the community has one of that name (then None).
    pub async fn insert_compound(
        &mut self,
        regions: [i64; 4],
        name: &str,
        kind: &str,
        address: &str,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "INSERT INTO compounds (city_id, district_id, subdistrict_id, community_id, name, kind, address) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (community_id, name) DO NOTHING RETURNING id",
        )
        .bind(regions[0])
        .bind(regions[1])
        .bind(regions[2])
        .bind(regions[3])
        .bind(name)
        .bind(kind)
        .bind(address)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// A new building of a compound, unless the compound has one of that name (then None).
    pub async fn insert_building(
        &mut self,
        compound_id: i64,
        name: &str,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "INSERT INTO buildings (compound_id, name) VALUES ($1, $2) ON CONFLICT (compound_id, name) DO NOTHING RETURNING id",
        )
        .bind(compound_id)
        .bind(name)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// A new dwelling (and its entrance, when named and new), unless the building has one of
    /// that number (then None). One transaction.
    pub async fn insert_dwelling(&mut self, d: &NewDwelling<'_>) -> sqlx::Result<Option<i64>> {
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let entrance = match d.entrance {
            None => None,
            Some(name) => {
                sqlx::query("INSERT INTO entrances (building_id, name) VALUES ($1, $2) ON CONFLICT (building_id, name) DO NOTHING")
                    .bind(d.building_id)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query_scalar::<_, i64>(
                    "SELECT id FROM entrances WHERE building_id = $1 AND name = $2",
                )
                .bind(d.building_id)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?
            }
        };
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO dwellings (compound_id, building_id, entrance_id, number, floor, use_kind, area_centi_m2, area_source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (building_id, number) DO NOTHING RETURNING id",
        )
        .bind(d.compound_id)
        .bind(d.building_id)
        .bind(entrance)
        .bind(d.number)
        .bind(d.floor)
        .bind(d.use_kind)
        .bind(d.area_centi_m2)
        .bind(d.area_source)
        .fetch_optional(&mut *tx)
        .await?;
        if id.is_some() {
            tx.commit().await?;
        }
        Ok(id)
    }

    /// A new person holding a dwelling from `since`, in one transaction; None when the ID
    /// number belongs to someone already.
    pub async fn insert_resident(
        &mut self,
        name: &str,
        phone: Option<&str>,
        id_number: Option<&str>,
        dwelling_id: i64,
        relation: &str,
        since: &str,
    ) -> sqlx::Result<Option<(i64, i64)>> {
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let person: Option<i64> = sqlx::query_scalar(
            "INSERT INTO people (name, phone, id_number, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id_number) DO NOTHING RETURNING id",
        )
        .bind(name)
        .bind(phone)
        .bind(id_number)
        .bind(super::now())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(person) = person else {
            return Ok(None);
        };
        let holding: i64 = sqlx::query_scalar(
            "INSERT INTO holdings (dwelling_id, person_id, relation, since) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(dwelling_id)
        .bind(person)
        .bind(relation)
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some((person, holding)))
    }

    /// End a holding that is still open. Returns false when it had already ended.
    pub async fn end_holding(&mut self, id: i64, until: &str) -> sqlx::Result<bool> {
        let r = sqlx::query("UPDATE holdings SET until = $1 WHERE id = $2 AND until IS NULL")
            .bind(until)
            .bind(id)
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(r.rows_affected() == 1)
    }
}

impl PlaceStore<'_> {
    /// [city, district, sub-district, community] ids from a region up to the city (0 where absent).
    pub async fn region_chain(&mut self, region_id: i64) -> sqlx::Result<Option<[i64; 4]>> {
        Ok(region_chains(&self.regions().await?).remove(&region_id))
    }
}

impl PlaceStore<'_> {
    /// A dwelling with its compound and its holders, in one query (the hot path of the API).
    pub async fn dwelling_full(
        &mut self,
        id: i64,
    ) -> sqlx::Result<Option<(Dwelling, Compound, Vec<Holder>)>> {
        let sql = "SELECT d.id, d.compound_id, d.building_id, b.name AS building_name, d.entrance_id, d.number, d.floor, \
                    d.use_kind, d.area_centi_m2, d.area_source, \
                    c.community_id, c.subdistrict_id, c.district_id, c.city_id, c.name AS compound_name, c.kind, c.address, \
                    h.id AS holding_id, h.person_id, h.organisation_id, COALESCE(p.name, o.name) AS holder_name, p.phone, \
                    h.relation, h.since, h.until \
             FROM dwellings d JOIN buildings b ON b.id = d.building_id JOIN compounds c ON c.id = d.compound_id \
             LEFT JOIN holdings h ON h.dwelling_id = d.id LEFT JOIN people p ON p.id = h.person_id \
             LEFT JOIN organisations o ON o.id = h.organisation_id \
             WHERE d.id = $1 ORDER BY h.until IS NOT NULL, h.id";
        match &self.db.sqlite_file {
            Some(file) => {
                let rows = super::direct::rows(file, sql, &[super::direct::Param::I(id)], |r| {
                    Ok(Self::dwelling_full_from(std::slice::from_ref(r)))
                })?;
                // One call per row keeps the mapping shared; the first row carries the dwelling.
                let mut out: Option<(Dwelling, Compound, Vec<Holder>)> = None;
                for r in rows {
                    let (d, c, mut h) = r?.ok_or(sqlx::Error::RowNotFound)?;
                    match &mut out {
                        Some((_, _, all)) => all.append(&mut h),
                        None => out = Some((d, c, h)),
                    }
                }
                Ok(out)
            }
            None => {
                let rows = sqlx::query(sql)
                    .bind(id)
                    .fetch_all(&mut *self.h.conn().await?)
                    .await?;
                Self::dwelling_full_from(&rows)
            }
        }
    }

    /// Maps the rows of `dwelling_full` (a dwelling with one row per holding).
    fn dwelling_full_from<R: super::direct::Columns>(
        rows: &[R],
    ) -> sqlx::Result<Option<(Dwelling, Compound, Vec<Holder>)>> {
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let dwelling = Dwelling {
            id: first.get_i64("id")?,
            compound_id: first.get_i64("compound_id")?,
            building_id: first.get_i64("building_id")?,
            building_name: first.get_string("building_name")?,
            entrance_id: first.get_opt_i64("entrance_id")?,
            number: first.get_string("number")?,
            floor: first.get_i64("floor")?,
            use_kind: first.get_string("use_kind")?,
            area_centi_m2: first.get_i64("area_centi_m2")?,
            area_source: first.get_string("area_source")?,
        };
        let compound = Compound {
            id: dwelling.compound_id,
            community_id: first.get_i64("community_id")?,
            subdistrict_id: first.get_i64("subdistrict_id")?,
            district_id: first.get_i64("district_id")?,
            city_id: first.get_i64("city_id")?,
            name: first.get_string("compound_name")?,
            kind: first.get_string("kind")?,
            address: first.get_string("address")?,
        };
        let mut holders = Vec::with_capacity(rows.len());
        for r in rows {
            let Some(holding_id) = r.get_opt_i64("holding_id")? else {
                continue;
            };
            holders.push(Holder {
                holding_id,
                person_id: r.get_opt_i64("person_id")?,
                organisation_id: r.get_opt_i64("organisation_id")?,
                name: r.get_opt_string("holder_name")?.unwrap_or_default(),
                phone: r.get_opt_string("phone")?,
                relation: r.get_opt_string("relation")?.unwrap_or_default(),
                since: r.get_opt_string("since")?.unwrap_or_default(),
                until: r.get_opt_string("until")?,
            });
        }
        Ok(Some((dwelling, compound, holders)))
    }
}

/// One page of dwellings as a JSON array built by the database (one row, one string): the API's
/// hottest list, where decoding 50 rows one by one cost more than the query.
pub struct DwellingPageJson {
    pub items: String,
    pub count: i64,
    pub last_id: Option<i64>,
}

impl PlaceStore<'_> {
    pub async fn dwellings_json(
        &mut self,
        compound_id: i64,
        after: i64,
        limit: i64,
    ) -> sqlx::Result<DwellingPageJson> {
        use sqlx::Row;
        let inner = "SELECT d.id, d.compound_id, d.building_id, b.name AS building_name, d.entrance_id, d.number, d.floor, \
                     d.use_kind, d.area_centi_m2, d.area_source FROM dwellings d JOIN buildings b ON b.id = d.building_id \
                     WHERE d.compound_id = $1 AND d.id > $2 ORDER BY d.id LIMIT $3";
        if let Some(file) = &self.db.sqlite_file {
            // On the calling thread, plain rows are cheaper to read than SQLite's JSON functions
            // are to run (perf: json_object and number-to-text conversions were a fifth of it).
            use super::direct::Param::I;
            let rows =
                super::direct::rows(file, inner, &[I(compound_id), I(after), I(limit)], |r| {
                    Ok(Dwelling {
                        id: r.get(0)?,
                        compound_id: r.get(1)?,
                        building_id: r.get(2)?,
                        building_name: r.get(3)?,
                        entrance_id: r.get(4)?,
                        number: r.get(5)?,
                        floor: r.get(6)?,
                        use_kind: r.get(7)?,
                        area_centi_m2: r.get(8)?,
                        area_source: r.get(9)?,
                    })
                })?;
            return Ok(DwellingPageJson {
                items: serde_json::to_string(&rows)
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                count: rows.len() as i64,
                last_id: rows.last().map(|d| d.id),
            });
        }
        let fields = "'id', id, 'compound_id', compound_id, 'building_id', building_id, 'building_name', building_name, \
                      'entrance_id', entrance_id, 'number', number, 'floor', floor, 'use_kind', use_kind, \
                      'area_centi_m2', area_centi_m2, 'area_source', area_source";
        let sql = match self.db.backend {
            super::Backend::Sqlite => format!(
                "SELECT COALESCE(json_group_array(json_object({fields})), '[]') AS items, COUNT(*) AS n, MAX(id) AS last_id FROM ({inner}) page"
            ),
            super::Backend::Postgres => format!(
                "SELECT COALESCE(CAST(json_agg(json_build_object({fields}) ORDER BY id) AS TEXT), '[]') AS items, \
                 COUNT(*) AS n, MAX(id) AS last_id FROM ({inner}) page"
            ),
        };
        let row = sqlx::query(&sql)
            .bind(compound_id)
            .bind(after)
            .bind(limit)
            .fetch_one(&mut *self.h.conn().await?)
            .await?;
        Ok(DwellingPageJson {
            items: row.try_get("items")?,
            count: row.try_get("n")?,
            last_id: row.try_get("last_id")?,
        })
    }
}

/// Every region's chain (city, district, sub-district, community ids; 0 where a level is
/// missing), built in memory from one read of the regions: no query per region.
pub fn region_chains(all: &[Region]) -> std::collections::HashMap<i64, [i64; 4]> {
    let by_id: std::collections::HashMap<i64, &Region> = all.iter().map(|r| (r.id, r)).collect();
    all.iter()
        .map(|start| {
            let mut chain = [0i64; 4];
            let mut cur = Some(start);
            let mut steps = 0;
            while let Some(r) = cur {
                let slot = match r.level.as_str() {
                    "city" => 0,
                    "district" => 1,
                    "subdistrict" => 2,
                    _ => 3,
                };
                chain[slot] = r.id;
                steps += 1;
                // A broken parent link (a cycle) cannot loop forever.
                cur = (steps < 8)
                    .then(|| r.parent_id.and_then(|p| by_id.get(&p).copied()))
                    .flatten();
            }
            (start.id, chain)
        })
        .collect()
}
