//! One integration-test binary: the real app on a real port against a real database
//! (SQLite by default; PostgreSQL when REDBUTLER_TEST_DATABASE=postgres).
mod access;
mod accounts;
mod admin_accounts;
mod atomicity;
mod bad_input;
mod browser;
mod calendar;
mod case_config;
mod cases;
mod data;
mod decisions;
mod edits;
mod helpers;
mod notify;
mod open311;
mod schema;
mod security;
