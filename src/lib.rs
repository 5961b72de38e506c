//! Red Butler (红管家): the platform a district uses to run its residential compounds together
//! with residents. `http` → `services` → `domain`, with all SQL in `db`.
rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod import;
pub mod locale;
pub mod services;
