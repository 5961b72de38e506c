//! Per-request context for pages: language, large-text mode, CSRF token, who is logged in.
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::convert::Infallible;

pub use crate::locale::Locale;

/// The language chosen with the switch (cookie), else the browser's first known one, else zh-CN.
pub fn locale_from_headers(headers: &HeaderMap) -> Locale {
    if let Some(l) = cookie(headers, "rb_lang").and_then(|v| Locale::parse(&v)) {
        return l;
    }
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|part| Locale::parse(part.split(';').next().unwrap_or("")))
        })
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(locale_from_headers(&parts.headers))
    }
}

/// The label of a field in an error message: `items[1].matter` reads "议题 2 · 法定事项".
pub fn field_label(locale: Locale, field: &str) -> String {
    if let Some((list, rest)) = field.split_once('[')
        && let Some((index, sub)) = rest.split_once(']')
        && let Ok(i) = index.parse::<usize>()
    {
        let sub = sub.trim_start_matches('.');
        let head = format!("{} {}", locale.t(&format!("field.{list}")), i + 1);
        return if sub.is_empty() {
            head
        } else {
            format!("{head} · {}", locale.t(&format!("field.{sub}")))
        };
    }
    locale.t(&format!("field.{field}"))
}

/// The value of one cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite, path /.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: Option<i64>,
    same_site: &str,
    secure: bool,
) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(a) = max_age_secs {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The CSRF token of this browser (double-submit cookie), put in every form as `_csrf`.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// What every page template gets.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub locale: Locale,
    pub csrf: String,
    pub large: bool,
    /// The current path and query, for the language and text-size switches to come back to.
    pub here: String,
    pub user: Option<String>,
    pub is_admin: bool,
    /// A refused form given back to its page: the typed values and the errors.
    pub form: Option<super::keep::FormBack>,
}

impl Ctx {
    /// The value typed into a field of a refused form, else `default` (the page's own value).
    pub fn value_or(&self, name: &str, default: &str) -> String {
        self.form
            .as_ref()
            .and_then(|f| f.values.iter().find(|(k, _)| k == name))
            .map_or_else(|| default.to_string(), |(_, v)| v.clone())
    }
    /// The values typed into a repeated field (item rows, checkboxes), when a form came back.
    pub fn values_of(&self, name: &str) -> Option<Vec<String>> {
        self.form.as_ref().map(|f| {
            f.values
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .collect()
        })
    }
    /// The error message of a field of a refused form.
    pub fn field_error(&self, name: &str) -> Option<String> {
        self.form
            .as_ref()?
            .errors
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, m)| m.clone())
    }
    /// Whether a refused form had chosen this option (a select or a checkbox).
    pub fn chosen(&self, name: &str, value: &str) -> bool {
        self.form
            .as_ref()
            .is_some_and(|f| f.values.iter().any(|(k, v)| k == name && v == value))
    }
    /// The label of a form field in the reader's language.
    pub fn field(&self, name: &str) -> String {
        field_label(self.locale, name)
    }
    /// Whether a refused form came back to this page (the summary at the top shows then).
    pub fn form_refused(&self) -> bool {
        self.form.is_some()
    }
    pub fn t(&self, key: &str) -> String {
        self.locale.t(key)
    }
    pub fn is_zh(&self) -> bool {
        self.locale == Locale::Zh
    }
    pub fn lang(&self) -> &'static str {
        self.locale.code()
    }
    /// A label for a stored word, e.g. `ctx.label("Role", "butler")`.
    pub fn label(&self, vocabulary: &str, word: &str) -> String {
        let key = format!("{vocabulary}.{word}");
        let s = self.t(&key);
        if s == key { word.to_string() } else { s }
    }
    pub fn area(&self, centi: &i64) -> String {
        crate::domain::area::AreaCentiM2(*centi).to_string()
    }
    /// Beside a deadline: that it counts weekends only, when its year's working-day calendar
    /// is among `unentered` (RULES.md §7); empty otherwise.
    pub fn calendar_note(&self, due: &i64, unentered: &[i16]) -> String {
        let year = crate::domain::deadline::local_day(*due - 1).year();
        if unentered.contains(&year) {
            format!(
                " （{}）",
                self.t("calendar.weekends_only")
                    .replace("{year}", &year.to_string())
            )
        } else {
            String::new()
        }
    }
    pub fn time(&self, unix: &i64) -> String {
        crate::domain::deadline::format_local(*unix, "%Y-%m-%d %H:%M")
    }
}

impl FromRequestParts<super::AppState> for Ctx {
    type Rejection = Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &super::AppState,
    ) -> Result<Self, Infallible> {
        let actor = super::session::Actor::from_request_parts(parts, state)
            .await
            .ok();
        Ok(Ctx {
            locale: locale_from_headers(&parts.headers),
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|c| c.0.clone())
                .unwrap_or_default(),
            large: cookie(&parts.headers, "rb_large").as_deref() == Some("1"),
            here: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
            is_admin: actor.as_ref().is_some_and(|a| a.is_admin()),
            user: actor.map(|a| a.display_name),
            form: parts.extensions.get::<super::keep::FormBack>().cloned(),
        })
    }
}
