//! Builds the app from settings and a listener and serves it until a shutdown future resolves,
//! so tests can bind port 0 and stop it cleanly.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::config::Settings;
use crate::db::Db;
use crate::shopify::ClientConfig;
use crate::web::{self, AppState};
use crate::worker::WorkerConfig;

/// Opens the database, applies migrations and loads the credentials key.
pub async fn prepare(settings: &Settings) -> anyhow::Result<AppState> {
    settings.validate().map_err(|e| anyhow::anyhow!(e))?;
    let db = Db::connect(&settings.database_url()).await?;
    migrate(&db).await?;
    let key = crate::secret_key::load_checked(&db, settings).await?;
    let mail = crate::mail::Mail::from_settings(settings)?;
    Ok(AppState {
        db,
        settings: Arc::new(settings.clone()),
        secret_key: Arc::new(key),
        shopify: shopify_client_config(settings),
        totals_cache: Arc::default(),
        mail,
    })
}

/// How this process reaches Shopify: `--shopify-url` and `--shopify-api-version`, with the
/// client's default patience.
pub fn shopify_client_config(settings: &Settings) -> ClientConfig {
    ClientConfig {
        base_url: settings.shopify_url.clone(),
        api_version: settings.shopify_api_version.clone(),
        ..ClientConfig::default()
    }
}

/// Applies the app's migrations and creates the session store's table, which the store
/// manages itself.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    db.migrate().await?;
    crate::session_store::migrate(&db.session_pool).await
}

/// Serves the app (and, with `with_worker`, the import worker with its default configuration)
/// until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    with_worker: bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let worker = with_worker.then(WorkerConfig::default);
    serve_with(state, listener, worker, shutdown).await
}

/// Serves the app, and the import worker when a configuration is given, until `shutdown`
/// resolves.
pub async fn serve_with(
    state: AppState,
    listener: TcpListener,
    worker: Option<WorkerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let with_worker = worker.is_some();
    let address = listener.local_addr()?;
    if let Some(token) = web::sign_in::issue_setup_token_if_empty(&state.db).await? {
        println!("No account exists yet. Create the first onboarding-staff account at:");
        println!("  http://{address}/setup?token={token}");
    }
    tracing::info!(%address, with_worker, "TMAS is listening");
    println!("TMAS is listening on http://{address}");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = worker.map(|config| {
        let worker_state = state.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            crate::worker::run_with(worker_state, config, async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await;
        })
    });
    let housekeeping = {
        let db = state.db.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(crate::housekeeping::run(db, async move {
            let _ = stop.wait_for(|s| *s).await;
        }))
    };
    // The dummy hash that unknown emails are checked against, made before the first sign-in.
    crate::password::dummy_hash().await?;
    let limits = crate::server::Limits {
        header_read_timeout: Duration::from_secs(state.settings.header_read_timeout),
        body_timeout: Duration::from_secs(state.settings.body_read_timeout),
        max_connections: state.settings.max_connections,
    };
    let app = web::router(state);
    let mut stop_server = stop_rx;
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    crate::server::serve(listener, app, limits, async move {
        let _ = stop_server.wait_for(|s| *s).await;
    })
    .await;
    let _ = housekeeping.await;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
