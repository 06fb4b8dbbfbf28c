//! The outbox: pages queue messages in the database; the worker claims due ones with a lease
//! and sends them, trying again with growing waits while the server is unreachable, slow or
//! says "later", so no message is lost to a passing failure and none is sent twice by two
//! workers.

use std::time::Duration;

use super::compose::Composed;
use super::smtp::{self, SendError};
use crate::db::mail::{self as queue, MailKind, QueuedMail};
use crate::db::{self, Db, TenantId};
use crate::state::AppState;

/// How the sender behaves; the defaults suit production, tests shorten the waits.
#[derive(Debug, Clone)]
pub struct OutboxConfig {
    /// Names this sender in leases (unique per process).
    pub worker_id: String,
    /// How long a claim holds: longer than one conversation with the server may take, so a
    /// message is never sent by two workers at once; a crashed worker's claim expires.
    pub lease: Duration,
    pub poll_interval: Duration,
    /// Messages sent at once, so one slow recipient's server does not hold the others.
    pub concurrent_sends: usize,
    /// The wait after the first failed attempt; it doubles with every further one.
    pub first_retry: Duration,
    pub max_retry: Duration,
    /// A message still not taken this long after it was queued is given up (and logged).
    pub give_up_after: Duration,
    /// How often the integrations are checked for alerts to mail.
    pub alert_check_interval: Duration,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            worker_id: crate::worker_id::new_worker_id(),
            lease: Duration::from_secs(5 * 60),
            poll_interval: Duration::from_secs(2),
            concurrent_sends: 4,
            first_retry: Duration::from_secs(60),
            max_retry: Duration::from_secs(60 * 60),
            give_up_after: Duration::from_secs(3 * 24 * 60 * 60),
            alert_check_interval: Duration::from_secs(60),
        }
    }
}

impl OutboxConfig {
    /// The wait before attempt `attempts + 1`: the first wait, doubled per failure, capped.
    pub fn retry_wait(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from((attempts - 1).clamp(0, 20)).unwrap_or(20);
        self.first_retry
            .saturating_mul(1 << doublings)
            .min(self.max_retry)
    }
}

/// Queues `message` for `recipient`, sealed with the secret key; the worker sends it.
pub async fn queue(
    state: &AppState,
    tenant: Option<TenantId>,
    kind: MailKind,
    recipient: &str,
    message: &Composed,
) -> anyhow::Result<i64> {
    let sealed = crate::crypto::encrypt(&state.secret_key, &serde_json::to_string(message)?)?;
    Ok(queue::enqueue(&state.db, tenant, kind, recipient, &sealed).await?)
}

/// What became of one claimed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Tried again at this instant (unix seconds).
    RetryAt(i64, String),
    GaveUp(String),
}

/// One claimed message and what became of it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub recipient: String,
    pub outcome: Outcome,
}

/// Claims one due message, if any.
pub(super) async fn claim(db: &Db, config: &OutboxConfig) -> sqlx::Result<Option<QueuedMail>> {
    let at = db::now();
    let lease = i64::try_from(config.lease.as_secs()).unwrap_or(i64::MAX / 2);
    queue::claim_due(db, &config.worker_id, at + lease, at).await
}

/// Sends one claimed message and records the outcome.
pub(super) async fn deliver(
    state: &AppState,
    config: &OutboxConfig,
    mail: QueuedMail,
) -> anyhow::Result<Delivery> {
    let db = &state.db;
    let owner = config.worker_id.as_str();
    let result = match state.mail.config() {
        None => Err(SendError::Transient(
            "mail is off in this process (no --smtp-url)".into(),
        )),
        Some(mail_config) => match open(state, &mail) {
            Ok(message) => smtp::send(mail_config, &mail.recipient, &message).await,
            Err(e) => Err(SendError::Permanent(e)),
        },
    };
    let outcome = match result {
        Ok(()) => {
            queue::mark_sent(db, mail.id, owner).await?;
            tracing::info!(mail = mail.id, kind = %mail.kind, tenant = ?mail.tenant_id, attempts = mail.attempts, "mail sent");
            Outcome::Sent
        }
        Err(SendError::Transient(error))
            if db::now() - mail.created_at
                < i64::try_from(config.give_up_after.as_secs()).unwrap_or(i64::MAX) =>
        {
            let wait = i64::try_from(config.retry_wait(mail.attempts).as_secs()).unwrap_or(3600);
            let at = db::now() + wait;
            queue::retry_later(db, mail.id, owner, at, &error).await?;
            tracing::warn!(mail = mail.id, kind = %mail.kind, attempts = mail.attempts, retry_in_secs = wait, %error, "mail not sent; will try again");
            Outcome::RetryAt(at, error)
        }
        Err(SendError::Transient(error) | SendError::Permanent(error)) => {
            queue::give_up(db, mail.id, owner, &error).await?;
            tracing::error!(mail = mail.id, kind = %mail.kind, tenant = ?mail.tenant_id, attempts = mail.attempts, %error, "mail given up");
            Outcome::GaveUp(error)
        }
    };
    Ok(Delivery {
        id: mail.id,
        recipient: mail.recipient,
        outcome,
    })
}

/// The stored message, decrypted; an error that no retry will cure.
fn open(state: &AppState, mail: &QueuedMail) -> Result<Composed, String> {
    let json = crate::crypto::decrypt(&state.secret_key, &mail.sealed_content)
        .map_err(|e| format!("the queued message cannot be opened: {e}"))?;
    serde_json::from_str(&json).map_err(|e| format!("the queued message is not readable: {e}"))
}

/// Sends every due message in this task, one after the other, until none is due; returns
/// what became of each. For tests and scripts that need the mail now.
pub async fn send_due(state: &AppState, config: &OutboxConfig) -> anyhow::Result<Vec<Delivery>> {
    let mut deliveries = Vec::new();
    // A bound so that a message due again at once cannot spin forever.
    for _ in 0..10_000 {
        let Some(mail) = claim(&state.db, config).await? else {
            return Ok(deliveries);
        };
        deliveries.push(deliver(state, config, mail).await?);
    }
    anyhow::bail!("the outbox kept finding due mail after 10,000 messages")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap() {
        let config = OutboxConfig::default();
        let waits: Vec<u64> = (1..=8).map(|n| config.retry_wait(n).as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(config.retry_wait(1_000).as_secs(), 3600);
    }
}
