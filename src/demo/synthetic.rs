//! A synthetic district of any size (`demo --compounds N`): regions, compounds, buildings,
//! dwellings and people generated in bulk, for benchmarks.
use super::*;
use crate::db::Db;
use crate::db::bulk::{Table, Val};
use crate::domain::personal::id_check_char;
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::{Any, Transaction};

pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
];

pub(crate) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "文", "华", "建国", "玉兰", "志强", "红梅",
    "晓东", "海燕", "国庆", "春花", "德明", "淑珍", "小龙",
];

/// Ids handed out in order; every table starts after what the database already holds.
pub(crate) struct Ids {
    pub(crate) region: i64,
    pub(crate) compound: i64,
    pub(crate) building: i64,
    pub(crate) entrance: i64,
    pub(crate) dwelling: i64,
    pub(crate) person: i64,
    pub(crate) org: i64,
    pub(crate) holding: i64,
}

impl Ids {
    pub(crate) async fn load(db: &Db) -> sqlx::Result<Self> {
        async fn max(db: &Db, t: &str) -> sqlx::Result<i64> {
            let v: Option<i64> = sqlx::query_scalar(&format!("SELECT MAX(id) FROM {t}"))
                .fetch_one(&db.pool)
                .await?;
            Ok(v.unwrap_or(0))
        }
        Ok(Self {
            region: max(db, "regions").await?,
            compound: max(db, "compounds").await?,
            building: max(db, "buildings").await?,
            entrance: max(db, "entrances").await?,
            dwelling: max(db, "dwellings").await?,
            person: max(db, "people").await?,
            org: max(db, "organisations").await?,
            holding: max(db, "holdings").await?,
        })
    }
}

pub(crate) fn next(v: &mut i64) -> i64 {
    *v += 1;
    *v
}

/// The writer of one generation run: all tables, one transaction.
pub(crate) struct Gen<'t> {
    pub(crate) tx: Transaction<'t, Any>,
    pub(crate) ids: Ids,
    pub(crate) rng: fastrand::Rng,
    pub(crate) now: i64,
    pub(crate) regions: Table,
    pub(crate) compounds: Table,
    pub(crate) buildings: Table,
    pub(crate) entrances: Table,
    pub(crate) dwellings: Table,
    pub(crate) people: Table,
    pub(crate) holdings: Table,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Occupancy {
    /// Owners (some with several units, some co-owned units) and their families.
    Owners,
    /// Tenants of a public-rental compound; the dwellings are held by the housing authority.
    Tenants { landlord: i64 },
}

pub(crate) struct CompoundPlan<'a> {
    pub(crate) name: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) address: &'a str,
    pub(crate) buildings: usize,
    pub(crate) floors: i64,
    pub(crate) per_floor: i64,
    pub(crate) occupancy: Occupancy,
    /// Unsold units at the end of the last building, held by this developer (one head together).
    pub(crate) unsold: Option<(usize, i64)>,
}

pub(crate) struct BuiltCompound {
    pub(crate) id: i64,
    pub(crate) buildings: Vec<i64>,
    /// dwelling ids per building
    pub(crate) dwellings: Vec<Vec<i64>>,
}

impl<'t> Gen<'t> {
    /// A plausible generated name, never one of the people of the report.
    pub(crate) fn name(&mut self) -> String {
        loop {
            let s = SURNAMES[self.rng.usize(..SURNAMES.len())];
            let g = GIVEN[self.rng.usize(..GIVEN.len())];
            let name = format!("{s}{g}");
            if !REPORT_NAMES.contains(&name.as_str()) {
                return name;
            }
        }
    }

    pub(crate) async fn region(
        &mut self,
        parent: Option<i64>,
        level: &str,
        name: &str,
        code: &str,
    ) -> sqlx::Result<i64> {
        let id = next(&mut self.ids.region);
        self.regions.push(vec![
            id.into(),
            parent.into(),
            level.into(),
            name.into(),
            code.into(),
        ]);
        Ok(id)
    }

    pub(crate) async fn person(&mut self, name: String) -> sqlx::Result<i64> {
        let id = next(&mut self.ids.person);
        let phone = format!(
            "1{}{:09}",
            [3, 5, 7, 8, 9][(id % 5) as usize],
            (id * 7919) % 1_000_000_000
        );
        // A well-formed, unique identity number derived from the id (birth 1950 onwards).
        let id_number = if id < 3_500_000 {
            let birth = jiff::civil::date(1950, 1, 1)
                .checked_add(jiff::Span::new().days((id / 1000) * 7))
                .unwrap_or_default();
            let first17 = format!("500118{}{:03}", birth.strftime("%Y%m%d"), id % 1000);
            Some(format!("{first17}{}", id_check_char(&first17)))
        } else {
            None
        };
        self.people.push(vec![
            id.into(),
            name.into(),
            phone.into(),
            id_number.into(),
            self.now.into(),
        ]);
        self.tick().await?;
        Ok(id)
    }

    pub(crate) async fn holding(
        &mut self,
        dwelling: i64,
        person: Option<i64>,
        org: Option<i64>,
        relation: &str,
        since: &str,
    ) -> sqlx::Result<()> {
        let id = next(&mut self.ids.holding);
        self.holdings.push(vec![
            id.into(),
            dwelling.into(),
            person.into(),
            org.into(),
            relation.into(),
            since.into(),
            Val::NullT,
        ]);
        self.tick().await
    }

    /// Flushes every table, parents first, as soon as one of them has a full chunk.
    pub(crate) async fn tick(&mut self) -> sqlx::Result<()> {
        let full = [
            &self.regions,
            &self.compounds,
            &self.people,
            &self.buildings,
            &self.entrances,
            &self.dwellings,
            &self.holdings,
        ]
        .iter()
        .any(|t| t.is_full());
        if full { self.flush().await } else { Ok(()) }
    }

    pub(crate) async fn compound(
        &mut self,
        regions: [i64; 4],
        plan: &CompoundPlan<'_>,
        bar: Option<&ProgressBar>,
    ) -> sqlx::Result<BuiltCompound> {
        let cid = next(&mut self.ids.compound);
        self.compounds.push(vec![
            cid.into(),
            regions[3].into(),
            regions[2].into(),
            regions[1].into(),
            regions[0].into(),
            plan.name.into(),
            plan.kind.into(),
            plan.address.into(),
        ]);
        let mut built = BuiltCompound {
            id: cid,
            buildings: vec![],
            dwellings: vec![],
        };
        let mut last_owner: Option<i64> = None;
        let mut n: i64 = 0;
        for b in 0..plan.buildings {
            let bid = next(&mut self.ids.building);
            self.buildings.push(vec![
                bid.into(),
                cid.into(),
                format!("{}栋", b + 1).into(),
                Val::NullI,
            ]);
            built.buildings.push(bid);
            let mut ds = vec![];
            let units = 2;
            let mut entrance_ids = vec![];
            for u in 0..units {
                let eid = next(&mut self.ids.entrance);
                self.entrances.push(vec![
                    eid.into(),
                    bid.into(),
                    format!("{}单元", u + 1).into(),
                ]);
                entrance_ids.push(eid);
            }
            let total_in_building = plan.floors * plan.per_floor;
            for floor in 1..=plan.floors {
                for k in 1..=plan.per_floor {
                    n += 1;
                    let did = next(&mut self.ids.dwelling);
                    let entrance = entrance_ids[((k - 1) * units as i64 / plan.per_floor) as usize];
                    let area = 5500 + self.rng.i64(0..8500); // 55.00 – 139.99 m²
                    let source = if n % 29 == 0 {
                        "contract"
                    } else if n % 11 == 0 {
                        "survey"
                    } else {
                        "register"
                    };
                    self.dwellings.push(vec![
                        did.into(),
                        cid.into(),
                        bid.into(),
                        entrance.into(),
                        format!(
                            "{}-{:02}{:02}",
                            (k - 1) * units as i64 / plan.per_floor + 1,
                            floor,
                            k
                        )
                        .into(),
                        floor.into(),
                        "residential".into(),
                        area.into(),
                        source.into(),
                    ]);
                    self.tick().await?;
                    ds.push(did);
                    let index_in_building = (floor - 1) * plan.per_floor + k;
                    let unsold = plan.unsold.is_some_and(|(count, _)| {
                        b + 1 == plan.buildings
                            && index_in_building > total_in_building - count as i64
                    });
                    match plan.occupancy {
                        _ if unsold => {
                            let dev = plan.unsold.map(|(_, d)| d);
                            self.holding(did, None, dev, "developer", "2012-06-01")
                                .await?;
                        }
                        Occupancy::Tenants { landlord } => {
                            self.holding(did, None, Some(landlord), "owner", "2013-01-01")
                                .await?;
                            let name = self.name();
                            let t = self.person(name).await?;
                            self.holding(did, Some(t), None, "tenant", "2014-03-01")
                                .await?;
                            let name = self.name();
                            let f = self.person(name).await?;
                            self.holding(did, Some(f), None, "family", "2014-03-01")
                                .await?;
                        }
                        Occupancy::Owners => {
                            if n % 37 == 5 && last_owner.is_some() {
                                // The owner of the previous unit owns this one too: one head, summed area.
                                // It is let to a tenant.
                                self.holding(did, last_owner, None, "owner", "2013-05-01")
                                    .await?;
                                let name = self.name();
                                let t = self.person(name).await?;
                                self.holding(did, Some(t), None, "tenant", "2016-09-01")
                                    .await?;
                            } else if n % 25 == 0 {
                                // A co-owned unit: one head, one vote cast by a designated co-owner.
                                let name = self.name();
                                let a = self.person(name).await?;
                                let name = self.name();
                                let c = self.person(name).await?;
                                self.holding(did, Some(a), None, "co_owner", "2013-05-01")
                                    .await?;
                                self.holding(did, Some(c), None, "co_owner", "2013-05-01")
                                    .await?;
                                let name = self.name();
                                let f = self.person(name).await?;
                                self.holding(did, Some(f), None, "family", "2013-05-01")
                                    .await?;
                                last_owner = Some(a);
                            } else {
                                let name = self.name();
                                let o = self.person(name).await?;
                                self.holding(did, Some(o), None, "owner", "2013-05-01")
                                    .await?;
                                let name = self.name();
                                let f = self.person(name).await?;
                                self.holding(did, Some(f), None, "family", "2013-05-01")
                                    .await?;
                                last_owner = Some(o);
                            }
                        }
                    }
                }
            }
            if let Some(bar) = bar {
                bar.inc(ds.len() as u64);
            }
            built.dwellings.push(ds);
        }
        Ok(built)
    }

    pub(crate) async fn flush(&mut self) -> sqlx::Result<()> {
        self.regions.flush(&mut self.tx).await?;
        self.compounds.flush(&mut self.tx).await?;
        self.people.flush(&mut self.tx).await?;
        self.buildings.flush(&mut self.tx).await?;
        self.entrances.flush(&mut self.tx).await?;
        self.dwellings.flush(&mut self.tx).await?;
        self.holdings.flush(&mut self.tx).await
    }

    pub(crate) async fn exec(&mut self, sql: &str, binds: Vec<Val>) -> sqlx::Result<i64> {
        self.flush().await?;
        let mut q = sqlx::query_scalar::<Any, i64>(sql);
        for b in binds {
            q = match b {
                Val::I(i) => q.bind(i),
                Val::T(t) => q.bind(t),
                Val::NullI => q.bind(None::<i64>),
                Val::NullT => q.bind(None::<String>),
            };
        }
        Ok(q.fetch_optional(&mut *self.tx).await?.unwrap_or(0))
    }

    pub(crate) async fn org(
        &mut self,
        kind: &str,
        name: &str,
        region: Option<i64>,
        compound: Option<i64>,
        phone: &str,
    ) -> sqlx::Result<i64> {
        let id = next(&mut self.ids.org);
        self.exec(
            "INSERT INTO organisations (id, kind, name, region_id, compound_id, phone) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            vec![id.into(), kind.into(), name.into(), region.into(), compound.into(), phone.into()],
        )
        .await
    }
}

pub(crate) fn new_tables(b: crate::db::Backend) -> [Table; 7] {
    [
        Table::new("regions", &["id", "parent_id", "level", "name", "code"], b),
        Table::new(
            "compounds",
            &[
                "id",
                "community_id",
                "subdistrict_id",
                "district_id",
                "city_id",
                "name",
                "kind",
                "address",
            ],
            b,
        ),
        Table::new(
            "buildings",
            &["id", "compound_id", "name", "leader_person_id"],
            b,
        ),
        Table::new("entrances", &["id", "building_id", "name"], b),
        Table::new(
            "dwellings",
            &[
                "id",
                "compound_id",
                "building_id",
                "entrance_id",
                "number",
                "floor",
                "use_kind",
                "area_centi_m2",
                "area_source",
            ],
            b,
        ),
        Table::new(
            "people",
            &["id", "name", "phone", "id_number", "created_at"],
            b,
        ),
        Table::new(
            "holdings",
            &[
                "id",
                "dwelling_id",
                "person_id",
                "organisation_id",
                "relation",
                "since",
                "until",
            ],
            b,
        ),
    ]
}

pub(crate) async fn start(db: &Db, seed: u64) -> sqlx::Result<Gen<'static>> {
    let ids = Ids::load(db).await?;
    let tx = db.pool.begin().await?;
    let [
        regions,
        compounds,
        buildings,
        entrances,
        dwellings,
        people,
        holdings,
    ] = new_tables(db.backend);
    Ok(Gen {
        tx,
        ids,
        rng: fastrand::Rng::with_seed(seed),
        now: crate::db::now(),
        regions,
        compounds,
        buildings,
        entrances,
        dwellings,
        people,
        holdings,
    })
}

/// Adds `compounds` synthetic compounds (10 buildings × 50 dwellings, two people each) to the
/// database, under generated sub-districts and communities of 永川区. Shows a progress bar.
pub async fn generate(
    db: &Db,
    compounds: usize,
    dwellings_per_compound: Option<usize>,
    show_progress: bool,
) -> anyhow::Result<GenerateReport> {
    // Buildings of 25 floors × 2 dwellings.
    let buildings = dwellings_per_compound.map_or(10, |d| d.div_ceil(50).max(1));
    let started = std::time::Instant::now();
    let mut g = start(db, 42 + compounds as u64).await?;
    // On SQLite a bulk load is much faster with the secondary indexes built once at the end; it all
    // happens inside the one transaction, so a failure leaves the database as it was.
    let mut dropped: Vec<(String, String)> = vec![];
    if db.backend == crate::db::Backend::Sqlite {
        dropped = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ('people', 'holdings', 'dwellings', 'buildings', 'entrances')",
        )
        .fetch_all(&mut *g.tx)
        .await?;
        for (name, _) in &dropped {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *g.tx)
                .await?;
        }
    }
    let bar = show_progress.then(|| {
        let b = ProgressBar::new((compounds * buildings * 50) as u64);
        b.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} dwellings ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    // Reuse the city and district when they exist (demo district loaded first), else make them.
    let city: Option<i64> = sqlx::query_scalar("SELECT id FROM regions WHERE code = '500000'")
        .fetch_optional(&mut *g.tx)
        .await?;
    let city = match city {
        Some(c) => c,
        None => g.region(None, "city", "重庆市", "500000").await?,
    };
    let district: Option<i64> = sqlx::query_scalar("SELECT id FROM regions WHERE code = '500118'")
        .fetch_optional(&mut *g.tx)
        .await?;
    let district = match district {
        Some(d) => d,
        None => g.region(Some(city), "district", "永川区", "500118").await?,
    };
    let batch = g.ids.region; // keeps generated codes unique across runs
    let mut sub = 0;
    let mut community = 0;
    for i in 0..compounds {
        if i % 100 == 0 {
            sub = g
                .region(
                    Some(district),
                    "subdistrict",
                    &format!("新城第{}街道", i / 100 + 1),
                    &format!("G{batch}-S{i}"),
                )
                .await?;
        }
        if i % 10 == 0 {
            community = g
                .region(
                    Some(sub),
                    "community",
                    &format!("新城第{}社区", i / 10 + 1),
                    &format!("G{batch}-C{i}"),
                )
                .await?;
        }
        let name = format!("新城{}号小区", g.ids.compound + 1);
        g.compound(
            [city, district, sub, community],
            &CompoundPlan {
                name: &name,
                kind: if i % 5 == 0 && dwellings_per_compound.is_none() {
                    "public_rental"
                } else {
                    "owner_occupied"
                },
                address: "永川区",
                buildings,
                floors: 25,
                per_floor: 2,
                occupancy: Occupancy::Owners,
                unsold: None,
            },
            bar.as_ref(),
        )
        .await?;
    }
    g.flush().await?;
    let report = GenerateReport {
        compounds: compounds as u64,
        dwellings: g.dwellings.written,
        people: g.people.written,
        holdings: g.holdings.written,
        seconds: 0.0,
    };
    if let Some(b) = &bar {
        b.set_message("indexing");
        b.finish();
        eprintln!("building indexes …");
    }
    for (_, sql) in &dropped {
        sqlx::query(sql).execute(&mut *g.tx).await?;
    }
    g.tx.commit().await?;
    db.reset_sequences(ALL_TABLES).await?;
    if db.backend == crate::db::Backend::Sqlite {
        sqlx::query("ANALYZE").execute(&db.pool).await?;
    }
    db.checkpoint().await?;
    Ok(GenerateReport {
        seconds: started.elapsed().as_secs_f64(),
        ..report
    })
}

#[derive(Debug, serde::Serialize)]
pub struct GenerateReport {
    pub compounds: u64,
    pub dwellings: u64,
    pub people: u64,
    pub holdings: u64,
    pub seconds: f64,
}
