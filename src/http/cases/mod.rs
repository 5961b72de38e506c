//! Cases (诉求工单): reporting, the queue, one case and its actions, mediation, figures, and the
//! category and SLA set-up.
pub mod api;
pub mod config;
pub mod pages;

/// The pages of this capability (its API is merged in `http::api`).
pub fn pages() -> axum::Router<crate::http::AppState> {
    axum::Router::new()
        .merge(config::router())
        .merge(pages::router())
}
