//! The secret key at start-up: loaded (or made on the very first start), and checked against
//! the Shopify credentials it must open, so a lost or wrong key file stops the start with a
//! clear message instead of silently making every integration's credentials unreadable.

use crate::config::Settings;
use crate::crypto::{self, StoredCredentials};
use crate::db::{self, Db, TenantId};
use crate::web::audit_details::{Details, Value};

/// The audit action recorded in each tenant whose credentials a key reset made unreadable.
pub const KEY_RESET_ACTION: &str = "secret_key.reset";

/// Shown on an integration whose credentials were sealed with a key the operator replaced.
pub const UNREADABLE_REASON: &str = "The secret key was replaced, so the stored credentials cannot be read. Enter them again with “Replace the credentials”.";

/// Loads the key for `settings`, refusing to start when stored credentials exist that it does
/// not open, unless `--reset-secret-key` says to start anew (then those integrations say what
/// to do).
pub async fn load_checked(db: &Db, settings: &Settings) -> anyhow::Result<[u8; 32]> {
    let path = settings.secret_key_path();
    let sealed = db::integrations::sealed_credentials_of_every_tenant(db).await?;
    let how_to_go_on = format!(
        "Restore the key file that encrypted them (every web process and worker must share \
         it), or start once with --reset-secret-key (TMAS_RESET_SECRET_KEY=true) to use {} as \
         it is: those integrations will then need their Shopify credentials entered again",
        path.display()
    );
    if !path.exists() && !sealed.is_empty() && !settings.reset_secret_key {
        anyhow::bail!(
            "the secret key file {} is missing, but {} integration(s) hold Shopify credentials \
             encrypted with a key. {how_to_go_on}.",
            path.display(),
            sealed.len()
        );
    }
    let key = crypto::load_or_create_key(&path)?;
    let unreadable: Vec<&db::integrations::SealedRow> = sealed
        .iter()
        .filter(|row| StoredCredentials::open(&key, &row.credentials_enc).is_err())
        .collect();
    if unreadable.is_empty() {
        return Ok(key);
    }
    if !settings.reset_secret_key {
        anyhow::bail!(
            "the secret key file {} does not open the Shopify credentials of {} integration(s): \
             it is not the key they were encrypted with. {how_to_go_on}.",
            path.display(),
            unreadable.len()
        );
    }
    for row in &unreadable {
        db::integrations::mark_credentials_unreadable(
            db,
            TenantId(row.tenant_id),
            row.id,
            UNREADABLE_REASON,
        )
        .await?;
    }
    // Each tenant whose integrations lost their credentials reads why in its own audit log.
    let mut affected: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    for row in &unreadable {
        *affected.entry(row.tenant_id).or_default() += 1;
    }
    let operator = db::audit::Actor {
        user_id: 0,
        email: db::audit::COMMAND_LINE_OPERATOR.into(),
        acting_staff: false,
    };
    for (tenant, integrations) in affected {
        db::audit::record(
            db,
            Some(TenantId(tenant)),
            &operator,
            KEY_RESET_ACTION,
            &Details::new()
                .fact(
                    "Integrations needing their credentials again",
                    Value::Count(integrations),
                )
                .to_stored(),
        )
        .await?;
    }
    tracing::warn!(
        integrations = unreadable.len(),
        "started with --reset-secret-key: integrations whose credentials this key cannot open need them entered again"
    );
    Ok(key)
}
