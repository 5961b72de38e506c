//! Configuration layers: defaults → optional TOML file → environment (`REDBUTLER_*`) → flags.
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Address to listen on.
    pub addr: String,
    /// Where the SQLite database (and backups by default) live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `<data_dir>/redbutler.db`.
    pub database_url: String,
    pub log_json: bool,
    /// Load the demo district into an empty database on start.
    pub demo: bool,
    /// Database connections per node; 0 (the default) picks for the backend: on SQLite twice the
    /// CPU cores (each connection is a thread, and more threads than that only switch between
    /// each other: 16 instead of 4 cost 12 % of read throughput on 2 cores), on PostgreSQL 16.
    pub max_connections: u32,
    /// How long a browser session lasts without use, in hours.
    pub session_hours: i64,
    /// Trust `X-Forwarded-For` from a load balancer in front of several nodes.
    pub trust_forwarded_for: bool,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Prefix of readable case numbers: `YC-2026-000123`.
    pub case_prefix: String,
    /// How often the deadline job looks for due-soon and overdue cases, in seconds (0: never).
    pub deadline_job_seconds: u64,
    /// Append every notification as a JSON line to this file (for an SMS or e-mail gateway);
    /// empty: in-app inbox only. Several nodes may share the database: each line is written once.
    pub notify_spool: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("redbutler-data"),
            database_url: String::new(),
            log_json: false,
            demo: false,
            max_connections: 0,
            session_hours: 12,
            trust_forwarded_for: false,
            secure_cookies: false,
            case_prefix: "YC".into(),
            deadline_job_seconds: 60,
            notify_spool: String::new(),
        }
    }
}

/// Values given on the command line; `None` leaves the lower layers alone.
#[derive(Debug, Default, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_json: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<bool>,
}

impl Config {
    pub fn load(file: Option<&Path>, flags: FlagOverrides) -> anyhow::Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                anyhow::ensure!(
                    f.exists(),
                    "configuration file {} does not exist",
                    f.display()
                );
                fig = fig.merge(Toml::file(f));
            }
            None => fig = fig.merge(Toml::file("redbutler.toml")),
        }
        let cfg: Config = fig
            .merge(Env::prefixed("REDBUTLER_"))
            .merge(Serialized::defaults(flags))
            .extract()?;
        Ok(cfg)
    }

    /// The database URL in force: the configured one, or the SQLite file in the data folder.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("redbutler.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "addr = \"0.0.0.0:9000\"\nmax_connections = 3\n").unwrap();
        let c = Config::load(Some(&f), FlagOverrides::default()).unwrap();
        assert_eq!(c.addr, "0.0.0.0:9000");
        assert_eq!(c.max_connections, 3);
        let c = Config::load(
            Some(&f),
            FlagOverrides {
                addr: Some("127.0.0.1:1".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.addr, "127.0.0.1:1");
        assert!(c.effective_database_url().starts_with("sqlite://"));
        assert!(
            Config::load(
                Some(&dir.path().join("missing.toml")),
                FlagOverrides::default()
            )
            .is_err()
        );
    }
}
