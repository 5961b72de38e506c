//! Forms keep what was typed. When a page form is refused (a field error or a conflict), the
//! page the form came from is rendered again, with the typed values and each error beside its
//! field, instead of a separate error page. When the session has expired meanwhile, the login
//! page carries the typed values, and after logging in one button sends the form again.
use crate::error::ErrorInfo;
use crate::http::ctx;
use crate::http::{is_api_path, safe_back};
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// The largest page form (three photos of 5 MB and the text, with room to spare); the same as
/// the server's body limit.
pub const MAX_FORM_BYTES: usize = 20 * 1024 * 1024;

/// A refused form given back to the page it came from (read by [`ctx::Ctx`]).
#[derive(Debug, Clone, Default)]
pub struct FormBack {
    /// The text fields as sent (files are not kept).
    pub values: Vec<(String, String)>,
    /// (field, message in the reader's language).
    pub errors: Vec<(String, String)>,
    /// A refusal that is not about one field (a conflict), in words.
    pub message: Option<String>,
}

/// A form to send again after logging in: where it went, how, and its text fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resume {
    pub action: String,
    pub multipart: bool,
    pub pairs: Vec<(String, String)>,
}

impl Resume {
    /// The action with any `_csrf` query parameter replaced by `token` (an upload carries its
    /// token in the address).
    pub fn action_with(&self, token: &str) -> String {
        let (path, query) = self.action.split_once('?').unwrap_or((&self.action, ""));
        let mut pairs: Vec<(String, String)> = crate::http::form_pairs(query.as_bytes())
            .into_iter()
            .filter(|(k, _)| k != "_csrf")
            .collect();
        if self.multipart {
            pairs.push(("_csrf".into(), token.into()));
        }
        let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let path = safe_back(Some(path));
        if q.is_empty() {
            path
        } else {
            format!("{path}?{q}")
        }
    }
    /// The fields to send again (not the old CSRF token).
    pub fn fields(&self) -> impl Iterator<Item = &(String, String)> {
        self.pairs.iter().filter(|(k, _)| k != "_csrf")
    }
}

/// The same-site path of the page a request came from (its `Referer`), if any.
fn referer_path(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    path.starts_with('/').then(|| safe_back(Some(path)))
}

/// The text fields of a form body (URL-encoded or multipart).
async fn text_fields(content_type: &str, bytes: &axum::body::Bytes) -> Vec<(String, String)> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return crate::http::form_pairs(bytes);
    }
    let req = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes.clone()));
    let Ok(req) = req else { return Vec::new() };
    let Ok(mut form) = axum::extract::Multipart::from_request(req, &()).await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while let Ok(Some(field)) = form.next_field().await {
        if field.file_name().is_some() {
            continue;
        }
        let Some(name) = field.name().map(str::to_string) else {
            continue;
        };
        if let Ok(text) = field.text().await {
            out.push((name, text));
        }
    }
    out
}

/// The middleware: page forms (not the API, Open311 or Bearer clients, which get their own
/// error formats) are read once here so that a refusal can give them back. A form is held in
/// memory while it is handled (at most [`MAX_FORM_BYTES`]).
pub async fn keep_forms(req: Request, next: Next) -> Response {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded")
        || content_type.starts_with("multipart/form-data");
    let bearer = req.headers().contains_key(header::AUTHORIZATION);
    if req.method() != Method::POST
        || !is_form
        || bearer
        || is_api_path(req.uri().path())
        || req.uri().path().starts_with("/open311/")
        || req.uri().path() == "/login"
    {
        return next.run(req).await;
    }
    // A body announced larger than any form may be is refused before a byte of it is read.
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_FORM_BYTES as u64) {
        return crate::error::AppError::TooLarge.into_response();
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => return crate::error::AppError::TooLarge.into_response(),
    };
    let values = text_fields(&content_type, &bytes).await;
    let headers = parts.headers.clone();
    let action = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let page = next.clone();
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let Some(info) = resp.extensions().get::<ErrorInfo>().cloned() else {
        return resp;
    };
    let locale = ctx::locale_from_headers(&headers);
    let from = referer_path(&headers);
    match info.status {
        StatusCode::UNAUTHORIZED => {
            let resume = Resume {
                action,
                multipart: content_type.starts_with("multipart/"),
                pairs: values,
            };
            let next = from.unwrap_or_else(|| "/".into());
            crate::http::accounts::login::expired_page(&headers, locale, &next, &resume)
                .unwrap_or(resp)
        }
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT => {
            let Some(from) = from else { return resp };
            let back = FormBack {
                values,
                errors: info
                    .fields
                    .iter()
                    .map(|f| {
                        (
                            f.field.clone(),
                            format!(
                                "{}：{}",
                                ctx::field_label(locale, &f.field),
                                locale.t(&format!("check.{}", f.code))
                            ),
                        )
                    })
                    .collect(),
                message: Some(locale.t(&format!("error.{}", info.code))),
            };
            again(page, &headers, &from, back, info.status)
                .await
                .unwrap_or(resp)
        }
        _ => resp,
    }
}

/// The form's page rendered again (a GET of it, as the same user), with the form given back.
async fn again(
    page: Next,
    headers: &HeaderMap,
    from: &str,
    back: FormBack,
    status: StatusCode,
) -> Option<Response> {
    let mut req = Request::builder().method(Method::GET).uri(from);
    for name in [header::COOKIE, header::ACCEPT_LANGUAGE, header::HOST] {
        for v in headers.get_all(&name) {
            req = req.header(&name, v);
        }
    }
    let mut req = req.body(Body::empty()).ok()?;
    req.extensions_mut().insert(back);
    let mut resp = page.run(req).await;
    if resp.status() != StatusCode::OK {
        return None;
    }
    *resp.status_mut() = status;
    Some(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_upload_carries_the_new_token_and_nothing_else_of_the_old() {
        let r = Resume {
            action: "/cases/submit?_csrf=old".into(),
            multipart: true,
            pairs: vec![
                ("_csrf".into(), "old".into()),
                ("description".into(), "漏水".into()),
            ],
        };
        assert_eq!(r.action_with("new"), "/cases/submit?_csrf=new");
        assert_eq!(r.fields().count(), 1);
        let plain = Resume {
            action: "/decisions/new".into(),
            multipart: false,
            pairs: vec![],
        };
        assert_eq!(plain.action_with("new"), "/decisions/new");
        let away = Resume {
            action: "//evil.example/x".into(),
            multipart: false,
            pairs: vec![],
        };
        assert_eq!(away.action_with("new"), "/");
    }

    #[test]
    fn only_same_site_referers_count() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "rb.example:8080".parse().unwrap());
        h.insert(
            header::REFERER,
            "http://rb.example:8080/decisions/new?case=3"
                .parse()
                .unwrap(),
        );
        assert_eq!(referer_path(&h).as_deref(), Some("/decisions/new?case=3"));
        h.insert(
            header::REFERER,
            "http://evil.example/decisions/new".parse().unwrap(),
        );
        assert_eq!(referer_path(&h), None);
    }
}
