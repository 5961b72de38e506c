//! The demo district, the synthetic generator, CSV import and backups.
use crate::helpers::*;
use redbutler::import::{ImportError, ImportKind, import};

#[tokio::test]
async fn the_demo_district_has_what_the_story_needs() {
    let app = spawn_demo().await;
    let by_compound = |name: &str, what: &str| {
        format!(
            "SELECT COUNT(*) FROM {what} x JOIN compounds c ON c.id = x.compound_id WHERE c.name = '{name}'"
        )
    };
    assert!(app.count(&by_compound("凤栖阁", "buildings")).await >= 10);
    assert!(app.count(&by_compound("凤栖阁", "dwellings")).await >= 600);
    assert_eq!(app.count(&by_compound("国税佳苑", "buildings")).await, 8);
    assert!(app.count(&by_compound("国税佳苑", "dwellings")).await >= 400);
    assert_eq!(app.count("SELECT COUNT(*) FROM compounds").await, 5);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM compounds WHERE kind = 'public_rental' AND name = '凤栖阁'"
        )
        .await,
        1
    );
    // Varied areas, owners with several units, co-owned units and unsold developer units in 国税佳苑.
    let gs = "(SELECT d.id FROM dwellings d JOIN compounds c ON c.id = d.compound_id WHERE c.name = '国税佳苑')";
    assert!(
        app.count(&format!(
            "SELECT COUNT(DISTINCT area_centi_m2) FROM dwellings WHERE id IN {gs}"
        ))
        .await
            > 100
    );
    assert!(app.count(&format!("SELECT COUNT(*) FROM (SELECT person_id FROM holdings WHERE relation = 'owner' AND dwelling_id IN {gs} GROUP BY person_id HAVING COUNT(*) > 1) m")).await >= 3);
    assert!(app.count(&format!("SELECT COUNT(*) FROM (SELECT dwelling_id FROM holdings WHERE relation = 'co_owner' AND dwelling_id IN {gs} GROUP BY dwelling_id HAVING COUNT(*) = 2) m")).await >= 5);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM holdings WHERE relation = 'developer' AND dwelling_id IN {gs}"
        ))
        .await,
        12
    );
    assert!(
        app.count(&format!(
            "SELECT COUNT(DISTINCT area_source) FROM dwellings WHERE id IN {gs}"
        ))
        .await
            == 3
    );
    // The people of the report, in their roles.
    for name in [
        "张世英",
        "郑开锐",
        "胡明建",
        "蒋勇",
        "彭大爷",
        "罗江燕",
        "王兴莲",
        "熊婆婆",
        "杨明利",
    ] {
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM people WHERE name = '{name}'"
            ))
            .await,
            1,
            "{name}"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM organisations WHERE name = '重庆远博物业管理有限公司'")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM squads").await, 4);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM buildings b JOIN people p ON p.id = b.leader_person_id WHERE p.name = '王兴莲' AND b.name = '8栋'").await,
        1
    );
    // It loads only into an empty database.
    assert!(redbutler::demo::load_demo(&app.db).await.is_err());
}

#[tokio::test]
async fn the_demo_district_is_deterministic() {
    let a = spawn_demo().await;
    let b = spawn_demo().await;
    let fingerprint = "SELECT CAST(SUM(area_centi_m2 * (id % 97)) AS BIGINT) FROM dwellings";
    assert_eq!(a.count(fingerprint).await, b.count(fingerprint).await);
    let names = "SELECT name FROM people ORDER BY id LIMIT 50";
    let na: Vec<String> = sqlx::query_scalar(names)
        .fetch_all(&a.db.pool)
        .await
        .unwrap();
    let nb: Vec<String> = sqlx::query_scalar(names)
        .fetch_all(&b.db.pool)
        .await
        .unwrap();
    assert_eq!(na, nb);
}

#[tokio::test]
async fn the_generator_adds_synthetic_compounds_next_to_the_demo() {
    let app = spawn_demo().await;
    let r = redbutler::demo::generate(&app.db, 3, None, false)
        .await
        .unwrap();
    assert_eq!(r.compounds, 3);
    assert_eq!(r.dwellings, 1500);
    assert!(
        r.people >= 2900,
        "two people a dwelling, fewer where a unit shares an owner: {}",
        r.people
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM compounds").await, 8);
    // New rows after the generator get fresh ids (sequences moved past the explicit ids).
    let t = app.token("admin").await;
    let district = app
        .id_of("SELECT id FROM regions WHERE level = 'district'")
        .await;
    let r = app
        .api(&t, reqwest::Method::POST, "/api/v1/organisations")
        .await
        .json(&serde_json::json!({"kind": "department", "name": "永川区城市管理局", "region_id": district}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

const DWELLINGS: &str = "community_code,compound,compound_kind,building,entrance,number,floor,use,area_m2,area_source\n\
500118001001,桂花苑,owner_occupied,1栋,1单元,1-0101,1,residential,89.50,register\n\
500118001001,桂花苑,owner_occupied,1栋,1单元,1-0102,1,residential,76.25,survey\n\
500118001001,桂花苑,owner_occupied,2栋,,P-001,-1,parking,12.00,contract\n";

const RESIDENTS: &str = "community_code,compound,building,number,name,phone,id_number,relation,since\n\
500118001001,桂花苑,1栋,1-0101,周桂芳,13800001234,,owner,2020-05-01\n\
500118001001,桂花苑,1栋,1-0102,吴建华,13800005678,,owner,2021-01-15\n\
500118001001,桂花苑,1栋,1-0102,吴小明,,,family,2021-01-15\n";

#[tokio::test]
async fn import_accepts_utf8_bom_and_gbk_and_a_repeat_changes_nothing() {
    let app = spawn_demo().await;
    let r = import(&app.db, None, ImportKind::Dwellings, DWELLINGS.as_bytes())
        .await
        .unwrap();
    assert_eq!((r.rows, r.created, r.updated, r.unchanged), (3, 3, 0, 0));
    let compound = app
        .id_of("SELECT id FROM compounds WHERE name = '桂花苑'")
        .await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM dwellings WHERE compound_id = {compound}"
        ))
        .await,
        3
    );
    assert_eq!(app.count(&format!("SELECT area_centi_m2 FROM dwellings WHERE number = '1-0102' AND compound_id = {compound}")).await, 7625);

    // The same file again, as UTF-8 with BOM: nothing changes.
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(DWELLINGS.as_bytes());
    let before = app.count("SELECT COUNT(*) FROM audit_log").await;
    let r = import(&app.db, None, ImportKind::Dwellings, &bom)
        .await
        .unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (0, 0, 3));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log").await,
        before,
        "an import that changes nothing leaves no entry"
    );

    // A contract figure never replaces a register area; a register figure replaces a survey one
    // (the area an owners' vote counts: register, else survey, else contract).
    let head = "community_code,compound,compound_kind,building,entrance,number,floor,use,area_m2,area_source\n";
    let worse = format!(
        "{head}500118001001,桂花苑,owner_occupied,1栋,1单元,1-0101,1,residential,91.00,contract\n"
    );
    let r = import(&app.db, None, ImportKind::Dwellings, worse.as_bytes())
        .await
        .unwrap();
    assert_eq!((r.updated, r.unchanged), (0, 1));
    assert_eq!(app.count(&format!("SELECT area_centi_m2 FROM dwellings WHERE number = '1-0101' AND compound_id = {compound}")).await, 8950);
    let better = format!(
        "{head}500118001001,桂花苑,owner_occupied,1栋,1单元,1-0102,1,residential,76.30,register\n"
    );
    let r = import(&app.db, None, ImportKind::Dwellings, better.as_bytes())
        .await
        .unwrap();
    assert_eq!(r.updated, 1);
    assert_eq!(app.count(&format!("SELECT area_centi_m2 FROM dwellings WHERE number = '1-0102' AND compound_id = {compound} AND area_source = 'register'")).await, 7630);

    // Residents in GBK, twice.
    let (gbk, _, _) = encoding_rs::GBK.encode(RESIDENTS);
    let r = import(&app.db, None, ImportKind::Residents, &gbk)
        .await
        .unwrap();
    assert_eq!((r.rows, r.created), (3, 3));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM people WHERE name = '吴小明'")
            .await,
        1
    );
    let r = import(&app.db, None, ImportKind::Residents, &gbk)
        .await
        .unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (0, 0, 3));
    assert_eq!(app.count("SELECT COUNT(*) FROM holdings h JOIN people p ON p.id = h.person_id WHERE p.name = '吴小明'").await, 1);
}

#[tokio::test]
async fn a_file_with_errors_imports_nothing_and_reports_every_bad_row() {
    let app = spawn_demo().await;
    let bad = format!(
        "{DWELLINGS}500118001001,桂花苑,castle,3栋,,3-0101,x,residential,abc,register\n999,桂花苑,owner_occupied,3栋,,3-0102,1,residential,80,register\n"
    );
    let before = app.count("SELECT COUNT(*) FROM dwellings").await;
    let Err(ImportError::Rows(problems)) =
        import(&app.db, None, ImportKind::Dwellings, bad.as_bytes()).await
    else {
        panic!("must be refused");
    };
    let cols: Vec<(usize, &str)> = problems
        .iter()
        .map(|p| (p.line, p.column.as_str()))
        .collect();
    assert!(
        cols.contains(&(5, "compound_kind"))
            && cols.contains(&(5, "floor"))
            && cols.contains(&(5, "area_m2")),
        "{cols:?}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM dwellings").await, before);
    // A row that parses but refers to an unknown community is also reported, and still nothing is imported.
    let unknown =
        format!("{DWELLINGS}999,桂花苑,owner_occupied,3栋,,3-0102,1,residential,80,register\n");
    let Err(ImportError::Rows(problems)) =
        import(&app.db, None, ImportKind::Dwellings, unknown.as_bytes()).await
    else {
        panic!("must be refused");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (
            problems[0].line,
            problems[0].column.as_str(),
            problems[0].code.as_str()
        ),
        (5, "community_code", "unknown")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM dwellings").await, before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM compounds WHERE name = '桂花苑'")
            .await,
        0
    );
    // Messages in the user's language.
    let zh = problems[0].describe(redbutler::http::ctx::Locale::Zh);
    assert!(zh.contains("第 5") && zh.contains("找不到"), "{zh}");
    let en = problems[0].describe(redbutler::http::ctx::Locale::En);
    assert!(en.contains("Line 5"), "{en}");
}

#[tokio::test]
async fn a_backup_restores_with_the_data() {
    if backend() == "postgres" {
        // `redbutler backup` copies the SQLite file; PostgreSQL is backed up with pg_dump (README).
        let app = spawn_empty().await;
        assert!(
            app.db
                .backup_to(&app.data_dir.path().join("x.db"))
                .await
                .is_err()
        );
        return;
    }
    let app = spawn_demo().await;
    let copy = app.data_dir.path().join("backup.db");
    app.db.backup_to(&copy).await.unwrap();
    assert!(app.db.backup_to(&copy).await.is_err(), "never overwrites");
    let restored = redbutler::db::Db::connect(&format!("sqlite://{}", copy.display()), 1)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE name = '熊婆婆'")
        .fetch_one(&restored.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let d1 = app.count("SELECT COUNT(*) FROM dwellings").await;
    let d2: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dwellings")
        .fetch_one(&restored.pool)
        .await
        .unwrap();
    assert_eq!(d1, d2);
}

async fn upload(s: &Session, kind: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("x.csv"),
        );
    s.client
        .post(format!("{}/import?_csrf={}", s.base, s.csrf))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_import_through_the_upload_page_within_their_reach() {
    let app = spawn_demo().await;
    let s = app.login("liwenjing").await;
    assert_eq!(s.get("/import").await.status(), 200);
    let r = upload(&s, "dwellings", DWELLINGS.as_bytes().to_vec()).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("新增: 3"));
    // A bad file: every problem listed in Chinese, nothing imported.
    let bad = format!(
        "{DWELLINGS}500118001001,桂花苑,owner_occupied,3栋,,3-0101,1,residential,abc,register\n"
    );
    let before = app.count("SELECT COUNT(*) FROM dwellings").await;
    let r = upload(&s, "dwellings", bad.into_bytes()).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("第 5") && html.contains("area_m2"),
        "line and column named"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM dwellings").await, before);
    // A register kept with Chinese headings and names: a floor in words is "not a number", and
    // the corrected file imports.
    let zh = "社区代码,小区,小区类型,楼栋,单元,房号,楼层,用途,建筑面积,面积来源\n\
              500118001001,桂花苑,商品房,4栋,,4-0101,一楼,住宅,80.00,不动产登记\n";
    let r = upload(&s, "dwellings", zh.as_bytes().to_vec()).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("第 2 行 · 楼层（floor）：请填写数字"),
        "{html}"
    );
    let r = upload(&s, "dwellings", zh.replace("一楼", "1").into_bytes()).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("新增: 1"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM dwellings").await,
        before + 1
    );
    // Without the CSRF token the upload is refused.
    let form = reqwest::multipart::Form::new()
        .text("kind", "dwellings")
        .part(
            "file",
            reqwest::multipart::Part::bytes(DWELLINGS.as_bytes().to_vec()),
        );
    let r = s
        .client
        .post(format!("{}/import", s.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // A property manager may import into the compound the company manages, not elsewhere.
    let s = app.login("zhengkairui").await;
    let r = upload(&s, "dwellings", DWELLINGS.as_bytes().to_vec()).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("无权导入"));
    let own = "community_code,compound,compound_kind,building,entrance,number,floor,use,area_m2,area_source\n\
               500118001001,国税佳苑,owner_occupied,1栋,,S-01,-1,storage,6.50,register\n";
    let r = upload(&s, "dwellings", own.as_bytes().to_vec()).await;
    assert_eq!(r.status(), 200);
    // Residents and others cannot open the page at all.
    let s = app.login("zhangshiying").await;
    assert_eq!(s.get("/import").await.status(), 403);
}

#[tokio::test]
async fn the_dwelling_page_built_by_the_database_matches_the_typed_rows() {
    let app = spawn_demo().await;
    let compound = app
        .id_of("SELECT id FROM compounds WHERE name = '国税佳苑'")
        .await;
    let t = app.token("admin").await;
    let mut after = 0;
    let mut seen = 0;
    loop {
        let page = app
            .get_json(
                &t,
                &format!("/api/v1/compounds/{compound}/dwellings?limit=200&after={after}"),
            )
            .await;
        let typed = app
            .db
            .places()
            .dwellings(compound, None, after, 200)
            .await
            .unwrap();
        assert_eq!(
            page["items"],
            serde_json::to_value(&typed).unwrap(),
            "same fields, values and order"
        );
        seen += typed.len();
        match page["next_after"].as_i64() {
            Some(n) => after = n,
            None => break,
        }
    }
    assert_eq!(
        seen as i64,
        app.count(&format!(
            "SELECT COUNT(*) FROM dwellings WHERE compound_id = {compound}"
        ))
        .await
    );
    // An empty page is an empty list, not null.
    let page = app
        .get_json(
            &t,
            &format!("/api/v1/compounds/{compound}/dwellings?after=999999999"),
        )
        .await;
    assert_eq!(page, serde_json::json!({"items": [], "next_after": null}));
}
