use redbutler::app::Application;
use redbutler::config::Config;
use redbutler::db::Db;
use std::sync::OnceLock;

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub data_dir: tempfile::TempDir,
    pub database_url: String,
}

pub const PASSWORD: &str = redbutler::demo::DEMO_PASSWORD;

/// Which backend the suite runs on.
pub fn backend() -> &'static str {
    static B: OnceLock<String> = OnceLock::new();
    B.get_or_init(|| std::env::var("REDBUTLER_TEST_DATABASE").unwrap_or_else(|_| "sqlite".into()))
}

/// The admin URL of the PostgreSQL server the suite may use (set by scripts/test).
pub fn pg_admin_url() -> String {
    std::env::var("REDBUTLER_TEST_PG_URL")
        .expect("REDBUTLER_TEST_PG_URL is not set: run the suite with scripts/test, which starts PostgreSQL")
}

/// A fresh, empty database for one test.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    if backend() == "postgres" {
        let admin = pg_admin_url();
        let name = format!(
            "rbt_{}",
            &redbutler::services::accounts::credentials::new_token()[..16]
        );
        let db = Db::connect(&admin, 1).await.expect("connect to PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&db.pool)
            .await
            .expect("create test database");
        db.pool.close().await;
        let base = admin
            .rsplit_once('/')
            .map(|(b, _)| b.to_string())
            .unwrap_or(admin);
        format!("{base}/{name}")
    } else {
        format!("sqlite://{}?mode=rwc", dir.join("test.db").display())
    }
}

/// The app on a free port with an empty database.
pub async fn spawn_empty() -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(data_dir.path()).await;
    let config = Config {
        addr: "127.0.0.1:0".into(),
        data_dir: data_dir.path().to_path_buf(),
        database_url: database_url.clone(),
        max_connections: 8,
        ..Config::default()
    };
    let app = Application::build(config).await.expect("build app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        base,
        db,
        data_dir,
        database_url,
    }
}

/// The app with the demo district loaded.
pub async fn spawn_demo() -> TestApp {
    let app = spawn_empty().await;
    redbutler::demo::load_demo(&app.db)
        .await
        .expect("load demo");
    app
}

/// A browser-like client: keeps cookies, follows no redirects (so tests see them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"_csrf\" value=\"")
        .expect("page has a CSRF field")
        + "name=\"_csrf\" value=\"".len();
    html[at..at + 64].to_string()
}

/// A logged-in browser session.
pub struct Session {
    pub client: reqwest::Client,
    pub csrf: String,
    pub base: String,
}

impl Session {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut f: Vec<(&str, &str)> = fields.to_vec();
        f.push(("_csrf", &self.csrf));
        self.client
            .post(format!("{}{path}", self.base))
            .form(&f)
            .send()
            .await
            .expect("POST")
    }
}

impl TestApp {
    pub async fn login(&self, username: &str) -> Session {
        self.login_with(username, PASSWORD)
            .await
            .expect("demo login works")
    }

    pub async fn login_with(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Session, reqwest::Response> {
        let client = client();
        let (r, csrf) = page_login(&client, &self.base, username, password).await;
        if r.status() == 303 {
            // The CSRF token rotates at login: the session's forms carry the new one.
            let csrf = set_cookie_value(&r, "rb_csrf").unwrap_or(csrf);
            Ok(Session {
                client,
                csrf,
                base: self.base.clone(),
            })
        } else {
            Err(r)
        }
    }

    /// An API token for a demo user.
    pub async fn token(&self, username: &str) -> String {
        let user = self
            .db
            .accounts()
            .user_by_login(username)
            .await
            .unwrap()
            .expect("user exists");
        let token = redbutler::services::accounts::credentials::new_token();
        self.db
            .accounts()
            .insert_api_token(
                user.id,
                "test",
                &redbutler::services::accounts::credentials::token_hash(&token),
            )
            .await
            .unwrap();
        token
    }

    pub async fn api(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        client()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    /// GET with a token, the body as JSON.
    pub async fn get_json(&self, token: &str, path: &str) -> serde_json::Value {
        self.api(token, reqwest::Method::GET, path)
            .await
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: JSON expected: {e}"))
    }

    pub async fn id_of(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.db.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.id_of(sql).await
    }
}

/// A good request body with some of its fields replaced (for "each bad field is refused" loops).
pub fn with_changes(good: &serde_json::Value, change: &serde_json::Value) -> serde_json::Value {
    let mut body = good.clone();
    if let Some(fields) = change.as_object() {
        for (k, v) in fields {
            body[k] = v.clone();
        }
    }
    body
}

/// The first field error of an API error answer: (field, code).
pub fn field_error(e: &serde_json::Value) -> (&str, &str) {
    (
        e["error"]["fields"][0]["field"].as_str().unwrap_or(""),
        e["error"]["fields"][0]["code"].as_str().unwrap_or(""),
    )
}

impl TestApp {
    /// A second community beside the demo's, under the same sub-district, with one compound
    /// created through the API. Regions have no product operation (they come with the
    /// district's import), so the region row is set up directly. Returns (community, compound).
    pub async fn other_community(&self, name: &str) -> (i64, i64) {
        let sub = self
            .id_of("SELECT parent_id FROM regions WHERE name = '兴龙湖社区'")
            .await;
        let community: i64 = sqlx::query_scalar(
            "INSERT INTO regions (parent_id, level, name, code) VALUES ($1, 'community', $2, $3) RETURNING id",
        )
        .bind(sub)
        .bind(name)
        .bind(format!("T{}", name.len() * 7919 + sub as usize))
        .fetch_one(&self.db.pool)
        .await
        .unwrap();
        let admin = self.token("admin").await;
        let r = self
            .api(
                &admin,
                reqwest::Method::POST,
                &format!("/api/v1/regions/{community}/compounds"),
            )
            .await
            .json(&serde_json::json!({"name": format!("{name}小区"), "kind": "owner_occupied"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "compound created");
        let c: serde_json::Value = r.json().await.unwrap();
        (community, c["id"].as_i64().unwrap())
    }
}

impl TestApp {
    /// A compound's id by its name.
    pub async fn compound(&self, name: &str) -> i64 {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM compounds WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.db.pool)
            .await
            .unwrap();
        id.unwrap_or_else(|| panic!("no compound {name}"))
    }

    /// A case reported through the API by `token` (kind, category code, compound name,
    /// description); its id.
    pub async fn create_case(
        &self,
        token: &str,
        kind: &str,
        category: &str,
        compound: &str,
        description: &str,
    ) -> i64 {
        let compound_id = self.compound(compound).await;
        let r = self
            .api(token, reqwest::Method::POST, "/api/v1/cases")
            .await
            .json(&serde_json::json!({"kind": kind, "category": category,
                "compound_id": compound_id, "description": description}))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: serde_json::Value = r.json().await.unwrap_or_default();
        assert_eq!(status, 201, "case created: {body}");
        body["id"].as_i64().unwrap()
    }
}

/// Logs in through the login page as a browser would (GET the form for its CSRF token, POST it):
/// the answer and the token the form carried.
pub async fn page_login(
    client: &reqwest::Client,
    base: &str,
    login: &str,
    password: &str,
) -> (reqwest::Response, String) {
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("login", login),
            ("password", password),
            ("_csrf", &csrf),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    (r, csrf)
}

/// The value an answer sets for a cookie, if it sets one.
pub fn set_cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

/// A real JPEG photo of `w` × `h` with EXIF orientation and GPS, as a phone writes it.
pub fn phone_photo(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    redbutler::services::cases::photos::sample_photo(w, h, orientation)
}

/// A real PNG of `w` × `h`.
pub fn png_image(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 30, 30]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
