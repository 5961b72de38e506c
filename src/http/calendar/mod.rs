//! The working-day calendar (RULES.md §7): public holidays and working weekend days, a year at
//! a time; everyone signed in reads it, administrators enter it.
pub mod api;
pub mod pages;

/// The pages of this capability (its API is merged in `http::api`).
pub fn pages() -> axum::Router<crate::http::AppState> {
    axum::Router::new().merge(pages::router())
}
