//! Open311 GeoReport v2 at `/open311/v2/` (RULES.md §5): services from the case categories,
//! service definitions, requests (POST with an `api_key`), tokens; XML and JSON. Works with
//! existing clients: `service/{code}` (singular) is accepted, empty parameters count as absent,
//! `api_key` and `jurisdiction_id` may come in the query string of a POST.
//! The rules (API key, filters, validation) are in `services::open311`; this file reads the
//! parameters and writes the records.
use crate::domain::cases::CaseStatus;
use crate::http::AppState;
use crate::services::open311;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", any(top))
        .route("/open311/v2/{dir}/{file}", any(nested))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
}

/// An Open311 error: 404 unknown resource/service/token, 403 API key, 400 anything else.
struct Failure(StatusCode, String);

fn fail(status: StatusCode, msg: impl Into<String>) -> Failure {
    Failure(status, msg.into())
}

fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let fmt = match ext {
        "xml" => Format::Xml,
        "json" => Format::Json,
        _ => return None,
    };
    Some((name, fmt))
}

/// Query string and (for POST) form body, merged; empty values dropped (absent).
fn params(query: Option<&str>, body: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for src in [query.unwrap_or("").as_bytes(), body] {
        for (k, v) in serde_urlencoded::from_bytes::<Vec<(String, String)>>(src).unwrap_or_default()
        {
            if !v.trim().is_empty() {
                out.insert(k, v.trim().to_string());
            }
        }
    }
    out
}

async fn top(
    State(s): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let fmt = split(&file).map_or(Format::Xml, |(_, f)| f);
    let r = match (split(&file), method) {
        (Some(("services", f)), Method::GET) => services(&s, f).await,
        (Some(("requests", f)), Method::GET) => requests(&s, f, &params(q.as_deref(), b"")).await,
        (Some(("requests", f)), Method::POST) => {
            let form = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !form {
                Err(fail(
                    StatusCode::BAD_REQUEST,
                    "send the request as application/x-www-form-urlencoded",
                ))
            } else {
                post_request(&s, f, &params(q.as_deref(), &body)).await
            }
        }
        // The spec's errors are 400, 403 and 404: a wrong method is a malformed request.
        (Some(("services" | "requests", _)), m) => Err(fail(
            StatusCode::BAD_REQUEST,
            format!("{m} is not allowed here: use GET (or POST for requests)"),
        )),
        _ => Err(fail(StatusCode::NOT_FOUND, "unknown resource")),
    };
    r.unwrap_or_else(|e| error_response(fmt, e))
}

async fn nested(
    State(s): State<AppState>,
    method: Method,
    Path((dir, file)): Path<(String, String)>,
) -> Response {
    let fmt = split(&file).map_or(Format::Xml, |(_, f)| f);
    let r = match (dir.as_str(), split(&file), method) {
        ("services" | "service", Some((code, f)), Method::GET) => definition(&s, f, code).await,
        ("requests", Some((id, f)), Method::GET) => one_request(&s, f, id).await,
        ("tokens", Some((tok, f)), Method::GET) => token(&s, f, tok).await,
        (_, Some(_), Method::GET) | (_, None, _) => {
            Err(fail(StatusCode::NOT_FOUND, "unknown resource"))
        }
        (_, _, m) => Err(fail(
            StatusCode::BAD_REQUEST,
            format!("{m} is not allowed here: use GET"),
        )),
    };
    r.unwrap_or_else(|e| error_response(fmt, e))
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => o.push(c),
        }
    }
    o
}

/// A value of a record: text, number, boolean or nothing.
enum V {
    T(String),
    N(i64),
    B(bool),
    Null,
    /// Nested records (XML: repeated child elements; JSON: an array of objects).
    List(&'static str, Vec<Vec<(&'static str, V)>>),
}

fn t(s: impl Into<String>) -> V {
    V::T(s.into())
}

fn opt(s: Option<String>) -> V {
    s.map_or(V::Null, V::T)
}

fn xml_record(out: &mut String, tag: &str, fields: &[(&'static str, V)]) {
    out.push_str(&format!("<{tag}>"));
    for (k, v) in fields {
        match v {
            V::T(s) => out.push_str(&format!("<{k}>{}</{k}>", esc(s))),
            V::N(n) => out.push_str(&format!("<{k}>{n}</{k}>")),
            V::B(b) => out.push_str(&format!("<{k}>{b}</{k}>")),
            V::Null => out.push_str(&format!("<{k}></{k}>")),
            V::List(item, rows) => {
                out.push_str(&format!("<{k}>"));
                for r in rows {
                    xml_record(out, item, r);
                }
                out.push_str(&format!("</{k}>"));
            }
        }
    }
    out.push_str(&format!("</{tag}>"));
}

fn json_record(fields: &[(&'static str, V)]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (k, v) in fields {
        let jv = match v {
            V::T(s) => serde_json::Value::String(s.clone()),
            V::N(n) => serde_json::Value::from(*n),
            V::B(b) => serde_json::Value::Bool(*b),
            V::Null => serde_json::Value::Null,
            V::List(_, rows) => {
                serde_json::Value::Array(rows.iter().map(|r| json_record(r)).collect())
            }
        };
        m.insert((*k).to_string(), jv);
    }
    serde_json::Value::Object(m)
}

/// A list of records: XML `<root><item>…</item>…</root>`, JSON a top-level array.
fn records(
    fmt: Format,
    status: StatusCode,
    root: &str,
    item: &str,
    rows: &[Vec<(&'static str, V)>],
) -> Response {
    match fmt {
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            out.push_str(&format!("<{root}>"));
            for r in rows {
                xml_record(&mut out, item, r);
            }
            out.push_str(&format!("</{root}>"));
            (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                out,
            )
                .into_response()
        }
        Format::Json => {
            let v = serde_json::Value::Array(rows.iter().map(|r| json_record(r)).collect());
            (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                v.to_string(),
            )
                .into_response()
        }
    }
}

fn error_response(fmt: Format, Failure(status, description): Failure) -> Response {
    records(
        fmt,
        status,
        "errors",
        "error",
        &[vec![
            ("code", V::N(status.as_u16() as i64)),
            ("description", t(description)),
        ]],
    )
}

impl From<open311::Failure> for Failure {
    fn from(f: open311::Failure) -> Self {
        match f {
            open311::Failure::NotFound(m) => fail(StatusCode::NOT_FOUND, m),
            open311::Failure::Forbidden(m) => fail(StatusCode::FORBIDDEN, m),
            open311::Failure::BadRequest(m) => fail(StatusCode::BAD_REQUEST, m),
            open311::Failure::Internal => fail(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
        }
    }
}

fn w3(at: i64) -> String {
    crate::domain::deadline::format_local(at, "%Y-%m-%dT%H:%M:%S%:z")
}

async fn services(s: &AppState, fmt: Format) -> Result<Response, Failure> {
    let cats = open311::services(&s.db).await?;
    let rows: Vec<_> = cats
        .into_iter()
        .map(|c| {
            vec![
                ("service_code", t(c.code)),
                ("service_name", t(c.name_zh)),
                ("description", t(c.name_en)),
                ("metadata", V::B(true)),
                ("type", t("realtime")),
                ("keywords", t("")),
                ("group", t("")),
            ]
        })
        .collect();
    Ok(records(fmt, StatusCode::OK, "services", "service", &rows))
}

async fn definition(s: &AppState, fmt: Format, code: &str) -> Result<Response, Failure> {
    let c = open311::service(&s.db, code).await?;
    let values: Vec<Vec<(&'static str, V)>> = open311::client_kinds()
        .map(|k| {
            vec![
                ("key", t(k.as_str())),
                ("name", t(crate::locale::Locale::Zh.t(&k.label_key()))),
            ]
        })
        .collect();
    let attribute = vec![
        ("variable", V::B(true)),
        ("code", t("kind")),
        ("datatype", t("singlevaluelist")),
        ("required", V::B(false)),
        ("datatype_description", t("complaint if absent")),
        ("order", V::N(1)),
        ("description", t("案件类别 Kind of case")),
        ("values", V::List("value", values)),
    ];
    let def = vec![
        ("service_code", t(c.code)),
        ("attributes", V::List("attribute", vec![attribute])),
    ];
    Ok(match fmt {
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            xml_record(&mut out, "service_definition", &def);
            ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], out).into_response()
        }
        Format::Json => (
            [(header::CONTENT_TYPE, "application/json")],
            json_record(&def).to_string(),
        )
            .into_response(),
    })
}

fn request_record(r: &crate::db::open311::Open311Row) -> Vec<(&'static str, V)> {
    let closed = CaseStatus::parse(&r.status).is_some_and(|s| s.is_final());
    let address = match &r.building_name {
        Some(b) => format!("{} {}", r.compound_name, b),
        None if !r.public_area.is_empty() => format!("{} {}", r.compound_name, r.public_area),
        None => r.compound_name.clone(),
    };
    vec![
        ("service_request_id", t(r.number.clone())),
        ("status", t(if closed { "closed" } else { "open" })),
        ("status_notes", opt(r.status_notes.clone())),
        ("service_name", t(r.service_name.clone())),
        ("service_code", t(r.service_code.clone())),
        (
            "description",
            opt((r.description_public != 0).then(|| r.description.clone())),
        ),
        ("agency_responsible", opt(r.agency.clone())),
        ("service_notice", t("")),
        ("requested_datetime", t(w3(r.created_at))),
        (
            "updated_datetime",
            t(w3(r.updated_at.unwrap_or(r.created_at))),
        ),
        ("expected_datetime", opt(r.reply_due.map(w3))),
        ("address", t(address)),
        (
            "address_id",
            t(match r.building_id {
                Some(b) => format!("{}-{b}", r.compound_id),
                None => r.compound_id.to_string(),
            }),
        ),
        ("zipcode", V::Null),
        ("lat", V::Null),
        ("long", V::Null),
        ("media_url", V::Null),
    ]
}

async fn requests(
    s: &AppState,
    fmt: Format,
    p: &HashMap<String, String>,
) -> Result<Response, Failure> {
    let rows = open311::requests(&s.db, p).await?;
    let recs: Vec<_> = rows.iter().map(request_record).collect();
    Ok(records(
        fmt,
        StatusCode::OK,
        "service_requests",
        "request",
        &recs,
    ))
}

async fn one_request(s: &AppState, fmt: Format, id: &str) -> Result<Response, Failure> {
    let r = open311::request(&s.db, id, "service_request_id").await?;
    Ok(records(
        fmt,
        StatusCode::OK,
        "service_requests",
        "request",
        &[request_record(&r)],
    ))
}

async fn token(s: &AppState, fmt: Format, token: &str) -> Result<Response, Failure> {
    let r = open311::request(&s.db, token, "token").await?;
    Ok(records(
        fmt,
        StatusCode::OK,
        "service_requests",
        "request",
        &[vec![
            ("service_request_id", t(r.number.clone())),
            ("token", t(r.number.clone())),
        ]],
    ))
}

async fn post_request(
    s: &AppState,
    fmt: Format,
    p: &HashMap<String, String>,
) -> Result<Response, Failure> {
    let c = open311::post_request(&s.db, &s.config.case_prefix, p).await?;
    Ok(records(
        fmt,
        StatusCode::OK,
        "service_requests",
        "request",
        &[vec![
            ("service_request_id", t(c.number.clone())),
            ("token", t(c.number)),
            (
                "service_notice",
                t(format!("{} · {}", c.unit_name, "已受理 received")),
            ),
            ("account_id", V::Null),
        ]],
    ))
}
