//! The session store: tower-sessions' SQL stores need a typed pool, so one enum dispatches to
//! the SQLite or PostgreSQL store, both in the app's own database.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::db::SessionPool;

#[derive(Debug, Clone)]
pub enum AppSessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl AppSessionStore {
    pub fn new(pool: &SessionPool) -> Self {
        match pool {
            SessionPool::Sqlite(pool) => AppSessionStore::Sqlite(SqliteStore::new(pool.clone())),
            SessionPool::Postgres(pool) => {
                AppSessionStore::Postgres(PostgresStore::new(pool.clone()))
            }
        }
    }
}

/// Creates the session table if missing.
pub async fn migrate(pool: &SessionPool) -> anyhow::Result<()> {
    match AppSessionStore::new(pool) {
        AppSessionStore::Sqlite(store) => store.migrate().await?,
        AppSessionStore::Postgres(store) => store.migrate().await?,
    }
    Ok(())
}

#[async_trait]
impl SessionStore for AppSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            AppSessionStore::Sqlite(s) => s.create(record).await,
            AppSessionStore::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            AppSessionStore::Sqlite(s) => s.save(record).await,
            AppSessionStore::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            AppSessionStore::Sqlite(s) => s.load(session_id).await,
            AppSessionStore::Postgres(s) => s.load(session_id).await,
        }
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        match self {
            AppSessionStore::Sqlite(s) => s.delete(session_id).await,
            AppSessionStore::Postgres(s) => s.delete(session_id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for AppSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            AppSessionStore::Sqlite(s) => s.delete_expired().await,
            AppSessionStore::Postgres(s) => s.delete_expired().await,
        }
    }
}
