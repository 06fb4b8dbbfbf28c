//! `tmas demo`: the whole product at once. Starts the Shopify simulator in the process, sets
//! up a demo tenant on the retail plan with three locations matched to a simulated shop with
//! 90 days of history, prints an admin and a manager login, and serves with the worker
//! importing, so the dashboard and reports fill within a minute; door counters
//! (`demo_traffic`) count the visitors beside the imported sales.

use anyhow::Context;
use chrono::Utc;
use rand::RngExt;
use tokio::net::TcpListener;

use crate::config::Settings;
use crate::crypto::StoredCredentials;
use crate::db::{self, Db, TenantId};
use crate::domain::account::{Plan, Role};
use crate::domain::integration::RunRequest;
use crate::domain::location::LocationInput;
use crate::domain::store_name::StoreName;
use crate::shopify::{Credentials, ShopifyClient};
use crate::sim::{self, ShopSpec, SimConfig};

/// The simulated shop the demo tenant connects to.
const DEMO_SHOP: &str = "demo-outfitters";
const DEMO_TENANT: &str = "Demo Outfitters";
const DEMO_DAYS: u32 = 90;
const DEMO_SEED: u64 = 2026;
/// How many Shopify locations the demo matches.
const MATCHED: usize = 3;

pub async fn run(mut settings: Settings) -> anyhow::Result<()> {
    // A fresh demo every time, apart from the operator's own data.
    let dir = settings.data_dir.join("demo");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot reset the demo folder {}", dir.display()))?;
    }
    // Like serve and migrate: the data folder and the demo's own, for the service's user only.
    crate::private_files::create_dir(&settings.data_dir)?;
    crate::private_files::create_dir(&dir)?;
    settings.data_dir = dir.clone();
    settings.database_url = Some(format!("sqlite://{}/tmas.db", dir.display()));
    settings.secret_key_file = Some(dir.join("secret.key"));

    let today = Utc::now().date_naive();
    let mut spec = ShopSpec::new(DEMO_SHOP, chrono_tz::America::Toronto, "CAD", today);
    spec.days = DEMO_DAYS;
    spec.plan = sim::Plan::Plus;
    // A store's history as it really is: POS exchanges, edits and returns with a fee too.
    let spec = spec.with_ledger_events();
    let simulator = sim::spawn(
        SimConfig {
            shops: vec![spec],
            examples: false,
            ..SimConfig::with_defaults(DEMO_SEED, DEMO_DAYS, today)
        }
        // The demo integration holds 90 days of history and says so in its scopes.
        .grant_everywhere(sim::ALL_ORDERS_SCOPE)
        // And may read returns, so exchanges count where they happen.
        .grant_everywhere(sim::RETURNS_SCOPE),
    )
    .await;
    // Shopify prices each order at about 30 points, so even a Plus store's 1,000 points a
    // second would take minutes over 90 days. The demo's store answers without a rate limit
    // so that a newcomer sees the history within seconds; everything else is as Shopify.
    simulator
        .update_faults(DEMO_SHOP, |f| f.unlimited = true)
        .map_err(|e| anyhow::anyhow!("demo shop: {e}"))?;
    settings.shopify_url = simulator.base_url();

    let state = crate::startup::prepare(&settings).await?;
    let token = simulator
        .token(DEMO_SHOP)
        .map_err(|e| anyhow::anyhow!("demo shop: {e}"))?;
    let logins = set_up_tenant(&state.db, &settings, &state.secret_key, &token).await?;
    start_counters(&state.db, today).await?;

    let listener = TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    let address = listener.local_addr()?;
    println!("TMAS demo: http://{address}/");
    println!("Sign in with one of these demo users:");
    for (email, password) in &logins {
        println!("  email: {email} password: {password}");
    }
    println!(
        "The Shopify store {DEMO_SHOP:?} is simulated at http://{}/{DEMO_SHOP}; the worker is importing its {DEMO_DAYS} days of history now.",
        simulator.addr
    );
    crate::startup::serve(state, listener, true, crate::startup::shutdown_signal()).await
}

/// The demo's door counters (see `demo_traffic`): STORE-02's counter was down ten days ago.
async fn start_counters(db: &Db, today: chrono::NaiveDate) -> anyhow::Result<()> {
    let tenant = db::tenants::find_by_name(db, DEMO_TENANT)
        .await?
        .context("the demo tenant was just created")?
        .tenant_id();
    let down = db::locations::list(db, tenant)
        .await?
        .into_iter()
        .find(|l| l.location_id == "STORE-02")
        .map(|l| (l.id, today - chrono::Duration::days(10)));
    crate::demo_traffic::spawn(db.clone(), tenant, down);
    Ok(())
}

/// Creates the demo tenant, its users, locations and active integration; returns the logins.
async fn set_up_tenant(
    db: &Db,
    settings: &Settings,
    key: &[u8; 32],
    token: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let client = ShopifyClient::new(
        &crate::startup::shopify_client_config(settings),
        &StoreName::parse(DEMO_SHOP).map_err(anyhow::Error::msg)?,
        Credentials::AccessToken(token.to_string()),
    )?;
    let shop = client.shop().await?;
    let shopify_locations = client.locations().await?;

    let tenant = db::tenants::create(db, DEMO_TENANT, Plan::Retail, &shop.iana_timezone)
        .await?
        .tenant_id();
    let mut logins = Vec::new();
    for (email, role) in [
        ("admin@demo.example", Role::Admin),
        ("manager@demo.example", Role::Manager),
    ] {
        let password = demo_password();
        let hash = crate::password::hash(password.clone()).await?;
        db::users::create(db, email, &hash, role, Some(tenant), false).await?;
        logins.push((email.to_string(), password));
    }

    let credentials = StoredCredentials::AccessToken {
        access_token: token.to_string(),
    };
    let integration = create_integration(db, tenant, &shop, &credentials, key).await?;
    let active = shopify_locations
        .iter()
        .filter(|l| l.is_active)
        .take(MATCHED);
    for (n, shopify_location) in active.enumerate() {
        let input = LocationInput::parse(
            &shopify_location.name,
            &format!("STORE-{:02}", n + 1),
            &shop.iana_timezone,
            "active",
        )
        .map_err(|errors| anyhow::anyhow!("demo location: {errors:?}"))?;
        let location = db::locations::create(db, tenant, &input).await?;
        sqlx::query(
            "INSERT INTO integration_locations
                 (tenant_id, integration_id, location_id, shopify_location_id, shopify_location_name, enabled)
             VALUES ($1, $2, $3, $4, $5, 1)",
        )
        .bind(tenant.0)
        .bind(integration)
        .bind(location.id)
        .bind(shopify_location.legacy_id.to_string())
        .bind(&shopify_location.name)
        .execute(&db.pool)
        .await?;
    }
    Ok(logins)
}

/// An active integration whose first import (the whole history) is due now.
async fn create_integration(
    db: &Db,
    tenant: TenantId,
    shop: &crate::shopify::Shop,
    credentials: &StoredCredentials,
    key: &[u8; 32],
) -> anyhow::Result<i64> {
    let now = db::now();
    let backfill_from = (Utc::now().date_naive() - chrono::Duration::days(i64::from(DEMO_DAYS)))
        .format("%Y-%m-%d")
        .to_string();
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO integrations
             (tenant_id, label, store_name, credential_kind, credentials_enc, credentials_hint,
              status, wizard_step, shop_name, shop_currency, shop_time_zone, taxes_included, scopes,
              schedule_frequency, schedule_minute, schedule_hour, backfill_from, next_run_at,
              run_requested, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', 'done', $7, $8, $9, $10, $11,
                 'hourly', 2, 0, $12, $13, $14, $13, $13)
         RETURNING id",
    )
    .bind(tenant.0)
    .bind("Demo Outfitters POS")
    .bind(DEMO_SHOP)
    .bind(credentials.kind().as_str())
    .bind(credentials.seal(key)?)
    .bind(credentials.hint())
    .bind(&shop.name)
    .bind(&shop.currency_code)
    .bind(&shop.iana_timezone)
    .bind(i64::from(shop.taxes_included))
    .bind("read_orders,read_locations,read_all_orders,read_returns")
    .bind(backfill_from)
    .bind(now)
    .bind(RunRequest::Initial.as_str())
    .fetch_one(&db.pool)
    .await?;
    Ok(id)
}

/// A password that is easy to type from the terminal and strong enough to keep.
fn demo_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let body: String = (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("demo-{body}-7")
}
