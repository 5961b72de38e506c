//! Accounts: logging in and out, one's own password, and the administrators' account pages and API.
pub mod api;
pub mod login;
pub mod pages;
pub mod tokens;

/// The pages of this capability (its API is merged in `http::api`).
pub fn pages() -> axum::Router<crate::http::AppState> {
    axum::Router::new()
        .merge(login::router())
        .merge(pages::router())
        .merge(tokens::pages())
}
