//! Building and running the server: `Application::build` binds (port 0 in tests) and exposes
//! the port, so tests run the real app on a real port against a real database.
use crate::config::Config;
use crate::db::Db;
use crate::http::{AppState, router};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Connects, migrates and binds.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = Db::connect(&config.effective_database_url(), config.max_connections).await?;
        db.migrate().await?;
        let listener = TcpListener::bind(&config.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
        Ok(Self {
            listener,
            state: AppState {
                actors: Default::default(),
                db,
                config: Arc::new(config),
            },
        })
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Serves until the future `shutdown` completes.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let every = self.state.config.deadline_job_seconds;
        let channels = crate::services::notify::configured(&self.state.config);
        crate::services::notify::start(&self.state.db, &channels, crate::db::now()).await?;
        let job =
            (every > 0).then(|| tokio::spawn(deadline_job(self.state.db.clone(), channels, every)));
        let app = router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        if let Some(job) = job {
            job.abort();
        }
        Ok(())
    }
}

/// Announces due-soon and overdue cases every `every` seconds, opens votes, and delivers new
/// notifications to the outgoing channels. Its state lives in the database
/// (which deadline was announced), so it survives restarts and several nodes may run it at once.
async fn deadline_job(
    db: Db,
    channels: Vec<std::sync::Arc<dyn crate::services::notify::Channel>>,
    every: u64,
) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(every));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match crate::services::cases::deadline_pass(&db, crate::db::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(cases = n, "deadline job announced due-soon/overdue cases"),
            Err(e) => tracing::warn!(error = %e, "deadline job failed; retrying next tick"),
        }
        // Votes whose window has started get their roll frozen even if nobody has looked yet.
        match crate::services::decisions::decision_pass(&db, crate::db::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(decisions = n, "voting opened, rolls frozen"),
            Err(e) => tracing::warn!(error = %e, "opening votes failed; retrying next tick"),
        }
        // Then hand the new notifications to e-mail, SMS or the spool file.
        match crate::services::notify::delivery_pass(&db, &channels, crate::db::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(messages = n, "notifications delivered"),
            Err(e) => {
                tracing::warn!(error = %e, "delivering notifications failed; retrying next tick")
            }
        }
    }
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
