//! The worker's mail loop: checks the integrations for alerts and the tenants for digests
//! to queue, and sends the outbox's due messages, beside the imports.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinSet;

use super::outbox::{self, OutboxConfig};
use super::{alerts, digest};
use crate::state::AppState;

/// Sends due mail until `shutdown` resolves, up to `concurrent_sends` at once, and checks the
/// integrations for alerts every `alert_check_interval`. Does nothing
/// (but wait) when mail is off. A send under way at shutdown is given a moment to finish;
/// otherwise its lease expires and another worker sends it.
pub async fn run(state: AppState, config: OutboxConfig, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    if !state.mail.is_on() {
        shutdown.await;
        return;
    }
    let mut sending: JoinSet<()> = JoinSet::new();
    let mut last_alert_check: Option<std::time::Instant> = None;
    loop {
        if last_alert_check.is_none_or(|at| at.elapsed() >= config.alert_check_interval) {
            last_alert_check = Some(std::time::Instant::now());
            if let Err(e) = alerts::check(&state).await {
                tracing::warn!(error = %e, "outbox: the integration alert check failed");
            }
            if let Err(e) = digest::check(&state).await {
                tracing::warn!(error = %e, "outbox: the digest check failed");
            }
        }
        while sending.len() < config.concurrent_sends.max(1) {
            match outbox::claim(&state.db, &config).await {
                Ok(Some(mail)) => {
                    let (state, config) = (state.clone(), config.clone());
                    sending.spawn(async move {
                        let id = mail.id;
                        if let Err(e) = outbox::deliver(&state, &config, mail).await {
                            tracing::error!(mail = id, error = %e, "mail outcome could not be recorded");
                        }
                    });
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: cannot claim mail, will retry");
                    break;
                }
            }
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(config.poll_interval) => {}
            Some(_) = sending.join_next(), if !sending.is_empty() => {}
        }
    }
    let wait = async { while sending.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(Duration::from_secs(5), wait).await;
}
