//! `shopify-sim`: the Shopify simulator on its own (see `tmas::sim` for what it serves).

use std::net::SocketAddr;

use chrono::{NaiveDate, Utc};
use clap::Parser;
use tmas::sim::{Plan, Pricing, SimConfig, spawn_on};

const AFTER_HELP: &str = "\
Defaults:
  shops      alpha (America/Toronto, CAD, Basic plan: 2000-point bucket, 100 points/s),
             beta (Europe/Berlin, EUR, Advanced: 4000/200, prices include tax),
             gamma (Asia/Tokyo, JPY, Plus: 20000/1000), and the fixed `examples` shop
             holding DOMAIN.md's worked examples A-E (America/Toronto, CAD, Basic)
  token      shpat_sim_<shop> for each shop (X-Shopify-Access-Token)
  client     ID sim-<shop>-id, secret sim-<shop>-secret
  scopes     read_orders, read_locations (without read_all_orders the orders query returns
             only orders created in the last 60 days, as Shopify does; see --scopes)

Shopify paths, per shop:
  POST /<shop>/admin/api/<YYYY-MM>/graphql.json
                                          each document is validated against Shopify's
                                          Admin API schema (the version compiled into TMAS)
                                          and refused with Shopify's errors (undefinedField,
                                          missingRequiredArguments, ...); root fields shop,
                                          locations, orders, order(id:), refund(id:); only
                                          the selected fields are answered; each query is
                                          priced from the schema as Shopify does (object 1,
                                          connection 2 + first x node, nested sizes multiply,
                                          pageInfo 1 or 0: --page-info-cost) and refused
                                          above 1000 points (MAX_COST_EXCEEDED); answers say
                                          their version in X-Shopify-API-Version
  GET  /<shop>/admin/oauth/access_scopes.json
  POST /<shop>/admin/oauth/access_token    (grant_type=client_credentials)

Control paths:
  GET  /_sim/shops                        shops, plans, time zones, locations
  GET  /_sim/<shop>/expected              expected totals per location, local date, hour
                                          (?view=visible: only orders the app can read)
  GET|POST /_sim/<shop>/scopes            the app's scopes, {\"scopes\":[\"read_orders\",…]}
  GET  /_sim/<shop>/stats                 requests, throttles, points spent, refunds
                                          served with their details (by id, in orders)
  GET|POST /_sim/<shop>/faults            faults as JSON, e.g.
       {\"throttled_next\":5,\"too_many_requests_next\":5,\"retry_after_secs\":1.0,
        \"server_error_rate\":0.2,\"cut_rate\":0.05,\"malformed_rate\":0.05,\"delay_ms\":0,
        \"revoked\":false,\"locked\":false,\"frozen\":false,\"inactive\":false,
        \"missing_scopes\":[\"read_orders\"],\"forbidden_scope\":null,\"unlimited\":false,
        \"no_deprecated_money\":false}  (true: the deprecated Money scalars of refund lines
                                          and transactions are refused as undefinedField)
  GET|POST /_sim/<shop>/pricing           {\"page_info_cost\":1,\"cost_factor\":1.0}
  GET|POST /_sim/<shop>/api_version       {\"answer\":\"2026-07\"} (null: the version asked)
  POST /_sim/<shop>/expire_tokens         expire client-credentials tokens now
  POST /_sim/<shop>/orders                {\"location_id\":N,\"processed_at\":\"…Z\",
                                           \"lines\":[{\"quantity\":1,\"unit_price\":2000}]}
  POST /_sim/<shop>/orders/<id>/refunds   {\"at\":\"…Z\",\"location_id\":N,
                                           \"lines\":[{\"line_index\":0,\"quantity\":1}]}
  POST /_sim/<shop>/orders/<id>/cancel    {\"at\":\"…Z\"}
  POST /_sim/<shop>/orders/<id>/exchanges {\"at\":\"…Z\",\"location_id\":N,
                                           \"returned\":[{\"line_index\":0,\"quantity\":1}],
                                           \"given\":[{\"quantity\":1,\"unit_price\":6000}],
                                           \"restock_location_id\":N,\"fee\":0}
  POST /_sim/<shop>/orders/<id>/edits     {\"at\":\"…Z\",\"add\":[…],\"remove\":[…],
                                           \"discounts\":[{\"line_index\":0,\"amount\":500}]}";

/// Serves generated Shopify shops with the Admin API's paths, payloads, pagination,
/// authentication, scopes, cost-based rate limits and errors.
#[derive(Parser, Debug)]
#[command(name = "shopify-sim", version, after_help = AFTER_HELP)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9900", env = "SHOPIFY_SIM_BIND")]
    bind: SocketAddr,
    /// Seed of the generated history (same seed, same shops).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Generated shops to serve, comma-separated (names from the defaults, or new names,
    /// which get the Basic plan in America/Toronto).
    #[arg(long, value_delimiter = ',')]
    shops: Option<Vec<String>>,
    /// Access token for every shop instead of shpat_sim_<shop>.
    #[arg(long)]
    token: Option<String>,
    /// Client ID for every shop.
    #[arg(long, requires = "client_secret")]
    client_id: Option<String>,
    /// Client secret for every shop.
    #[arg(long, requires = "client_id")]
    client_secret: Option<String>,
    /// Days of history, ending today.
    #[arg(long, default_value_t = 90)]
    days: u32,
    /// Average orders per day per shop (default: per shop, 30-60).
    #[arg(long)]
    orders_per_day: Option<u32>,
    /// Share of orders refunded after the sale, 0 to 1 (default 0.09: with the refunds of
    /// cancellations, about one order in ten has a refund).
    #[arg(long)]
    refund_rate: Option<f64>,
    /// Plan of every generated shop: basic, advanced or plus.
    #[arg(long)]
    plan: Option<String>,
    /// Scopes granted to the app on every shop, comma-separated, e.g.
    /// read_orders,read_locations,read_all_orders.
    #[arg(long, value_delimiter = ',')]
    scopes: Option<Vec<String>>,
    /// Lifetime of client-credentials tokens, in seconds.
    #[arg(long, default_value_t = 86_399)]
    token_lifetime: u64,
    /// Points for a selected pageInfo: 1 (priced as an object) or 0. Shopify does not
    /// document which; TMAS must work with both.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
    page_info_cost: u8,
    /// Multiplies every requested cost (rounded up), to play a Shopify that prices higher
    /// than TMAS's own count, e.g. 1.25.
    #[arg(long, default_value_t = 1.0)]
    cost_factor: f64,
    /// Answer every call as this API version (X-Shopify-API-Version), as Shopify does once
    /// the version asked for is retired. Default: the version asked.
    #[arg(long)]
    answer_api_version: Option<String>,
    /// Also generate POS exchanges, order edits and returns with a restocking fee (the
    /// rest of the history stays as without it).
    #[arg(long)]
    ledger_events: bool,
}

/// Shopify's scope handles: `read_…`, `write_…`, optionally `unauthenticated_`.
fn is_scope_handle(s: &str) -> bool {
    let rest = s.strip_prefix("unauthenticated_").unwrap_or(s);
    rest.strip_prefix("read_")
        .or_else(|| rest.strip_prefix("write_"))
        .is_some_and(|name| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let config = sim_config(&args)?;
    let pricing = Pricing {
        page_info_cost: args.page_info_cost,
        cost_factor: args.cost_factor,
    };
    pricing.check().map_err(|e| anyhow::anyhow!(e))?;
    let listener = tokio::net::TcpListener::bind(args.bind).await?;
    let handle = spawn_on(config, listener);
    for shop in handle.shop_names() {
        handle.set_pricing(&shop, pricing)?;
        handle.set_answer_version(&shop, args.answer_api_version.clone())?;
    }
    for shop in handle.shop_names() {
        println!(
            "shop {shop}: {} orders at http://{}/{shop}/admin/api/{}/graphql.json",
            handle.order_count(&shop)?,
            handle.addr,
            tmas::shopify::DEFAULT_API_VERSION
        );
    }
    println!("shopify-sim listening on http://{}", handle.addr);
    tokio::signal::ctrl_c().await?;
    handle.shutdown();
    Ok(())
}

/// The simulator's shops, their options, the app's scopes and credentials, from the
/// command line.
fn sim_config(args: &Args) -> anyhow::Result<SimConfig> {
    let today = Utc::now().date_naive();
    let mut config = SimConfig::with_defaults(args.seed, args.days, today);
    if let Some(names) = &args.shops {
        select_shops(&mut config, names, args.days, today);
    }
    if let Some(r) = args.refund_rate.filter(|r| !(0.0..=1.0).contains(r)) {
        anyhow::bail!("--refund-rate is a share of orders from 0 to 1, not {r}");
    }
    let plan = match &args.plan {
        Some(p) => Some(Plan::parse(p).ok_or_else(|| anyhow::anyhow!("unknown plan `{p}`"))?),
        None => None,
    };
    for spec in &mut config.shops {
        if let Some(n) = args.orders_per_day {
            spec.orders_per_day = n;
        }
        if let Some(p) = plan {
            spec.plan = p;
        }
        if let Some(r) = args.refund_rate {
            spec.refund_rate = r;
        }
        if args.ledger_events {
            *spec = spec.clone().with_ledger_events();
        }
    }
    if let Some(scopes) = &args.scopes {
        config.scopes = scopes
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if let Some(bad) = config.scopes.iter().find(|s| !is_scope_handle(s)) {
            anyhow::bail!(
                "`{bad}` is not an access scope: scopes look like read_orders or write_products"
            );
        }
    }
    config.token = args.token.clone();
    config.client_id = args.client_id.clone();
    config.client_secret = args.client_secret.clone();
    config.token_lifetime = std::time::Duration::from_secs(args.token_lifetime);
    Ok(config)
}

/// Keeps only the shops named (a default shop's spec, else a new one in Toronto); the
/// examples shop when named, or when no shop is.
fn select_shops(config: &mut SimConfig, names: &[String], days: u32, today: NaiveDate) {
    let defaults = std::mem::take(&mut config.shops);
    for name in names
        .iter()
        .filter(|n| n.as_str() != tmas::sim::EXAMPLES_SHOP)
    {
        let spec = defaults
            .iter()
            .find(|s| &s.name == name)
            .cloned()
            .unwrap_or_else(|| {
                let mut s =
                    tmas::sim::ShopSpec::new(name, chrono_tz::America::Toronto, "CAD", today);
                s.days = days;
                s
            });
        config.shops.push(spec);
    }
    config.examples = names.iter().any(|n| n == tmas::sim::EXAMPLES_SHOP) || names.is_empty();
}
