//! The mail outbox and the password-reset links. The outbox is the sender's queue, not tenant
//! data that pages read: rows are claimed by id with a lease, like integrations' imports, and
//! carry the tenant they are about for the record.

use sqlx::FromRow;

use super::{Backend, Db, TenantId, now};

/// What a message is for (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Test,
    PasswordReset,
    Alert,
    Digest,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Test => "test",
            MailKind::PasswordReset => "password_reset",
            MailKind::Alert => "alert",
            MailKind::Digest => "digest",
        }
    }
}

/// Queues a message, due now; returns its id.
pub async fn enqueue(
    db: &Db,
    tenant: Option<TenantId>,
    kind: MailKind,
    recipient: &str,
    sealed_content: &str,
) -> sqlx::Result<i64> {
    let at = now();
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO mail_outbox (tenant_id, kind, recipient, sealed_content, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(tenant.map(|t| t.0))
    .bind(kind.as_str())
    .bind(recipient)
    .bind(sealed_content)
    .bind(at)
    .fetch_one(&db.pool)
    .await
}

/// A message claimed for sending.
#[derive(Debug, Clone, FromRow)]
pub struct QueuedMail {
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub kind: String,
    pub recipient: String,
    pub sealed_content: String,
    pub created_at: i64,
    /// Counting this one.
    pub attempts: i64,
}

/// Claims the next due message for `owner` until `lease_until` (and counts the attempt).
pub async fn claim_due(
    db: &Db,
    owner: &str,
    lease_until: i64,
    at: i64,
) -> sqlx::Result<Option<QueuedMail>> {
    let lock = match db.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE mail_outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
         WHERE id = (SELECT id FROM mail_outbox
                     WHERE sent_at IS NULL AND gave_up_at IS NULL
                       AND next_attempt_at <= $3 AND lease_until < $3
                     ORDER BY next_attempt_at, id LIMIT 1 {lock})
           AND sent_at IS NULL AND gave_up_at IS NULL AND lease_until < $3
         RETURNING id, tenant_id, kind, recipient, sealed_content, created_at, attempts"
    );
    sqlx::query_as::<_, QueuedMail>(&sql)
        .bind(owner)
        .bind(lease_until)
        .bind(at)
        .fetch_optional(&db.pool)
        .await
}

/// The server took the message: it is done, and its content (a reset link, say) is dropped.
pub async fn mark_sent(db: &Db, id: i64, owner: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE mail_outbox SET sent_at = $3, sealed_content = '', last_error = '',
            lease_owner = NULL, lease_until = 0
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id)
    .bind(owner)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The attempt failed: try again at `next_attempt_at`.
pub async fn retry_later(
    db: &Db,
    id: i64,
    owner: &str,
    next_attempt_at: i64,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE mail_outbox SET next_attempt_at = $3, last_error = $4,
            lease_owner = NULL, lease_until = 0
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id)
    .bind(owner)
    .bind(next_attempt_at)
    .bind(error)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The message cannot be delivered (refused for good, or too old): kept with its error, for
/// the record, without its content.
pub async fn give_up(db: &Db, id: i64, owner: &str, error: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE mail_outbox SET gave_up_at = $3, last_error = $4, sealed_content = '',
            lease_owner = NULL, lease_until = 0
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id)
    .bind(owner)
    .bind(now())
    .bind(error)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// One message's state, as tests and support read it.
#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub kind: String,
    pub recipient: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub gave_up_at: Option<i64>,
    pub last_error: String,
}

/// Every message to `recipient`, oldest first.
pub async fn to_recipient(db: &Db, recipient: &str) -> sqlx::Result<Vec<OutboxRow>> {
    sqlx::query_as::<_, OutboxRow>(
        "SELECT id, tenant_id, kind, recipient, attempts, next_attempt_at, sent_at, gave_up_at, last_error
         FROM mail_outbox WHERE recipient = $1 ORDER BY id",
    )
    .bind(recipient)
    .fetch_all(&db.pool)
    .await
}

/// Removes messages sent or given up more than `older_than_secs` ago; returns how many.
pub async fn purge_done(db: &Db, older_than_secs: i64) -> sqlx::Result<u64> {
    let before = now() - older_than_secs;
    let done = sqlx::query(
        "DELETE FROM mail_outbox WHERE (sent_at IS NOT NULL AND sent_at < $1)
            OR (gave_up_at IS NOT NULL AND gave_up_at < $1)",
    )
    .bind(before)
    .execute(&db.pool)
    .await?;
    let links = sqlx::query("DELETE FROM password_resets WHERE expires_at < $1")
        .bind(before)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() + links.rows_affected())
}

/// Stores a new reset link for the user (only its hash), replacing any earlier one: only the
/// latest link works.
pub async fn create_reset(
    db: &Db,
    user_id: i64,
    tenant: Option<TenantId>,
    token_hash: &str,
    expires_at: i64,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, tenant_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(tenant.map(|t| t.0))
    .bind(now())
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The user a link that is still good (unused, unexpired) belongs to.
pub async fn reset_user(db: &Db, token_hash: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar::<_, i64>(
        "SELECT user_id FROM password_resets
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now())
    .fetch_optional(&db.pool)
    .await
}

/// Uses the link and sets the user's password in one transaction: of two posts of one link,
/// one wins. Every session of the user ends (a new generation); returns the user's id, or
/// `None` when the link was used, expired or replaced meanwhile.
pub async fn use_reset(
    db: &Db,
    token_hash: &str,
    password_hash: &str,
) -> sqlx::Result<Option<i64>> {
    let at = now();
    let mut tx = db.pool.begin().await?;
    let user = sqlx::query_scalar::<_, i64>(
        "UPDATE password_resets SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING user_id",
    )
    .bind(token_hash)
    .bind(at)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user) = user else {
        tx.rollback().await?;
        return Ok(None);
    };
    let changed = sqlx::query(
        "UPDATE users SET password_hash = $2, must_change_password = 0,
            session_generation = session_generation + 1
         WHERE id = $1 AND active = 1",
    )
    .bind(user)
    .bind(password_hash)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        // Deactivated since the link was sent: the link does nothing.
        tx.rollback().await?;
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(user))
}
