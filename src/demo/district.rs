//! The demo district of Yongchuan: the compounds, people, organisations, teams, cases and votes of
//! the stories in STORY.md, with one login per role.
use super::*;
use crate::db::Db;
use crate::domain::kinds::{Role, ScopeKind};

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
