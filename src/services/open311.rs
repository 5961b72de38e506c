//! Open311 GeoReport v2 use cases (RULES.md §5): the services offered (the active case
//! categories), the public requests with their filters, and a new request from a client with an
//! API key. The http layer (`http/open311.rs`) only reads parameters and writes XML or JSON.
//!
//! Requests are the public face of cases: petitions and wellbeing concerns are never listed,
//! nor names or phones; a description only where the reporter agreed (Open311 reports are public).
use crate::db::Db;
use crate::db::{
    cases::Category,
    open311::{Open311Filter, Open311Row},
};
use crate::domain::cases::CaseKind;
use crate::error::AppError;
use std::collections::HashMap;

/// An Open311 error: 404 unknown resource/service/token, 403 API key, 400 anything else.
#[derive(Debug)]
pub enum Failure {
    NotFound(String),
    Forbidden(String),
    BadRequest(String),
    Internal,
}

pub type Result<T> = std::result::Result<T, Failure>;

fn internal(e: impl std::fmt::Display) -> Failure {
    tracing::error!(error = %e, "open311 internal error");
    Failure::Internal
}

fn bad(msg: impl Into<String>) -> Failure {
    Failure::BadRequest(msg.into())
}

/// The services on offer: the case categories in use.
pub async fn services(db: &Db) -> Result<Vec<Category>> {
    let cats = db.cases().categories().await.map_err(internal)?;
    Ok(cats.iter().filter(|c| c.active == 1).cloned().collect())
}

/// One service in use, by its code.
pub async fn service(db: &Db, code: &str) -> Result<Category> {
    let cats = db.cases().categories().await.map_err(internal)?;
    cats.iter()
        .find(|c| c.code == code && c.active == 1)
        .cloned()
        .ok_or_else(|| Failure::NotFound(format!("unknown service_code {code}")))
}

/// The kinds a client may send as `attribute[kind]` (every kind but petitions).
pub fn client_kinds() -> impl Iterator<Item = &'static CaseKind> {
    CaseKind::ALL
        .iter()
        .filter(|k| !matches!(k, CaseKind::Petition))
}

fn timestamp(p: &HashMap<String, String>, key: &str) -> Result<Option<i64>> {
    match p.get(key) {
        None => Ok(None),
        Some(v) => v
            .parse::<jiff::Timestamp>()
            .map(|t| Some(t.as_second()))
            .map_err(|_| {
                bad(format!(
                    "{key} must be a W3C datetime with a time zone, e.g. 2026-11-01T00:00:00+08:00"
                ))
            }),
    }
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|i| i.trim().to_string())
        .filter(|i| !i.is_empty())
        .collect()
}

/// The filter of `GET requests`: by ids, or by service codes, a window (the spec's default is
/// the last 90 days) and status.
pub fn filter(p: &HashMap<String, String>, now: i64) -> Result<Open311Filter> {
    let mut f = Open311Filter::default();
    if let Some(ids) = p.get("service_request_id") {
        f.numbers = list(ids);
        return Ok(f);
    }
    if let Some(codes) = p.get("service_code") {
        f.codes = list(codes);
    }
    let start = timestamp(p, "start_date")?;
    let end = timestamp(p, "end_date")?;
    f.end = end;
    f.start = Some(start.unwrap_or(end.unwrap_or(now) - 90 * 86_400));
    if let (Some(a), Some(b)) = (f.start, f.end)
        && a > b
    {
        return Err(bad("start_date is after end_date"));
    }
    if let Some(st) = p.get("status") {
        for w in st.split(',').map(str::trim) {
            match w {
                "open" => f.open = true,
                "closed" => f.closed = true,
                _ => return Err(bad("status must be open, closed or both")),
            }
        }
    }
    Ok(f)
}

/// An address as people write it, compared without spaces and with full-width digits and
/// letters read as ASCII: "凤栖阁 3栋", "凤栖阁３栋" and "凤栖阁3栋" are the same.
pub fn normalized(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// The building named in `rest` (what follows the compound in an address): the longest
/// building name found there that is not the tail of a longer number ("3栋" is not in "13栋").
pub fn building_in(rest: &str, buildings: &[(i64, String)]) -> Option<i64> {
    buildings
        .iter()
        .filter(|(_, name)| !name.is_empty())
        .filter(|(_, name)| {
            rest.match_indices(name.as_str()).any(|(at, _)| {
                !rest[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_digit())
            })
        })
        .max_by_key(|(_, name)| name.chars().count())
        .map(|(id, _)| *id)
}

/// The compound (and building, when named) an `address_string` points to: a compound whose
/// name appears in it (the longest, so "兴龙湖社区凤栖阁3栋2单元" finds 凤栖阁 whatever
/// community or street comes first), else the one compound whose street address it starts
/// with; a building of that compound named after it.
async fn place_in_text(db: &Db, text: &str) -> Result<Option<(i64, Option<i64>)>> {
    let text = normalized(text);
    if text.is_empty() {
        return Ok(None);
    }
    let found = db
        .open311()
        .compounds_in_text(&text)
        .await
        .map_err(internal)?;
    let by_name = found
        .iter()
        .filter(|f| !f.2)
        .max_by_key(|f| f.1.chars().count());
    let chosen = match by_name {
        Some(f) => Some(f),
        None => {
            // By street address: only when exactly one compound has the longest matching one.
            let longest = found.iter().filter(|f| f.2).map(|f| f.1.len()).max();
            let at: Vec<_> = found
                .iter()
                .filter(|f| f.2 && Some(f.1.len()) == longest)
                .collect();
            (at.len() == 1).then(|| at[0])
        }
    };
    let Some((compound, matched, _)) = chosen else {
        return Ok(None);
    };
    let rest = text
        .find(matched.as_str())
        .map_or("", |at| &text[at + matched.len()..]);
    let buildings = db
        .open311()
        .building_names(*compound)
        .await
        .map_err(internal)?;
    Ok(Some((*compound, building_in(rest, &buildings))))
}

/// Public requests matching the parameters of `GET requests` (at most 1,000).
pub async fn requests(db: &Db, p: &HashMap<String, String>) -> Result<Vec<Open311Row>> {
    let f = filter(p, crate::db::now())?;
    db.open311()
        .open311_requests(&f, 1000)
        .await
        .map_err(internal)
}

/// One public request by its number (also its token); `what` names the parameter in the error.
pub async fn request(db: &Db, number: &str, what: &str) -> Result<Open311Row> {
    let f = Open311Filter {
        numbers: vec![number.to_string()],
        ..Default::default()
    };
    let rows = db
        .open311()
        .open311_requests(&f, 1)
        .await
        .map_err(internal)?;
    rows.into_iter()
        .next()
        .ok_or_else(|| Failure::NotFound(format!("unknown {what} {number}")))
}

/// A new request from a client: the API key, the service, the location (`address_id` is
/// "compound" or "compound-building"; `address_string` names a compound) and the kind are
/// checked, then the case is registered like any other.
pub async fn post_request(
    db: &Db,
    case_prefix: &str,
    p: &HashMap<String, String>,
) -> Result<crate::services::cases::CaseCreated> {
    let Some(key) = p.get("api_key") else {
        return Err(Failure::Forbidden("api_key is required".into()));
    };
    let client = db
        .open311()
        .open311_client(&crate::services::accounts::credentials::token_hash(key))
        .await
        .map_err(internal)?
        .ok_or_else(|| Failure::Forbidden("invalid api_key".into()))?;
    let Some(code) = p.get("service_code") else {
        return Err(bad("service_code is required"));
    };
    service(db, code).await?;
    let (compound_id, building_id) = if let Some(a) = p.get("address_id") {
        let (c, b) = match a.split_once('-') {
            Some((c, b)) => (c.parse::<i64>().ok(), b.parse::<i64>().ok().map(Some)),
            None => (a.parse::<i64>().ok(), Some(None)),
        };
        match (c, b) {
            (Some(c), Some(b)) => (c, b),
            _ => {
                return Err(bad(
                    "address_id must be a compound id or compound-building ids, e.g. 2 or 2-15",
                ));
            }
        }
    } else if let Some(text) = p.get("address_string") {
        match place_in_text(db, text).await? {
            Some(place) => place,
            None => {
                return Err(bad(
                    "address_string names no known compound (by its name or street address); use address_id",
                ));
            }
        }
    } else if p.contains_key("lat") || p.contains_key("long") {
        return Err(bad(
            "locations by lat/long are not supported here; send address_id or address_string",
        ));
    } else {
        return Err(bad("a location is required: address_id or address_string"));
    };
    let kind = p
        .get("attribute[kind]")
        .map(String::as_str)
        .unwrap_or("complaint");
    if CaseKind::parse(kind).is_none_or(|k| k == CaseKind::Petition) {
        return Err(bad("attribute[kind] is not one of the listed values"));
    }
    let name = [p.get("first_name"), p.get("last_name")]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let input = crate::services::cases::CaseInput {
        kind: kind.into(),
        category: code.clone(),
        compound_id,
        building_id,
        dwelling_id: None,
        public_area: String::new(),
        description: p.get("description").cloned().unwrap_or_default(),
        description_public: true,
        channel: None,
        reporter_name: Some(if name.is_empty() { client.1 } else { name }),
        reporter_phone: p.get("phone").cloned(),
        visitors: None,
        received_on: None,
    };
    match crate::services::cases::submit_open311(db, case_prefix, &input).await {
        Ok(c) => Ok(c),
        Err(AppError::Invalid(fields)) => Err(bad(fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.code))
            .collect::<Vec<_>>()
            .join("; "))),
        Err(AppError::NotFound) => Err(Failure::NotFound("unknown resource".into())),
        Err(e) => Err(internal(e)),
    }
}

#[cfg(test)]
mod address_tests {
    use super::*;

    #[test]
    fn addresses_read_as_people_write_them() {
        assert_eq!(normalized(" 凤栖阁 ３栋 "), "凤栖阁3栋");
        let b = vec![
            (1, "1栋".to_string()),
            (3, "3栋".to_string()),
            (13, "13栋".to_string()),
        ];
        assert_eq!(building_in("3栋2单元", &b), Some(3));
        assert_eq!(building_in("13栋", &b), Some(13));
        assert_eq!(building_in("23栋", &b), None, "3栋 is not the tail of 23栋");
        assert_eq!(building_in("", &b), None);
        assert_eq!(building_in("2单元", &b), None);
    }
}
