//! Open311 GeoReport v2 conformance: every endpoint and every error, XML and JSON, and the PyPI
//! client `open311` 1.1 driving the server.
use crate::helpers::*;
use serde_json::Value;

async fn key(app: &TestApp) -> String {
    let key = redbutler::services::accounts::credentials::new_token();
    app.db
        .open311()
        .insert_open311_client(
            "test client",
            &redbutler::services::accounts::credentials::token_hash(&key),
            0,
        )
        .await
        .unwrap();
    key
}

async fn get(app: &TestApp, path: &str) -> (u16, String, String) {
    let r = client()
        .get(format!("{}/open311/v2/{path}", app.base))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, r.text().await.unwrap())
}

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = client()
        .post(format!("{}/open311/v2/{path}", app.base))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn as_ref<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn xml_error(body: &str, code: u16) {
    assert!(
        body.contains(&format!("<errors><error><code>{code}</code><description>")),
        "XML error {code} expected: {body}"
    );
}

fn json_error(body: &str, code: u16) {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(v[0]["code"], code, "{body}");
    assert!(v[0]["description"].as_str().is_some_and(|d| !d.is_empty()));
}

async fn fengqige(app: &TestApp) -> i64 {
    app.id_of("SELECT id FROM compounds WHERE name = '凤栖阁'")
        .await
}

#[tokio::test]
async fn services_and_definitions_in_xml_and_json() {
    let app = spawn_demo().await;
    let (status, ct, xml) = get(&app, "services.xml?jurisdiction_id=").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/xml"));
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains("<services><service><service_code>parking</service_code><service_name>停车与车辆</service_name>"));
    assert_eq!(xml.matches("<service>").count(), 10);
    let (status, ct, json) = get(&app, "services.json").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/json"));
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 10, "a top-level array");
    assert_eq!(v[0]["service_code"], "parking");
    assert_eq!(v[0]["metadata"], true);
    assert_eq!(v[0]["type"], "realtime");
    // Definitions, plural and singular paths.
    for path in ["services/pets_noise.json", "service/pets_noise.json"] {
        let (status, _, json) = get(&app, path).await;
        assert_eq!(status, 200, "{path}");
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["service_code"], "pets_noise");
        assert_eq!(v["attributes"][0]["code"], "kind");
        assert_eq!(v["attributes"][0]["datatype"], "singlevaluelist");
        assert!(
            v["attributes"][0]["values"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["key"] == "repair")
        );
    }
    let (_, _, xml) = get(&app, "service/pets_noise.xml").await;
    assert!(xml.contains(
        "<service_definition><service_code>pets_noise</service_code><attributes><attribute>"
    ));
    assert!(xml.contains("<values><value><key>complaint</key>"));
    // Unknown service and unknown resources: 404 in the asked format.
    let (status, _, body) = get(&app, "services/nope.xml").await;
    assert_eq!(status, 404);
    xml_error(&body, 404);
    let (status, _, body) = get(&app, "services/nope.json").await;
    assert_eq!(status, 404);
    json_error(&body, 404);
    for path in ["nothing.xml", "services.yaml", "things/1.json", "services"] {
        let (status, _, body) = get(&app, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("404"), "{path}: {body}");
    }
}

#[tokio::test]
async fn posting_requests_needs_a_key_and_a_valid_request() {
    let app = spawn_demo().await;
    let key = key(&app).await;
    let compound = fengqige(&app).await.to_string();
    let before = app.count("SELECT COUNT(*) FROM cases").await;
    let base = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, String)> = vec![
            ("service_code", "pets_noise".into()),
            ("description", "狗叫".into()),
        ];
        f.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        f
    };
    // No key, a wrong key, an empty key: 403.
    let mut f = base(&[]);
    f.push(("address_id", compound.clone()));
    let (status, body) = post(&app, "requests.xml", &as_ref(&f)).await;
    assert_eq!(status, 403);
    xml_error(&body, 403);
    let (status, body) = post(&app, "requests.json?api_key=wrong", &as_ref(&f)).await;
    assert_eq!(status, 403);
    json_error(&body, 403);
    let (status, _) = post(&app, "requests.json?api_key=&jurisdiction_id=", &as_ref(&f)).await;
    assert_eq!(status, 403);
    let q = format!("requests.json?api_key={key}&jurisdiction_id=");
    // Unknown service: 404. Missing service, location, description, bad kind: 400.
    let mut unknown = f.clone();
    unknown[0].1 = "nope".into();
    let (status, body) = post(&app, &q, &as_ref(&unknown)).await;
    assert_eq!(status, 404, "{body}");
    json_error(&body, 404);
    for (drop, add) in [
        ("service_code", None),
        ("address_id", None),
        ("address_id", Some(("lat", "29.35"))),
        ("address_id", Some(("address_id", "abc"))),
        ("address_id", Some(("address_string", "不存在的小区"))),
        ("description", None),
        ("description", Some(("description", "   "))),
        ("", Some(("attribute[kind]", "petition"))),
    ] {
        let mut g: Vec<(&'static str, String)> =
            f.iter().filter(|(k, _)| *k != drop).cloned().collect();
        if let Some((k, v)) = add {
            g.push((k, v.to_string()));
        }
        let (status, body) = post(&app, &q, &as_ref(&g)).await;
        assert_eq!(status, 400, "without {drop} with {add:?}: {body}");
        json_error(&body, 400);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cases").await,
        before,
        "errors changed nothing"
    );
    // A good request, key in the form body this time; address by name works too.
    let mut good = f.clone();
    good.push(("api_key", key.clone()));
    good.push(("first_name", "Li".into()));
    good.push(("phone", "13800138000".into()));
    let (status, body) = post(&app, "requests.json", &as_ref(&good)).await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let id = v[0]["service_request_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("YC-"));
    assert_eq!(v[0]["token"], id.as_str());
    let channel: String = sqlx::query_scalar("SELECT channel FROM cases WHERE number = $1")
        .bind(&id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(channel, "open311");
    let by_name = vec![
        ("service_code", "parking"),
        ("description", "堵了"),
        ("address_string", "凤栖阁"),
        ("api_key", key.as_str()),
    ];
    let (status, body) = post(&app, "requests.xml", &by_name).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<service_requests><request><service_request_id>YC-"));
}

#[tokio::test]
async fn reading_requests_with_the_spec_filters() {
    let app = spawn_demo().await;
    let key = key(&app).await;
    let compound = fengqige(&app).await.to_string();
    let mut ids = vec![];
    for code in ["pets_noise", "parking", "parking"] {
        let (_, body) = post(
            &app,
            &format!("requests.json?api_key={key}"),
            &[
                ("service_code", code),
                ("description", "问题"),
                ("address_id", &compound),
            ],
        )
        .await;
        let v: Value = serde_json::from_str(&body).unwrap();
        ids.push(v[0]["service_request_id"].as_str().unwrap().to_string());
    }
    // A petition (staff-registered) never shows.
    let staff = app.token("liwenjing").await;
    app.api(&staff, reqwest::Method::POST, "/api/v1/cases")
        .await
        .json(&serde_json::json!({"kind": "petition", "category": "parking", "compound_id": compound.parse::<i64>().unwrap(),
                                   "channel": "letter", "reporter_name": "王某", "description": "信访"}))
        .send()
        .await
        .unwrap();
    let list = |body: &str| -> Vec<String> {
        let v: Value = serde_json::from_str(body).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, _, body) = get(&app, "requests.json?jurisdiction_id=").await;
    assert_eq!(status, 200);
    assert_eq!(
        list(&body),
        vec![ids[2].clone(), ids[1].clone(), ids[0].clone()]
    );
    let (_, _, body) = get(&app, "requests.json?service_code=parking").await;
    assert_eq!(list(&body).len(), 2);
    let (_, _, body) = get(
        &app,
        "requests.json?service_code=parking,pets_noise&status=open",
    )
    .await;
    assert_eq!(list(&body).len(), 3);
    let (_, _, body) = get(&app, "requests.json?status=closed").await;
    assert!(list(&body).is_empty());
    let (_, _, body) = get(
        &app,
        &format!("requests.json?service_request_id={},{}", ids[0], ids[2]),
    )
    .await;
    assert_eq!(list(&body).len(), 2);
    let (_, _, body) = get(
        &app,
        "requests.json?start_date=2000-01-01T00:00:00%2B08:00&end_date=2000-12-31T00:00:00Z",
    )
    .await;
    assert!(list(&body).is_empty());
    let (_, _, body) = get(&app, "requests.json?start_date=2000-01-01T00:00:00Z").await;
    assert_eq!(list(&body).len(), 3);
    // One request, XML and JSON; its fields.
    let (status, _, body) = get(&app, &format!("requests/{}.json", ids[0])).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v[0]["status"], "open");
    assert_eq!(v[0]["service_code"], "pets_noise");
    assert_eq!(v[0]["address"], "凤栖阁");
    assert_eq!(v[0]["agency_responsible"], "物管服务分队");
    assert!(
        v[0]["requested_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    let (_, _, xml) = get(&app, &format!("requests/{}.xml", ids[0])).await;
    assert!(xml.contains(&format!("<service_requests><request><service_request_id>{}</service_request_id><status>open</status>", ids[0])));
    // Tokens.
    let (status, _, body) = get(&app, &format!("tokens/{}.json", ids[1])).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v[0]["service_request_id"], ids[1].as_str());
    // Errors: unknown request and token 404, bad filters 400.
    for (path, code) in [
        ("requests/YC-1999-999999.xml", 404),
        ("tokens/nope.json", 404),
        ("requests.json?start_date=yesterday", 400),
        ("requests.xml?status=pending", 400),
        (
            "requests.json?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
            400,
        ),
    ] {
        let (status, _, body) = get(&app, path).await;
        assert_eq!(status, code, "{path}: {body}");
        if path.contains(".xml") {
            xml_error(&body, code);
        } else {
            json_error(&body, code);
        }
    }
}

#[tokio::test]
async fn the_pypi_open311_client_works_against_us() {
    let dir = std::env::var("REDBUTLER_OPEN311_CLIENT").unwrap_or_else(|_| {
        let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/open311-client");
        assert!(
            d.join("open311/__init__.py").exists(),
            "the open311 client is not prepared: run scripts/open311-client (scripts/test does)"
        );
        d.display().to_string()
    });
    let app = spawn_demo().await;
    let key = key(&app).await;
    let compound = fengqige(&app).await.to_string();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/open311_client.py");
    let base = app.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .args([&dir, &base, &key, &compound])
            .output()
    })
    .await
    .unwrap()
    .expect("python3 runs");
    assert!(
        out.status.success(),
        "client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["service_codes"]
            .as_array()
            .unwrap()
            .contains(&"pets_noise".into())
    );
    assert_eq!(v["definition_code"], "pets_noise");
    let id = v["posted_id"].as_str().unwrap();
    assert!(id.starts_with("YC-"));
    assert_eq!(v["one_status"], "open");
    assert_eq!(v["one_code"], "pets_noise");
    assert_eq!(v["listed_ids"], serde_json::json!([id]));
    assert_eq!(v["token_id"], id);
    assert_eq!(v["json_definition_code"], "parking");
    assert_ne!(v["json_posted_id"], id);
    assert_eq!(v["json_one_status"], "open");
}

#[tokio::test]
async fn addresses_are_read_as_people_write_them_and_wrong_methods_are_400() {
    let app = spawn_demo().await;
    let key = key(&app).await;
    let fengqige = fengqige(&app).await;
    let guoshui = app
        .id_of("SELECT id FROM compounds WHERE name = '国税佳苑'")
        .await;
    let building = |compound: i64, name: &str| {
        format!("SELECT id FROM buildings WHERE compound_id = {compound} AND name = '{name}'")
    };
    let b3 = app.id_of(&building(fengqige, "3栋")).await;
    let b10 = app.id_of(&building(fengqige, "10栋")).await;
    // Each wording finds the compound, and the building when it names one.
    for (address, compound, building) in [
        ("凤栖阁 3栋", fengqige, Some(b3)),
        ("凤栖阁3栋", fengqige, Some(b3)),
        ("凤栖阁３栋", fengqige, Some(b3)),
        ("兴龙湖社区凤栖阁3栋2单元", fengqige, Some(b3)),
        ("重庆市永川区 凤栖阁 10栋", fengqige, Some(b10)),
        ("凤栖阁 23栋", fengqige, None),
        ("凤栖阁", fengqige, None),
        ("永川区中山路街道兴龙大道 88 号", fengqige, None),
        ("永川区中山路街道兴龙大道88号3栋", fengqige, Some(b3)),
        ("国税佳苑小区门口", guoshui, None),
    ] {
        let form = [
            ("service_code", "parking"),
            ("description", "车乱停"),
            ("address_string", address),
            ("api_key", key.as_str()),
        ];
        let (status, body) = post(&app, "requests.json", &form).await;
        assert_eq!(status, 200, "{address}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        let number = v[0]["service_request_id"].as_str().unwrap().to_string();
        let (c, b): (i64, Option<i64>) =
            sqlx::query_as("SELECT compound_id, building_id FROM cases WHERE number = $1")
                .bind(&number)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert_eq!((c, b), (compound, building), "{address}");
    }
    // An address of several compounds (the sub-district's) or of none: a clear 400.
    for address in ["永川区中山路街道", "月亮上"] {
        let form = [
            ("service_code", "parking"),
            ("description", "x"),
            ("address_string", address),
            ("api_key", key.as_str()),
        ];
        let (status, body) = post(&app, "requests.xml", &form).await;
        assert_eq!(status, 400, "{address}");
        xml_error(&body, 400);
    }
    // A wrong method is a malformed request: 400 with the errors body.
    for (method, path) in [
        (reqwest::Method::DELETE, "requests.json"),
        (reqwest::Method::PUT, "services.xml"),
        (reqwest::Method::POST, "services/parking.json"),
        (reqwest::Method::DELETE, "tokens/x.json"),
    ] {
        let r = client()
            .request(method.clone(), format!("{}/open311/v2/{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{method} {path}");
        let body = r.text().await.unwrap();
        if path.ends_with(".xml") {
            xml_error(&body, 400);
        } else {
            json_error(&body, 400);
        }
    }
}
