//! Places: regions, compounds, buildings, dwellings and who holds them.
pub mod api;
pub mod pages;

/// The pages of this capability (its API is merged in `http::api`).
pub fn pages() -> axum::Router<crate::http::AppState> {
    axum::Router::new().merge(pages::router())
}
