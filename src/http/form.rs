//! `PageForm<T>`: an HTML form read straight into a service input type.
//!
//! Pages and the JSON API share one input type per operation (`services::<capability>::XNew`).
//! A form differs from JSON in two ways only, both handled here and in `services::input`:
//! a field left blank means "not given" (so blank pairs are dropped before reading), and every
//! value is text. A value that does not fit its field becomes that field's error in the reader's
//! language, like any other validation error.
use crate::error::AppError;
use axum::extract::{Form, FromRequest, Request};
use serde::de::DeserializeOwned;

pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(req, state).await?;
        read(pairs).map(PageForm)
    }
}

/// Reads the non-blank pairs of a form into `T`; a value that does not fit is a field error.
pub fn read<T: DeserializeOwned>(pairs: Vec<(String, String)>) -> Result<T, AppError> {
    let kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let encoded = serde_urlencoded::to_string(&kept).map_err(anyhow::Error::from)?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let message = e.inner().to_string();
        if let Some(name) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            return AppError::field(name, "required");
        }
        // A field inside a `#[serde(flatten)]` loses its name; the form as a whole is then named.
        let field = match e.path().to_string() {
            p if p == "." || p == "?" => "form".to_string(),
            p => p,
        };
        let code = match message.as_str() {
            "not_a_number" => "not_a_number",
            m if m.contains("invalid digit") || m.contains("number") => "not_a_number",
            _ => "invalid",
        };
        AppError::field(&field, code)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Sample {
        #[serde(deserialize_with = "crate::services::input::int")]
        person_id: i64,
        #[serde(default)]
        name: String,
        until: Option<String>,
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn field_of(e: AppError) -> Vec<FieldError> {
        match e {
            AppError::Invalid(f) => f,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn blanks_are_not_given_and_bad_values_name_their_field() {
        let s: Sample = read(pairs(&[
            ("person_id", " 4 "),
            ("name", "王"),
            ("until", "  "),
        ]))
        .unwrap();
        assert_eq!((s.person_id, s.name.as_str(), s.until), (4, "王", None));
        let e = field_of(read::<Sample>(pairs(&[("person_id", "4x")])).unwrap_err());
        assert_eq!(
            (e[0].field.as_str(), e[0].code.as_str()),
            ("person_id", "not_a_number")
        );
        let e = field_of(read::<Sample>(pairs(&[("person_id", ""), ("name", "x")])).unwrap_err());
        assert_eq!(
            (e[0].field.as_str(), e[0].code.as_str()),
            ("person_id", "required")
        );
        let s: Sample = read(pairs(&[("person_id", "1"), ("_csrf", "t")])).unwrap();
        assert_eq!(s.name, "");
    }
}

#[cfg(test)]
mod service_inputs {
    use super::*;

    #[test]
    fn a_nested_input_names_the_bad_field() {
        let pairs = [
            ("number", "1-101"),
            ("floor", "x"),
            ("use_kind", "residential"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec();
        match read::<crate::services::places::DwellingNew>(pairs) {
            Err(AppError::Invalid(f)) => {
                assert_eq!(
                    (f[0].field.as_str(), f[0].code.as_str()),
                    ("floor", "not_a_number")
                )
            }
            other => panic!("expected a field error, got {other:?}"),
        }
    }
}
