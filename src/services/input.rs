//! Serde helpers that let one input type read both a JSON body and an HTML form.
//!
//! A form sends every value as text and a ticked checkbox as `on`; JSON sends numbers,
//! booleans and lists. The service input types mark their non-text fields with these so the
//! page handlers deserialize straight into them (`http::form::PageForm`), with no copy of the
//! type per page.
use serde::Deserialize;
use serde::de::{self, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum IntOrText {
    Int(i64),
    Text(String),
}

fn parse_int<E: de::Error>(v: IntOrText) -> Result<i64, E> {
    match v {
        IntOrText::Int(n) => Ok(n),
        IntOrText::Text(t) => t.trim().parse().map_err(|_| E::custom("not_a_number")),
    }
}

/// A whole number, written as a JSON number or as text ("12").
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    parse_int(IntOrText::deserialize(d)?)
}

/// An optional whole number; blank text is none. Use with `#[serde(default)]`.
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<IntOrText>::deserialize(d)? {
        None => Ok(None),
        Some(IntOrText::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(v) => parse_int(v).map(Some),
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FlagOrText {
    Flag(bool),
    Text(String),
}

/// A yes/no: a JSON boolean, or a form checkbox (present as `on`, `true` or `1` when ticked).
/// Use with `#[serde(default)]`, since an unticked checkbox is not sent at all.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match FlagOrText::deserialize(d)? {
        FlagOrText::Flag(b) => Ok(b),
        FlagOrText::Text(t) => match t.trim() {
            "on" | "true" | "1" | "yes" => Ok(true),
            "" | "off" | "false" | "0" | "no" => Ok(false),
            _ => Err(de::Error::custom("invalid")),
        },
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ListOrText {
    List(Vec<String>),
    Text(String),
}

/// A list of texts: a JSON array, or a form's text area with one entry a line.
/// Use with `#[serde(default)]`.
pub fn lines<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match ListOrText::deserialize(d)? {
        ListOrText::List(v) => v,
        ListOrText::Text(t) => t
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Sample {
        #[serde(deserialize_with = "int")]
        n: i64,
        #[serde(default, deserialize_with = "opt_int")]
        m: Option<i64>,
        #[serde(default, deserialize_with = "flag")]
        f: bool,
        #[serde(default, deserialize_with = "lines")]
        l: Vec<String>,
    }

    #[test]
    fn json_and_form_read_alike() {
        let j: Sample =
            serde_json::from_str(r#"{"n": 3, "m": 4, "f": true, "l": ["a", "b"]}"#).unwrap();
        let f: Sample = serde_urlencoded::from_str("n=3&m=4&f=on&l=a%0D%0A%0D%0Ab").unwrap();
        assert_eq!(j, f);
        assert_eq!(j.l, vec!["a", "b"]);
        let blank: Sample = serde_urlencoded::from_str("n=+7+&m=").unwrap();
        assert_eq!(blank.n, 7);
        assert_eq!(blank.m, None);
        assert!(!blank.f);
        assert!(serde_urlencoded::from_str::<Sample>("n=x").is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"n": "1x"}"#).is_err());
        assert!(serde_urlencoded::from_str::<Sample>("n=1&f=maybe").is_err());
    }
}
