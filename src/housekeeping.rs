//! Removes what would otherwise pile up: expired sessions, stale sign-in throttle counters, and
//! old mail records and reset links.

use std::time::Duration;

use crate::db::{self, Backend, Db};

/// How often the purge runs (also once at start).
pub const EVERY: Duration = Duration::from_secs(10 * 60);

/// How long a sent (or given-up) message's record is kept: it holds no content any more, only
/// who it went to and when, for support.
pub const MAIL_KEPT_SECS: i64 = 30 * 24 * 60 * 60;

/// What one purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub throttle_rows: u64,
}

/// Deletes expired sessions and stale throttle counters once.
pub async fn purge_once(db: &Db) -> sqlx::Result<Purged> {
    // The SQL store's own `delete_expired` compares SQLite's unix-second expiry with
    // `datetime()`, which reads the number as a Julian day, so it never deletes anything.
    let sessions = match db.backend {
        Backend::Sqlite => {
            sqlx::query("DELETE FROM tower_sessions WHERE expiry_date < $1")
                .bind(db::now())
                .execute(&db.pool)
                .await?
        }
        Backend::Postgres => {
            sqlx::query("DELETE FROM tower_sessions.session WHERE expiry_date < now()")
                .execute(&db.pool)
                .await?
        }
    }
    .rows_affected();
    let throttle_rows = db::throttle::purge_stale(db).await?;
    Ok(Purged {
        sessions,
        throttle_rows,
    })
}

/// Purges every `EVERY` until `stop` resolves; a failed purge is logged and tried again later.
pub async fn run(db: Db, stop: impl std::future::Future<Output = ()>) {
    let mut stop = std::pin::pin!(stop);
    let mut ticks = tokio::time::interval(EVERY);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = &mut stop => return,
        }
        match purge_once(&db).await {
            Ok(purged) if purged.sessions + purged.throttle_rows > 0 => {
                tracing::info!(
                    sessions = purged.sessions,
                    throttle_rows = purged.throttle_rows,
                    "purged expired sessions and stale sign-in counters"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "purging expired sessions failed"),
        }
        match db::mail::purge_done(&db, MAIL_KEPT_SECS).await {
            Ok(0) => {}
            Ok(rows) => tracing::info!(rows, "purged old mail records and reset links"),
            Err(error) => tracing::warn!(%error, "purging old mail records failed"),
        }
    }
}
