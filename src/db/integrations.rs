//! A tenant's Shopify integrations: the wizard's draft, matched locations, schedule, status,
//! encrypted credentials, and deletion with or without the imported data. It stores the
//! credentials sealed; opening them and building a Shopify client happen above the storage.

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{Any, FromRow, Transaction};

use super::decode::{self, column};
use super::{Db, TenantId, now};
use crate::domain::import_run::{RunState, Trigger};
use crate::domain::integration::{CredentialKind, IntegrationStatus, RunRequest, WizardStep};
use crate::domain::integration_setup::{ALL_ORDERS_SCOPE, RETURNS_SCOPE};
use crate::domain::location::LocationStatus;
use crate::domain::schedule::Schedule;
use crate::domain::store_name::StoreName;

/// An integration, its columns read once into typed values.
#[derive(Clone)]
pub struct Integration {
    pub id: i64,
    pub tenant_id: i64,
    pub label: String,
    pub store_name: StoreName,
    /// None until credentials are stored.
    pub credential_kind: Option<CredentialKind>,
    pub credentials_enc: String,
    pub credentials_hint: String,
    pub status: IntegrationStatus,
    pub status_reason: String,
    pub wizard_step: WizardStep,
    pub shop_name: String,
    pub shop_currency: String,
    pub shop_time_zone: String,
    pub taxes_included: i64,
    pub scopes: String,
    pub schedule: Schedule,
    /// The first day to import; none until the wizard's schedule step sets it.
    pub backfill_from: Option<NaiveDate>,
    pub watermark: Option<i64>,
    pub next_run_at: Option<i64>,
    pub run_requested: Option<RunRequest>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The columns of an integration as stored.
#[derive(FromRow)]
struct IntegrationColumns {
    id: i64,
    tenant_id: i64,
    label: String,
    store_name: String,
    credential_kind: String,
    credentials_enc: String,
    credentials_hint: String,
    status: String,
    status_reason: String,
    wizard_step: String,
    shop_name: String,
    shop_currency: String,
    shop_time_zone: String,
    taxes_included: i64,
    scopes: String,
    schedule_frequency: String,
    schedule_minute: i64,
    schedule_hour: i64,
    backfill_from: String,
    watermark: Option<i64>,
    next_run_at: Option<i64>,
    run_requested: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl<'r> FromRow<'r, AnyRow> for Integration {
    fn from_row(row: &'r AnyRow) -> sqlx::Result<Self> {
        let c = IntegrationColumns::from_row(row)?;
        Ok(Integration {
            id: c.id,
            tenant_id: c.tenant_id,
            label: c.label,
            store_name: column("store_name", StoreName::parse(&c.store_name))?,
            credential_kind: match c.credential_kind.as_str() {
                "" => None,
                kind => Some(column("credential_kind", CredentialKind::parse(kind))?),
            },
            credentials_enc: c.credentials_enc,
            credentials_hint: c.credentials_hint,
            status: column("status", IntegrationStatus::parse(&c.status))?,
            status_reason: c.status_reason,
            wizard_step: column("wizard_step", WizardStep::parse(&c.wizard_step))?,
            shop_name: c.shop_name,
            shop_currency: c.shop_currency,
            shop_time_zone: c.shop_time_zone,
            taxes_included: c.taxes_included,
            scopes: c.scopes,
            schedule: decode::schedule(&c.schedule_frequency, c.schedule_minute, c.schedule_hour)?,
            backfill_from: decode::optional_date("backfill_from", Some(&c.backfill_from))?,
            watermark: c.watermark,
            next_run_at: c.next_run_at,
            run_requested: decode::run_request(c.run_requested.as_deref())?,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
    }
}

impl std::fmt::Debug for Integration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Integration")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("store_name", &self.store_name)
            .field("status", &self.status)
            .field("wizard_step", &self.wizard_step)
            .finish_non_exhaustive()
    }
}

impl Integration {
    pub fn is_draft(&self) -> bool {
        self.status == IntegrationStatus::Draft
    }

    pub fn scope_list(&self) -> Vec<&str> {
        self.scopes.split(',').filter(|s| !s.is_empty()).collect()
    }

    /// Whether Shopify lets the app read orders older than 60 days.
    pub fn reads_all_orders(&self) -> bool {
        self.scope_list().contains(&ALL_ORDERS_SCOPE)
    }

    /// Whether Shopify lets the app read returns (where an exchange happened).
    pub fn reads_returns(&self) -> bool {
        self.scope_list().contains(&RETURNS_SCOPE)
    }

    /// 1-based position of the wizard step (1 once the wizard is done).
    pub fn step_number(&self) -> usize {
        self.wizard_step.number()
    }

    /// The credentials are an Admin API access token.
    pub fn uses_access_token(&self) -> bool {
        self.credential_kind == Some(CredentialKind::AccessToken)
    }
}

const COLUMNS: &str = "id, tenant_id, label, store_name, credential_kind, credentials_enc, \
    credentials_hint, status, status_reason, wizard_step, shop_name, shop_currency, \
    shop_time_zone, taxes_included, scopes, schedule_frequency, schedule_minute, schedule_hour, \
    backfill_from, watermark, next_run_at, run_requested, created_at, updated_at";

pub async fn list(db: &Db, tenant: TenantId) -> sqlx::Result<Vec<Integration>> {
    sqlx::query_as::<_, Integration>(&format!(
        "SELECT {COLUMNS} FROM integrations WHERE tenant_id = $1 ORDER BY label, id"
    ))
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await
}

pub async fn get(db: &Db, tenant: TenantId, id: i64) -> sqlx::Result<Option<Integration>> {
    sqlx::query_as::<_, Integration>(&format!(
        "SELECT {COLUMNS} FROM integrations WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.0)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// The tenant's most recent unfinished wizard, to resume.
pub async fn latest_draft(db: &Db, tenant: TenantId) -> sqlx::Result<Option<Integration>> {
    sqlx::query_as::<_, Integration>(&format!(
        "SELECT {COLUMNS} FROM integrations WHERE tenant_id = $1 AND status = 'draft'
         ORDER BY updated_at DESC, id DESC LIMIT 1"
    ))
    .bind(tenant.0)
    .fetch_optional(&db.pool)
    .await
}

/// Another integration of the tenant for this store, if any.
pub async fn find_by_store(
    db: &Db,
    tenant: TenantId,
    store_name: &StoreName,
) -> sqlx::Result<Option<Integration>> {
    sqlx::query_as::<_, Integration>(&format!(
        "SELECT {COLUMNS} FROM integrations WHERE tenant_id = $1 AND store_name = $2"
    ))
    .bind(tenant.0)
    .bind(store_name.as_str())
    .fetch_optional(&db.pool)
    .await
}

/// What the general-information step checked live and keeps.
#[derive(Clone)]
pub struct VerifiedShop {
    pub label: String,
    pub store_name: StoreName,
    pub shop_name: String,
    pub shop_currency: String,
    pub shop_time_zone: String,
    pub taxes_included: bool,
    pub scopes: Vec<String>,
}

/// Credentials ready to store: sealed, with their kind and hint.
#[derive(Clone)]
pub struct SealedCredentials {
    pub kind: CredentialKind,
    pub sealed: String,
    pub hint: String,
}

/// Starts a wizard: a draft at the location-matching step. A second integration for the
/// same store in the tenant is a unique violation.
pub async fn create_draft(
    db: &Db,
    tenant: TenantId,
    shop: &VerifiedShop,
    credentials: &SealedCredentials,
) -> sqlx::Result<Integration> {
    let at = now();
    sqlx::query_as::<_, Integration>(&format!(
        "INSERT INTO integrations (tenant_id, label, store_name, credential_kind, credentials_enc,
            credentials_hint, status, wizard_step, shop_name, shop_currency, shop_time_zone,
            taxes_included, scopes, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'draft', 'locations', $7, $8, $9, $10, $11, $12, $12)
         RETURNING {COLUMNS}"
    ))
    .bind(tenant.0)
    .bind(&shop.label)
    .bind(shop.store_name.as_str())
    .bind(credentials.kind.as_str())
    .bind(&credentials.sealed)
    .bind(&credentials.hint)
    .bind(&shop.shop_name)
    .bind(&shop.shop_currency)
    .bind(&shop.shop_time_zone)
    .bind(i64::from(shop.taxes_included))
    .bind(shop.scopes.join(","))
    .bind(at)
    .fetch_one(&db.pool)
    .await
}

/// Saves the general step again on a draft (new credentials only when given).
pub async fn update_general(
    db: &Db,
    tenant: TenantId,
    id: i64,
    shop: &VerifiedShop,
    credentials: Option<&SealedCredentials>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE integrations SET label = $3, store_name = $4, shop_name = $5, shop_currency = $6,
            shop_time_zone = $7, taxes_included = $8, scopes = $9, updated_at = $10,
            wizard_step = CASE WHEN wizard_step = 'general' THEN 'locations' ELSE wizard_step END
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(&shop.label)
    .bind(shop.store_name.as_str())
    .bind(&shop.shop_name)
    .bind(&shop.shop_currency)
    .bind(&shop.shop_time_zone)
    .bind(i64::from(shop.taxes_included))
    .bind(shop.scopes.join(","))
    .bind(now())
    .execute(&db.pool)
    .await?;
    if let Some(c) = credentials {
        set_credentials(db, tenant, id, c).await?;
    }
    Ok(done.rows_affected() == 1)
}

async fn set_credentials(
    db: &Db,
    tenant: TenantId,
    id: i64,
    c: &SealedCredentials,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE integrations SET credential_kind = $3, credentials_enc = $4,
            credentials_hint = $5, updated_at = $6
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(c.kind.as_str())
    .bind(&c.sealed)
    .bind(&c.hint)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a draft's wizard forward to `step` (never backward: going back to look at an earlier
/// step keeps the progress).
pub async fn advance_wizard(
    db: &Db,
    tenant: TenantId,
    id: i64,
    step: WizardStep,
) -> sqlx::Result<()> {
    let Some(current) = get(db, tenant, id).await? else {
        return Ok(());
    };
    if current.is_draft() && step.number() > current.step_number() {
        reset_wizard(db, tenant, id, step).await?;
    }
    Ok(())
}

/// Puts a draft at `step`: back, after a change that invalidates the later steps, or forward
/// through [`advance_wizard`].
pub async fn reset_wizard(
    db: &Db,
    tenant: TenantId,
    id: i64,
    step: WizardStep,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE integrations SET wizard_step = $3, updated_at = $4
         WHERE tenant_id = $1 AND id = $2 AND status = 'draft'",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(step.as_str())
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A TMAS location matched to a Shopify location in one integration.
#[derive(Debug, Clone, FromRow)]
pub struct LocationMatch {
    pub integration_id: i64,
    /// locations.id
    pub location_id: i64,
    /// The TMAS location ID (locations.location_id).
    pub location_code: String,
    pub location_name: String,
    #[sqlx(try_from = "String")]
    pub location_status: LocationStatus,
    pub shopify_location_id: String,
    pub shopify_location_name: String,
    pub enabled: i64,
}

impl LocationMatch {
    pub fn is_enabled(&self) -> bool {
        self.enabled == 1
    }
}

const MATCH_SELECT: &str =
    "SELECT il.integration_id, il.location_id, l.location_id AS location_code,
        l.name AS location_name, l.status AS location_status, il.shopify_location_id,
        il.shopify_location_name, il.enabled
     FROM integration_locations il
     JOIN locations l ON l.tenant_id = il.tenant_id AND l.id = il.location_id";

pub async fn matches(
    db: &Db,
    tenant: TenantId,
    integration_id: i64,
) -> sqlx::Result<Vec<LocationMatch>> {
    sqlx::query_as::<_, LocationMatch>(&format!(
        "{MATCH_SELECT} WHERE il.tenant_id = $1 AND il.integration_id = $2 ORDER BY l.location_id"
    ))
    .bind(tenant.0)
    .bind(integration_id)
    .fetch_all(&db.pool)
    .await
}

/// Every match of the tenant's other integrations (a Shopify location belongs to one TMAS
/// location at most, across integrations).
pub async fn matches_elsewhere(
    db: &Db,
    tenant: TenantId,
    integration_id: i64,
) -> sqlx::Result<Vec<LocationMatch>> {
    sqlx::query_as::<_, LocationMatch>(&format!(
        "{MATCH_SELECT} WHERE il.tenant_id = $1 AND il.integration_id <> $2"
    ))
    .bind(tenant.0)
    .bind(integration_id)
    .fetch_all(&db.pool)
    .await
}

/// One row of the location matching to store.
#[derive(Debug, Clone)]
pub struct NewMatch {
    pub location_id: i64,
    pub shopify_location_id: i64,
    pub shopify_location_name: String,
}

/// Replaces the integration's matches with `new` at once. A location matched before keeps its
/// enabled flag.
pub async fn replace_matches(
    db: &Db,
    tenant: TenantId,
    integration_id: i64,
    new: &[NewMatch],
) -> sqlx::Result<()> {
    let before = matches(db, tenant, integration_id).await?;
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM integration_locations WHERE tenant_id = $1 AND integration_id = $2")
        .bind(tenant.0)
        .bind(integration_id)
        .execute(&mut *tx)
        .await?;
    for m in new {
        let enabled = before
            .iter()
            .find(|b| b.location_id == m.location_id)
            .is_none_or(LocationMatch::is_enabled);
        sqlx::query(
            "INSERT INTO integration_locations (tenant_id, integration_id, location_id,
                shopify_location_id, shopify_location_name, enabled)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant.0)
        .bind(integration_id)
        .bind(m.location_id)
        .bind(m.shopify_location_id.to_string())
        .bind(&m.shopify_location_name)
        .bind(i64::from(enabled))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE integrations SET updated_at = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(integration_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Adds (or moves) one match: the location gets this Shopify location.
pub async fn add_match(
    db: &Db,
    tenant: TenantId,
    integration_id: i64,
    m: &NewMatch,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO integration_locations (tenant_id, integration_id, location_id,
            shopify_location_id, shopify_location_name, enabled)
         VALUES ($1, $2, $3, $4, $5, 1)
         ON CONFLICT (tenant_id, integration_id, location_id) DO UPDATE
            SET shopify_location_id = excluded.shopify_location_id,
                shopify_location_name = excluded.shopify_location_name",
    )
    .bind(tenant.0)
    .bind(integration_id)
    .bind(m.location_id)
    .bind(m.shopify_location_id.to_string())
    .bind(&m.shopify_location_name)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Turns imports of one matched location on or off; false when there is no such match.
pub async fn set_location_enabled(
    db: &Db,
    tenant: TenantId,
    integration_id: i64,
    location_id: i64,
    enabled: bool,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE integration_locations SET enabled = $4
         WHERE tenant_id = $1 AND integration_id = $2 AND location_id = $3",
    )
    .bind(tenant.0)
    .bind(integration_id)
    .bind(location_id)
    .bind(i64::from(enabled))
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Saves the schedule (and the backfill start when given). `next_run_at` is replaced when
/// given (an active integration's next scheduled time).
pub async fn set_schedule(
    db: &Db,
    tenant: TenantId,
    id: i64,
    schedule: &Schedule,
    backfill_from: Option<NaiveDate>,
    next_run_at: Option<i64>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE integrations SET schedule_frequency = $3, schedule_minute = $4,
            schedule_hour = $5,
            backfill_from = COALESCE($6, backfill_from),
            next_run_at = COALESCE($7, next_run_at),
            updated_at = $8
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(schedule.frequency().as_str())
    .bind(i64::from(schedule.minute()))
    .bind(i64::from(schedule.hour()))
    .bind(backfill_from.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(next_run_at)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Finishes the wizard: active, and the first import (the backfill) queued at once.
pub async fn activate_draft(db: &Db, tenant: TenantId, id: i64) -> sqlx::Result<bool> {
    let at = now();
    let done = sqlx::query(
        "UPDATE integrations SET status = 'active', status_reason = '', wizard_step = 'done',
            next_run_at = $3, run_requested = 'initial', watermark = NULL, updated_at = $3
         WHERE tenant_id = $1 AND id = $2 AND status = 'draft'",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(at)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stops scheduling the integration (its data stays).
pub async fn deactivate(db: &Db, tenant: TenantId, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE integrations SET status = 'deactivated', next_run_at = NULL,
            run_requested = NULL, updated_at = $3
         WHERE tenant_id = $1 AND id = $2 AND status IN ('active', 'attention')",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Schedules a deactivated integration again from `next_run_at`.
pub async fn reactivate(
    db: &Db,
    tenant: TenantId,
    id: i64,
    next_run_at: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE integrations SET status = 'active', status_reason = '', next_run_at = $3,
            updated_at = $4
         WHERE tenant_id = $1 AND id = $2 AND status = 'deactivated'",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(next_run_at)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// New credentials, checked live: stored sealed; an integration that needed attention becomes
/// active again and an active one catches up at once (a deactivated one stays so).
pub async fn replace_credentials(
    db: &Db,
    tenant: TenantId,
    id: i64,
    credentials: &SealedCredentials,
    shop: &VerifiedShop,
) -> sqlx::Result<bool> {
    let at = now();
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE integrations SET credential_kind = $3, credentials_enc = $4,
            credentials_hint = $5, shop_name = $6, shop_currency = $7, shop_time_zone = $8,
            taxes_included = $9, scopes = $10, updated_at = $11
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(credentials.kind.as_str())
    .bind(&credentials.sealed)
    .bind(&credentials.hint)
    .bind(&shop.shop_name)
    .bind(&shop.shop_currency)
    .bind(&shop.shop_time_zone)
    .bind(i64::from(shop.taxes_included))
    .bind(shop.scopes.join(","))
    .bind(at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE integrations SET status = 'active', status_reason = '', next_run_at = $3,
            run_requested = 'catch_up'
         WHERE tenant_id = $1 AND id = $2 AND status IN ('active', 'attention')",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// The latest import run of an integration, for the integration page.
#[derive(Debug, Clone, FromRow)]
pub struct RunSummary {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub trigger: Trigger,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub orders_stored: i64,
    pub refunds_stored: i64,
    #[sqlx(try_from = "String")]
    pub outcome: RunState,
    pub error: String,
}

pub async fn latest_run(
    db: &Db,
    tenant: TenantId,
    integration_id: i64,
) -> sqlx::Result<Option<RunSummary>> {
    sqlx::query_as::<_, RunSummary>(
        "SELECT id, trigger, started_at, finished_at, orders_stored, refunds_stored, outcome, error
         FROM import_runs WHERE tenant_id = $1 AND integration_id = $2
         ORDER BY id DESC LIMIT 1",
    )
    .bind(tenant.0)
    .bind(integration_id)
    .fetch_optional(&db.pool)
    .await
}

/// What deleting an integration removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    pub sales: u64,
    pub returns: u64,
    pub hourly_rows_deleted: u64,
}

/// Deletes an integration, its matches and its run history. With `remove_data`, also the
/// sales and returns it imported; the hourly totals of the hours they touched are rebuilt
/// from whatever facts remain there (another integration's), or deleted when none remain. A
/// manually edited hour is kept as edited. Without, the facts and totals stay as they are,
/// their `integration_id` negated so that no later integration is taken for their source.
pub async fn delete(
    db: &Db,
    tenant: TenantId,
    id: i64,
    remove_data: bool,
) -> sqlx::Result<Option<Removed>> {
    let mut tx = db.pool.begin().await?;
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM integrations WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_none() {
        return Ok(None);
    }
    let removed = if remove_data {
        remove_facts(&mut tx, tenant, id).await?
    } else {
        // Kept facts are detached: SQLite may give a deleted integration's id to the next
        // one, which must never claim (or later remove) them. `-id` still says where they
        // came from.
        detach_facts(&mut tx, tenant, id).await?;
        Removed::default()
    };
    for sql in [
        "DELETE FROM integration_locations WHERE tenant_id = $1 AND integration_id = $2",
        "DELETE FROM import_runs WHERE tenant_id = $1 AND integration_id = $2",
        "DELETE FROM integrations WHERE tenant_id = $1 AND id = $2",
    ] {
        sqlx::query(sql)
            .bind(tenant.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Some(removed))
}

/// Removes an integration's facts and the hours they filled (except edited ones); hours
/// that other facts still fill come back, recomputed from those facts.
async fn remove_facts(
    tx: &mut Transaction<'_, Any>,
    tenant: TenantId,
    id: i64,
) -> sqlx::Result<Removed> {
    let mut removed = Removed::default();
    let locations: Vec<i64> = sqlx::query_scalar(
        "SELECT location_id FROM sales WHERE tenant_id = $1 AND integration_id = $2
         UNION SELECT location_id FROM returns WHERE tenant_id = $1 AND integration_id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    removed.hourly_rows_deleted = sqlx::query(
        "DELETE FROM hourly_totals WHERE tenant_id = $1 AND edited = 0
           AND (location_id, local_date, hour) IN (
             SELECT location_id, local_date, local_hour FROM sales
              WHERE tenant_id = $1 AND integration_id = $2
             UNION
             SELECT location_id, local_date, local_hour FROM returns
              WHERE tenant_id = $1 AND integration_id = $2)",
    )
    .bind(tenant.0)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    removed.sales = sqlx::query("DELETE FROM sales WHERE tenant_id = $1 AND integration_id = $2")
        .bind(tenant.0)
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    removed.returns =
        sqlx::query("DELETE FROM returns WHERE tenant_id = $1 AND integration_id = $2")
            .bind(tenant.0)
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    for location in locations {
        recompute_hours(tx, tenant, location).await?;
    }
    Ok(removed)
}

/// Fills a location's missing hours again from the facts it still has.
async fn recompute_hours(
    tx: &mut Transaction<'_, Any>,
    tenant: TenantId,
    location: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross,
            discounts, returns, net, transactions, items, edited, sales_transactions)
         SELECT $1, $2, f.local_date, f.local_hour, SUM(f.gross), SUM(f.discounts),
            SUM(f.returns), SUM(f.gross) - SUM(f.discounts) - SUM(f.returns),
            SUM(f.tx), SUM(f.items), 0, SUM(f.sale)
         FROM (
            SELECT local_date, local_hour, gross, discounts, 0 AS returns,
                is_transaction AS tx, items, is_transaction AS sale
              FROM sales WHERE tenant_id = $1 AND location_id = $2
            UNION ALL
            SELECT local_date, local_hour, gross, discounts, returns, is_transaction, -items,
                0
              FROM returns WHERE tenant_id = $1 AND location_id = $2
         ) f
         GROUP BY f.local_date, f.local_hour
         ON CONFLICT (tenant_id, location_id, local_date, hour) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(location)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks an integration's kept facts as coming from a deleted integration (`-id`).
async fn detach_facts(
    tx: &mut Transaction<'_, Any>,
    tenant: TenantId,
    id: i64,
) -> sqlx::Result<()> {
    for table in ["sales", "returns"] {
        sqlx::query(&format!(
            "UPDATE {table} SET integration_id = -integration_id
             WHERE tenant_id = $1 AND integration_id = $2"
        ))
        .bind(tenant.0)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// One integration's sealed credentials, for the start-up check that the key file opens them.
#[derive(Debug, Clone, FromRow)]
pub struct SealedRow {
    pub tenant_id: i64,
    pub id: i64,
    pub credentials_enc: String,
}

/// Every stored credential of every tenant. Only the start-up key check reads across tenants:
/// the key is the operator's, shared by all of them.
pub async fn sealed_credentials_of_every_tenant(db: &Db) -> sqlx::Result<Vec<SealedRow>> {
    sqlx::query_as::<_, SealedRow>(
        "SELECT tenant_id, id, credentials_enc FROM integrations
         WHERE credentials_enc <> '' ORDER BY tenant_id, id",
    )
    .fetch_all(&db.pool)
    .await
}

/// After an operator chose to start with a new key: the integration's credentials can no
/// longer be read, so a running one stops and says why.
pub async fn mark_credentials_unreadable(
    db: &Db,
    tenant: TenantId,
    id: i64,
    reason: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE integrations SET status = CASE WHEN status = 'active' THEN 'attention'
                ELSE status END,
            status_reason = $3, next_run_at = CASE WHEN status = 'active' THEN NULL
                ELSE next_run_at END, updated_at = $4
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(reason)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The tenant's integrations importing at this instant: a worker holds the lease and the run
/// it started is recorded as running (a crashed worker's run stays "running" but its lease
/// runs out).
pub async fn running(db: &Db, tenant: TenantId, at: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar::<_, i64>(
        "SELECT i.id FROM integrations i
         WHERE i.tenant_id = $1 AND i.status = 'active' AND i.lease_until > $2
           AND EXISTS (SELECT 1 FROM import_runs r
                       WHERE r.tenant_id = i.tenant_id AND r.integration_id = i.id
                         AND r.outcome = 'running')
         ORDER BY i.id",
    )
    .bind(tenant.0)
    .bind(at)
    .fetch_all(&db.pool)
    .await
}

/// "Test the connection" found that Shopify refuses what imports need (the credentials, the
/// store, a scope): a running integration stops at once and says why, as a refused import
/// would, instead of looking healthy until its next run fails.
pub async fn stop_after_failed_test(
    db: &Db,
    tenant: TenantId,
    id: i64,
    reason: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE integrations SET status = 'attention', status_reason = $3, next_run_at = NULL,
            updated_at = $4
         WHERE tenant_id = $1 AND id = $2 AND status IN ('active', 'attention')",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(reason)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// "Test the connection" succeeded with the stored credentials: an integration that needed
/// attention is active again and catches up at once. True when it was in attention.
pub async fn resume_after_successful_test(
    db: &Db,
    tenant: TenantId,
    id: i64,
) -> sqlx::Result<bool> {
    let at = now();
    let done = sqlx::query(
        "UPDATE integrations SET status = 'active', status_reason = '', next_run_at = $3,
            run_requested = 'catch_up', updated_at = $3
         WHERE tenant_id = $1 AND id = $2 AND status = 'attention'",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(at)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
