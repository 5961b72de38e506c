//! The demo district (deterministic): 永川区 → 中山路街道 → 兴龙湖社区 with 凤栖阁, 国税佳苑 and three
//! more compounds, the people of the report in their roles, and generated residents. The same
//! generator makes a larger synthetic district for benchmarks (`redbutler demo --compounds N`).
use crate::db::Db;
use crate::db::bulk::{Table, Val};
use crate::domain::kinds::{Role, ScopeKind};
use crate::domain::personal::id_check_char;
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::{Any, Transaction};

pub const DEMO_PASSWORD: &str = "redbutler-demo";

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "文", "华", "建国", "玉兰", "志强", "红梅",
    "晓东", "海燕", "国庆", "春花", "德明", "淑珍", "小龙",
];

/// The people of the report (and the demo's staff), who exist once.
const REPORT_NAMES: &[&str] = &[
    "张世英",
    "郑开锐",
    "胡明建",
    "蒋勇",
    "彭大爷",
    "罗江燕",
    "王兴莲",
    "熊婆婆",
    "杨明利",
    "李文静",
    "陈刚",
    "刘园",
];

/// Ids handed out in order; every table starts after what the database already holds.
struct Ids {
    region: i64,
    compound: i64,
    building: i64,
    entrance: i64,
    dwelling: i64,
    person: i64,
    org: i64,
    holding: i64,
}

impl Ids {
    async fn load(db: &Db) -> sqlx::Result<Self> {
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

fn next(v: &mut i64) -> i64 {
    *v += 1;
    *v
}

/// The writer of one generation run: all tables, one transaction.
struct Gen<'t> {
    tx: Transaction<'t, Any>,
    ids: Ids,
    rng: fastrand::Rng,
    now: i64,
    regions: Table,
    compounds: Table,
    buildings: Table,
    entrances: Table,
    dwellings: Table,
    people: Table,
    holdings: Table,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Occupancy {
    /// Owners (some with several units, some co-owned units) and their families.
    Owners,
    /// Tenants of a public-rental compound; the dwellings are held by the housing authority.
    Tenants { landlord: i64 },
}

struct CompoundPlan<'a> {
    name: &'a str,
    kind: &'a str,
    address: &'a str,
    buildings: usize,
    floors: i64,
    per_floor: i64,
    occupancy: Occupancy,
    /// Unsold units at the end of the last building, held by this developer (one head together).
    unsold: Option<(usize, i64)>,
}

struct BuiltCompound {
    id: i64,
    buildings: Vec<i64>,
    /// dwelling ids per building
    dwellings: Vec<Vec<i64>>,
}

impl<'t> Gen<'t> {
    /// A plausible generated name, never one of the people of the report.
    fn name(&mut self) -> String {
        loop {
            let s = SURNAMES[self.rng.usize(..SURNAMES.len())];
            let g = GIVEN[self.rng.usize(..GIVEN.len())];
            let name = format!("{s}{g}");
            if !REPORT_NAMES.contains(&name.as_str()) {
                return name;
            }
        }
    }

    async fn region(
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

    async fn person(&mut self, name: String) -> sqlx::Result<i64> {
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

    async fn holding(
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
    async fn tick(&mut self) -> sqlx::Result<()> {
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

    async fn compound(
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

    async fn flush(&mut self) -> sqlx::Result<()> {
        self.regions.flush(&mut self.tx).await?;
        self.compounds.flush(&mut self.tx).await?;
        self.people.flush(&mut self.tx).await?;
        self.buildings.flush(&mut self.tx).await?;
        self.entrances.flush(&mut self.tx).await?;
        self.dwellings.flush(&mut self.tx).await?;
        self.holdings.flush(&mut self.tx).await
    }

    async fn exec(&mut self, sql: &str, binds: Vec<Val>) -> sqlx::Result<i64> {
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

    async fn org(
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

fn new_tables(b: crate::db::Backend) -> [Table; 7] {
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

async fn start(db: &Db, seed: u64) -> sqlx::Result<Gen<'static>> {
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

const ALL_TABLES: &[&str] = &[
    "regions",
    "compounds",
    "buildings",
    "entrances",
    "dwellings",
    "people",
    "organisations",
    "holdings",
    "organisation_matters",
    "property_contracts",
    "committee_members",
    "teams",
    "squads",
    "team_members",
    "responsibility_fields",
    "users",
    "role_grants",
];

pub async fn is_empty(db: &Db) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM regions")
        .fetch_one(&db.pool)
        .await?;
    Ok(n == 0)
}

/// username, name, person, grants (role, scope kind, scope id).
type DemoAccount = (
    &'static str,
    &'static str,
    Option<i64>,
    Vec<(Role, ScopeKind, Option<i64>)>,
);

/// One demo login per role.
pub struct DemoLogin {
    pub username: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub scope: String,
}

/// Loads the demo district into an empty database and returns the demo logins.
pub async fn load_demo(db: &Db) -> anyhow::Result<Vec<DemoLogin>> {
    anyhow::ensure!(
        is_empty(db).await?,
        "the database is not empty; the demo district loads only into an empty one"
    );
    let mut g = start(db, 20150101).await?;
    let city = g.region(None, "city", "重庆市", "500000").await?;
    let district = g.region(Some(city), "district", "永川区", "500118").await?;
    let sub = g
        .region(Some(district), "subdistrict", "中山路街道", "500118001")
        .await?;
    let community = g
        .region(Some(sub), "community", "兴龙湖社区", "500118001001")
        .await?;
    let regions = [city, district, sub, community];

    let housing = g
        .org(
            "department",
            "永川区国土资源和房屋管理局",
            Some(district),
            None,
            "023-49812345",
        )
        .await?;
    let landscaping = g
        .org(
            "department",
            "永川区市政园林管理局",
            Some(district),
            None,
            "023-49823456",
        )
        .await?;
    let organisation_dept = g
        .org(
            "department",
            "中共永川区委组织部",
            Some(district),
            None,
            "023-49834567",
        )
        .await?;
    let rental_centre = g
        .org(
            "department",
            "永川区公租房管理中心",
            Some(district),
            None,
            "023-49845678",
        )
        .await?;
    let yuanbo = g
        .org(
            "property_company",
            "重庆远博物业管理有限公司",
            Some(district),
            None,
            "023-49856789",
        )
        .await?;
    let hongda = g
        .org(
            "property_company",
            "永川宏达物业服务有限公司",
            Some(district),
            None,
            "023-49867890",
        )
        .await?;
    let association = g
        .org(
            "association",
            "永川区物业管理协会",
            Some(district),
            None,
            "023-49878901",
        )
        .await?;
    let developer = g
        .org(
            "developer",
            "永川置业开发有限公司",
            Some(district),
            None,
            "023-49889012",
        )
        .await?;
    let community_office = g
        .org(
            "community_office",
            "兴龙湖社区居民委员会",
            Some(community),
            None,
            "023-49890123",
        )
        .await?;
    let _sub_office = g
        .org(
            "subdistrict_office",
            "中山路街道办事处",
            Some(sub),
            None,
            "023-49801234",
        )
        .await?;
    let _police = g
        .org(
            "police_station",
            "永川区公安局中山路派出所",
            Some(sub),
            None,
            "023-49810110",
        )
        .await?;
    for (org, matters) in [
        (
            housing,
            &["物业管理监督", "专项维修资金", "公租房管理", "业主大会指导"][..],
        ),
        (landscaping, &["绿地", "市政道路", "停车规划"][..]),
        (organisation_dept, &["党建工作"][..]),
        (rental_centre, &["公租房分配与租赁"][..]),
    ] {
        for m in matters {
            g.exec(
                "INSERT INTO organisation_matters (organisation_id, matter) VALUES ($1, $2)",
                vec![org.into(), (*m).into()],
            )
            .await?;
        }
    }

    let fengqige = g
        .compound(
            regions,
            &CompoundPlan {
                name: "凤栖阁",
                kind: "public_rental",
                address: "永川区中山路街道兴龙大道 88 号",
                buildings: 10,
                floors: 16,
                per_floor: 4,
                occupancy: Occupancy::Tenants {
                    landlord: rental_centre,
                },
                unsold: None,
            },
            None,
        )
        .await?;
    let guoshui = g
        .compound(
            regions,
            &CompoundPlan {
                name: "国税佳苑",
                kind: "owner_occupied",
                address: "永川区中山路街道人民大道 126 号",
                buildings: 8,
                floors: 13,
                per_floor: 4,
                occupancy: Occupancy::Owners,
                unsold: Some((12, developer)),
            },
            None,
        )
        .await?;
    let mut others = vec![];
    for (name, kind) in [
        ("兴龙湖一号", "owner_occupied"),
        ("锦绣花园", "mixed"),
        ("滨江苑", "owner_occupied"),
    ] {
        let c = g
            .compound(
                regions,
                &CompoundPlan {
                    name,
                    kind,
                    address: "永川区中山路街道",
                    buildings: 4,
                    floors: 8,
                    per_floor: 4,
                    occupancy: Occupancy::Owners,
                    unsold: None,
                },
                None,
            )
            .await?;
        others.push(c);
    }

    // Property contracts.
    g.exec("INSERT INTO property_contracts (organisation_id, compound_id, starts_on, ends_on) VALUES ($1, $2, '2012-01-01', NULL)", vec![yuanbo.into(), guoshui.id.into()]).await?;
    g.exec("INSERT INTO property_contracts (organisation_id, compound_id, starts_on, ends_on) VALUES ($1, $2, '2013-01-01', NULL)", vec![hongda.into(), fengqige.id.into()]).await?;
    for c in &others {
        g.exec("INSERT INTO property_contracts (organisation_id, compound_id, starts_on, ends_on) VALUES ($1, $2, '2015-01-01', NULL)", vec![hongda.into(), c.id.into()]).await?;
    }

    // The people of the report, in their homes.
    let zhang = g.person("张世英".into()).await?;
    let wang = g.person("王兴莲".into()).await?;
    let xiong = g.person("熊婆婆".into()).await?;
    let yang = g.person("杨明利".into()).await?;
    let peng = g.person("彭大爷".into()).await?;
    let zheng = g.person("郑开锐".into()).await?;
    let hu = g.person("胡明建".into()).await?;
    let jiang = g.person("蒋勇".into()).await?;
    let luo = g.person("罗江燕".into()).await?;
    let li = g.person("李文静".into()).await?;
    let chen = g.person("陈刚".into()).await?;
    let liu = g.person("刘园".into()).await?;
    let building3 = fengqige.buildings[2];
    let building8 = fengqige.buildings[7];
    g.holding(
        fengqige.dwellings[2][5],
        Some(zhang),
        None,
        "tenant",
        "2014-03-01",
    )
    .await?;
    g.holding(
        fengqige.dwellings[7][8],
        Some(wang),
        None,
        "tenant",
        "2014-03-01",
    )
    .await?;
    g.holding(
        fengqige.dwellings[7][13],
        Some(xiong),
        None,
        "tenant",
        "2014-03-01",
    )
    .await?;
    g.holding(
        fengqige.dwellings[4][20],
        Some(yang),
        None,
        "tenant",
        "2014-03-01",
    )
    .await?;
    g.holding(
        guoshui.dwellings[1][30],
        Some(peng),
        None,
        "owner",
        "2010-09-01",
    )
    .await?;
    g.exec(
        "UPDATE buildings SET leader_person_id = $1 WHERE id = $2",
        vec![wang.into(), building8.into()],
    )
    .await?;
    for (i, b) in fengqige
        .buildings
        .iter()
        .chain(&guoshui.buildings)
        .enumerate()
    {
        if *b != building8 {
            let name = g.name();
            let leader = g.person(name).await?;
            let c = if i < fengqige.buildings.len() {
                &fengqige
            } else {
                &guoshui
            };
            let bi = c.buildings.iter().position(|x| x == b).unwrap_or(0);
            g.holding(
                c.dwellings[bi][0],
                Some(leader),
                None,
                "family",
                "2014-03-01",
            )
            .await?;
            g.exec(
                "UPDATE buildings SET leader_person_id = $1 WHERE id = $2",
                vec![leader.into(), (*b).into()],
            )
            .await?;
        }
    }

    // The owners' committee of 国税佳苑.
    let committee = g
        .org(
            "owners_committee",
            "国税佳苑业主委员会",
            Some(community),
            Some(guoshui.id),
            "",
        )
        .await?;
    g.exec("INSERT INTO committee_members (organisation_id, person_id, position, term_from, term_to) VALUES ($1, $2, '委员', '2024-01-01', '2028-12-31')", vec![committee.into(), peng.into()]).await?;

    // The Red Butler team of the community, its four squads, members and responsibility fields.
    let team = g.exec("INSERT INTO teams (name, community_id, compound_id, station_address) VALUES ('兴龙湖社区红管家工作站', $1, NULL, '国税佳苑 1 栋架空层') RETURNING id", vec![community.into()]).await?;
    let mut squads = vec![];
    for (kind, name) in [
        ("party_building", "党建工作分队"),
        ("policy_publicity", "政策宣传分队"),
        ("property_services", "物管服务分队"),
        ("dispute_mediation", "纠纷调处分队"),
    ] {
        squads.push(
            g.exec(
                "INSERT INTO squads (team_id, kind, name) VALUES ($1, $2, $3) RETURNING id",
                vec![team.into(), kind.into(), name.into()],
            )
            .await?,
        );
    }
    let member = |p: i64, org: Option<i64>, party: i64, vol: i64, title: &'static str| {
        (p, org, party, vol, title)
    };
    let members = [
        member(jiang, Some(housing), 1, 0, "国房局党组书记"),
        member(luo, Some(housing), 1, 0, "国房局机关党委书记"),
        member(zheng, Some(yuanbo), 0, 0, "远博物业副总经理"),
        member(wang, None, 1, 1, "8 栋楼长"),
        member(zhang, None, 1, 1, "老党员志愿者"),
        member(peng, Some(committee), 1, 1, "退休干部"),
    ];
    let mut member_ids = vec![];
    for (p, org, party, vol, title) in members {
        member_ids.push(
            g.exec(
                "INSERT INTO team_members (team_id, person_id, home_organisation_id, party_member, volunteer, title) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                vec![team.into(), p.into(), org.into(), party.into(), vol.into(), title.into()],
            )
            .await?,
        );
    }
    for (m, s) in [(0, 0), (1, 0), (2, 2), (3, 1), (4, 1), (5, 3)] {
        g.exec(
            "INSERT INTO squad_members (squad_id, member_id) VALUES ($1, $2) RETURNING squad_id",
            vec![squads[s].into(), member_ids[m].into()],
        )
        .await?;
    }
    for (m, compound, building) in [
        (1, guoshui.id, None),
        (3, fengqige.id, Some(building8)),
        (4, fengqige.id, Some(building3)),
    ] {
        g.exec("INSERT INTO responsibility_fields (member_id, squad_id, compound_id, building_id) VALUES ($1, NULL, $2, $3) RETURNING id", vec![member_ids[m].into(), compound.into(), building.into()]).await?;
    }
    g.exec("INSERT INTO responsibility_fields (member_id, squad_id, compound_id, building_id) VALUES (NULL, $1, $2, NULL) RETURNING id", vec![squads[2].into(), fengqige.id.into()]).await?;
    g.exec("INSERT INTO responsibility_fields (member_id, squad_id, compound_id, building_id) VALUES (NULL, $1, $2, NULL) RETURNING id", vec![squads[3].into(), guoshui.id.into()]).await?;
    let _ = association;

    g.flush().await?;
    // 彭大爷 bought his flat from the generated owner: he alone holds it now (one head, his vote).
    sqlx::query(
        "DELETE FROM holdings WHERE dwelling_id = $1 AND (person_id IS NULL OR person_id <> $2)",
    )
    .bind(guoshui.dwellings[1][30])
    .bind(peng)
    .execute(&mut *g.tx)
    .await?;
    g.tx.commit().await?;
    db.reset_sequences(ALL_TABLES).await?;

    // Accounts, one per role (password `redbutler-demo`).
    let hash = crate::services::accounts::credentials::hash_password(DEMO_PASSWORD.into()).await?;
    let logins: Vec<DemoAccount> = vec![
        (
            "admin",
            "系统管理员",
            None,
            vec![(Role::Admin, ScopeKind::Global, None)],
        ),
        (
            "zhangshiying",
            "张世英",
            Some(zhang),
            vec![(Role::Resident, ScopeKind::Compound, Some(fengqige.id))],
        ),
        (
            "wangxinglian",
            "王兴莲",
            Some(wang),
            vec![
                (Role::BuildingLeader, ScopeKind::Building, Some(building8)),
                (Role::Resident, ScopeKind::Compound, Some(fengqige.id)),
                (Role::Butler, ScopeKind::Team, Some(team)),
            ],
        ),
        (
            "luojiangyan",
            "罗江燕",
            Some(luo),
            vec![(Role::Butler, ScopeKind::Team, Some(team))],
        ),
        (
            "chengang",
            "陈刚",
            Some(chen),
            vec![(Role::PropertyStaff, ScopeKind::Organisation, Some(yuanbo))],
        ),
        (
            "zhengkairui",
            "郑开锐",
            Some(zheng),
            vec![
                (Role::PropertyManager, ScopeKind::Organisation, Some(yuanbo)),
                (Role::Butler, ScopeKind::Team, Some(team)),
            ],
        ),
        (
            "pengdaye",
            "彭大爷",
            Some(peng),
            vec![
                (
                    Role::CommitteeMember,
                    ScopeKind::Organisation,
                    Some(committee),
                ),
                (Role::Resident, ScopeKind::Compound, Some(guoshui.id)),
            ],
        ),
        (
            "liuyuan",
            "刘园",
            Some(liu),
            vec![(
                Role::DepartmentStaff,
                ScopeKind::Organisation,
                Some(landscaping),
            )],
        ),
        (
            "jiangyong",
            "蒋勇",
            Some(jiang),
            vec![
                (
                    Role::DepartmentStaff,
                    ScopeKind::Organisation,
                    Some(housing),
                ),
                (Role::Butler, ScopeKind::Team, Some(team)),
            ],
        ),
        (
            "liwenjing",
            "李文静",
            Some(li),
            vec![(
                Role::CommunityStaff,
                ScopeKind::Organisation,
                Some(community_office),
            )],
        ),
        (
            "huminjian",
            "胡明建",
            Some(hu),
            vec![(Role::DistrictOfficial, ScopeKind::Region, Some(district))],
        ),
        (
            "xiongpopo",
            "熊婆婆",
            Some(xiong),
            vec![(Role::Resident, ScopeKind::Compound, Some(fengqige.id))],
        ),
        (
            "yangmingli",
            "杨明利",
            Some(yang),
            vec![(Role::Resident, ScopeKind::Compound, Some(fengqige.id))],
        ),
    ];
    let mut out = vec![];
    for (username, name, person, grants) in logins {
        let uid = db
            .accounts()
            .insert_user(username, person, &hash, "zh-CN")
            .await?;
        for (role, scope, id) in &grants {
            db.accounts().insert_grant(uid, *role, *scope, *id).await?;
        }
        let (role, scope, _) = grants[0];
        let scope_name = match scope {
            ScopeKind::Global => "—".to_string(),
            _ => db
                .accounts()
                .grant_rows(uid)
                .await?
                .first()
                .and_then(|r| r.scope_name.clone())
                .unwrap_or_default(),
        };
        out.push(DemoLogin {
            username,
            name,
            role,
            scope: scope_name,
        });
    }
    Ok(out)
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

#[derive(Debug, serde::Serialize)]
pub struct CasesReport {
    pub cases: u64,
    pub seconds: f64,
}

/// Adds `n` synthetic cases spread over the last year, over every compound, category, unit and
/// status (for benchmarks and for trying the figures pages on a large district). Deterministic.
pub async fn generate_cases(db: &Db, n: u64, show_progress: bool) -> anyhow::Result<CasesReport> {
    use crate::domain::cases::CaseStatus;
    let started = std::time::Instant::now();
    let mut rng = fastrand::Rng::with_seed(311 + n);
    let compounds: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, community_id, subdistrict_id, district_id, city_id FROM compounds ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    anyhow::ensure!(
        !compounds.is_empty(),
        "load the demo district first (redbutler demo)"
    );
    let categories: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, sla_class FROM case_categories ORDER BY id")
            .fetch_all(&db.pool)
            .await?;
    let mut units: Vec<(String, i64)> =
        sqlx::query_as("SELECT 'squad', id FROM squads UNION ALL SELECT 'team', id FROM teams")
            .fetch_all(&db.pool)
            .await?;
    units.extend(
        sqlx::query_as::<_, (String, i64)>(
            "SELECT 'organisation', id FROM organisations WHERE kind IN ('property_company', 'community_office', 'department')",
        )
        .fetch_all(&db.pool)
        .await?,
    );
    let users: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY id")
        .fetch_all(&db.pool)
        .await?;
    let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM cases")
        .fetch_one(&db.pool)
        .await?;
    let now = crate::db::now();
    let mut tx = db.pool.begin().await?;
    let mut dropped: Vec<(String, String)> = vec![];
    if db.backend == crate::db::Backend::Sqlite {
        dropped = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ('cases', 'case_events')",
        )
        .fetch_all(&mut *tx)
        .await?;
        for (name, _) in &dropped {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *tx)
                .await?;
        }
    }
    let bar = show_progress.then(|| {
        let b = ProgressBar::new(n);
        b.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} cases ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let mut cases = Table::new(
        "cases",
        &[
            "id",
            "number",
            "kind",
            "category_id",
            "channel",
            "status",
            "compound_id",
            "community_id",
            "subdistrict_id",
            "district_id",
            "city_id",
            "description",
            "description_public",
            "reporter_user_id",
            "reporter_name",
            "owner_kind",
            "owner_id",
            "level",
            "sla_class",
            "sign_seconds",
            "reply_seconds",
            "created_at",
            "sign_due",
            "reply_due",
            "next_due",
            "signed_at",
            "replied_at",
            "closed_at",
            "accepted",
            "rating",
            "signed_in_time",
            "assignee_user_id",
        ],
        db.backend,
    );
    let mut events = Table::new(
        "case_events",
        &[
            "case_id",
            "at",
            "actor_user_id",
            "kind",
            "from_status",
            "to_status",
            "note",
            "internal",
        ],
        db.backend,
    );
    const KINDS: &[&str] = &[
        "complaint",
        "complaint",
        "repair",
        "repair",
        "consultation",
        "suggestion",
        "dispute",
        "wellbeing",
    ];
    const CHANNELS: &[&str] = &[
        "online",
        "online",
        "online",
        "phone",
        "visit",
        "building_leader",
    ];
    const RATINGS: &[&str] = &[
        "satisfied",
        "satisfied",
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
    ];
    for i in 0..n {
        let id = first + i as i64;
        let c = compounds[rng.usize(..compounds.len())];
        let (category, sla) = &categories[rng.usize(..categories.len())];
        let periods = crate::domain::deadline::SlaClass::parse(sla)
            .unwrap_or(crate::domain::deadline::SlaClass::Ordinary)
            .default_periods();
        let (owner_kind, owner_id) = &units[rng.usize(..units.len())];
        let created = now - rng.i64(0..365 * 86_400);
        let roll = rng.u8(0..100);
        let status = match roll {
            0..60 => CaseStatus::Closed,
            60..70 => CaseStatus::Replied,
            70..80 => CaseStatus::InProgress,
            80..90 => CaseStatus::Dispatched,
            90..95 => CaseStatus::Submitted,
            _ => CaseStatus::Withdrawn,
        };
        let signed = matches!(
            status,
            CaseStatus::Closed | CaseStatus::Replied | CaseStatus::InProgress
        );
        let replied = matches!(status, CaseStatus::Closed | CaseStatus::Replied);
        let sign_due = created + periods.sign_seconds;
        let reply_due = created + periods.reply_seconds;
        let next_due = match status {
            CaseStatus::Submitted | CaseStatus::Dispatched => Some(sign_due),
            CaseStatus::InProgress => Some(reply_due),
            _ => None,
        };
        let year = crate::domain::deadline::local(created)
            .get(..4)
            .unwrap_or("2026")
            .to_string();
        let user = users[rng.usize(..users.len())];
        cases.push(vec![
            id.into(),
            format!("YC-{year}-{id:06}").into(),
            KINDS[rng.usize(..KINDS.len())].into(),
            (*category).into(),
            CHANNELS[rng.usize(..CHANNELS.len())].into(),
            status.as_str().into(),
            c.0.into(),
            c.1.into(),
            c.2.into(),
            c.3.into(),
            c.4.into(),
            "合成工单 synthetic case".into(),
            (rng.bool() as i64).into(),
            Some(user).into(),
            "居民".into(),
            owner_kind.as_str().into(),
            (*owner_id).into(),
            "compound".into(),
            sla.as_str().into(),
            periods.sign_seconds.into(),
            periods.reply_seconds.into(),
            created.into(),
            Some(sign_due).into(),
            Some(reply_due).into(),
            next_due.into(),
            signed.then_some(created + periods.sign_seconds / 2).into(),
            replied
                .then_some(created + periods.reply_seconds / 2)
                .into(),
            (status.is_final())
                .then_some(created + periods.reply_seconds)
                .into(),
            1i64.into(),
            (status == CaseStatus::Closed)
                .then(|| RATINGS[rng.usize(..RATINGS.len())])
                .into(),
            signed.then_some((rng.u8(0..10) < 9) as i64).into(),
            signed.then_some(user).into(),
        ]);
        events.push(vec![
            id.into(),
            created.into(),
            Some(user).into(),
            "submitted".into(),
            "submitted".into(),
            "submitted".into(),
            "".into(),
            0i64.into(),
        ]);
        if cases.is_full() || events.is_full() {
            cases.flush(&mut tx).await?;
            events.flush(&mut tx).await?;
            if let Some(b) = &bar {
                b.set_position(i + 1);
            }
        }
    }
    cases.flush(&mut tx).await?;
    events.flush(&mut tx).await?;
    for (_, sql) in &dropped {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    db.reset_sequences(&["cases", "case_events"]).await?;
    if db.backend == crate::db::Backend::Sqlite {
        sqlx::query("ANALYZE").execute(&db.pool).await?;
    }
    db.checkpoint().await?;
    if let Some(b) = bar {
        b.finish();
    }
    Ok(CasesReport {
        cases: cases.written,
        seconds: started.elapsed().as_secs_f64(),
    })
}
