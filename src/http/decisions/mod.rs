//! Owners' decisions (业主共同决定): convening, documents, voting on a phone, the roll, the notice,
//! the result and its verification, and demands for an extraordinary meeting.
pub mod api;
pub mod demands;
pub mod documents;
pub mod pages;
pub mod voting;

/// The pages of this capability (its API is merged in `http::api`).
pub fn pages() -> axum::Router<crate::http::AppState> {
    axum::Router::new()
        .merge(demands::router())
        .merge(documents::router())
        .merge(pages::router())
        .merge(voting::router())
}
