//! The database: one `AnyPool` and one set of portable queries for SQLite and PostgreSQL,
//! the back end chosen by the URL's scheme. Queries live in submodules, one per area; every
//! query that touches tenant data takes the `TenantId` first.

pub mod alerts;
pub mod api_keys;
pub mod audit;
pub mod bulk_runs;
pub mod coverage;
pub mod data_version;
pub mod decode;
pub mod digests;
pub mod export_rows;
mod import_page;
pub mod imports;
mod imports_pg;
pub mod integrations;
pub mod locations;
pub mod mail;
pub mod order_checks;
pub mod reconciliation;
pub mod signed_in;
pub mod tenants;
pub mod throttle;
pub mod totals;
pub mod traffic;
pub mod unreadable;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{AnyPool, Executor, PgPool, SqlitePool};

/// Which SQL dialect the pool speaks; only the migrations and a few locking details differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pool for the app's queries plus a typed pool for the session store, which needs one,
/// and on PostgreSQL a typed pool for the import's batched writes (the `Any` driver binds no
/// arrays, and one statement per table and page needs them).
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    pub session_pool: SessionPool,
    pub pg_writes: Option<PgPool>,
}

#[derive(Clone)]
pub enum SessionPool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Import transactions a process writes at once on PostgreSQL (a worker runs at most a few
/// imports at a time; each holds one connection while it writes a batch).
const PG_WRITE_CONNECTIONS: u32 = 4;

/// How long a SQLite writer waits for another before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(15);

impl Db {
    /// Connects by URL scheme, creating the SQLite file (and its folder) when missing.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url).await
        } else {
            anyhow::bail!("the database URL must start with sqlite:// or postgres://")
        }
    }

    /// A SQLite database in WAL mode with a busy timeout, its file created owner-only.
    async fn connect_sqlite(url: &str) -> anyhow::Result<Db> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("bad SQLite URL {url:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true);
        // Owner-only: the file holds password hashes and live session ids.
        let file = options.get_filename();
        if !file.as_os_str().is_empty() && file.as_os_str() != ":memory:" {
            crate::private_files::prepare_sqlite_file(file)?;
        }
        // The typed pool opens the file first: it creates it and switches it to WAL.
        let session_pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open SQLite database {url}"))?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA busy_timeout = 15000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            })
            .connect(url)
            .await
            .with_context(|| format!("cannot open SQLite database {url}"))?;
        Ok(Db {
            pool,
            backend: Backend::Sqlite,
            session_pool: SessionPool::Sqlite(session_pool),
            pg_writes: None,
        })
    }

    /// A PostgreSQL database: the shared pool, the session store's, and the import batches'
    /// pool opened lazily.
    async fn connect_postgres(url: &str) -> anyhow::Result<Db> {
        let redacted = redact_url(url);
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {redacted}"))?;
        let session_pool = PgPoolOptions::new()
            .max_connections(4)
            .connect(url)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {redacted}"))?;
        // Connections open on first use: a web-only process never opens one here. They
        // serve import batches only, which need not wait for their WAL to reach the disk:
        // if the server crashes before it does, a batch is lost together with the
        // watermark it advanced, and the next run reads those orders again (SQLite in WAL
        // mode with synchronous=NORMAL makes the same trade). Set once per connection, not
        // in every batch's transaction. Every statement, the triggers' too, is planned
        // for the table as it is now: a plan cached while a table was empty (a new
        // database, or one just emptied and analyzed) kept scanning it whole for every
        // order once it held millions of rows.
        let pg_writes = PgPoolOptions::new()
            .max_connections(PG_WRITE_CONNECTIONS)
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("SET synchronous_commit = off").await?;
                    conn.execute("SET plan_cache_mode = force_custom_plan")
                        .await?;
                    Ok(())
                })
            })
            .connect_lazy(url)
            .with_context(|| format!("cannot connect to PostgreSQL at {redacted}"))?;
        Ok(Db {
            pool,
            backend: Backend::Postgres,
            session_pool: SessionPool::Postgres(session_pool),
            pg_writes: Some(pg_writes),
        })
    }

    /// Applies the migrations of this back end (the session store's table is its own:
    /// `startup::migrate` creates both).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("applying database migrations")?;
        Ok(())
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// Hides the password of a database URL so it can be printed.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Now as unix seconds, the unit of every stored instant.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A tenant's id, taken from the session, never from a URL or a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct TenantId(pub i64);

/// True when a database error is a unique-constraint violation, which forms turn into a message.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db
                    .code()
                    .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
        }
        _ => false,
    }
}

/// `$first, $first+1, …` for `count` values (an `IN (…)` list).
pub(crate) fn placeholder_list(count: usize, first: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("sqlite://data/tmas.db"), "sqlite://data/tmas.db");
    }
}
