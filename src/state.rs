//! The state shared by the web handlers and the import worker: the database, the settings,
//! the key that encrypts Shopify credentials (and queued mail) and the mail settings. It lives outside `web` so that the worker
//! does not depend on the web layer.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;
use crate::shopify::ClientConfig;

/// What every handler and every import run can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// The key that encrypts Shopify credentials at rest.
    pub secret_key: Arc<[u8; 32]>,
    /// How this process reaches Shopify (address and API version from the settings); the
    /// worker and the pages each add their own patience.
    pub shopify: ClientConfig,
    /// The dashboard's and reports' reads, kept while the tenant's data version holds.
    pub totals_cache: Arc<crate::totals_cache::TotalsCache>,
    /// Mail as configured: off, or the server the worker sends the outbox through.
    pub mail: crate::mail::Mail,
}
