//! Simulator helpers shared by the integration tests: a simulator on a free port and a client for it.

use chrono::{Duration, NaiveDate, Utc};
use tmas::shopify::{ClientConfig, Credentials, RetryPolicy, ShopifyClient, TimeWindow};
use tmas::sim::{ALL_ORDERS_SCOPE, Plan, ShopSpec, SimConfig, SimHandle};

pub fn end_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date")
}

/// One generated shop named `name`, plus the examples shop, with the `read_all_orders` scope
/// granted everywhere so that the whole history (older than 60 days too) can be read.
pub fn one_shop(name: &str, days: u32, orders_per_day: u32, seed: u64) -> SimConfig {
    let mut spec = ShopSpec::new(name, chrono_tz::America::Toronto, "CAD", end_date());
    spec.days = days;
    spec.orders_per_day = orders_per_day;
    spec.plan = Plan::Basic;
    let mut config = SimConfig::examples_only();
    config.seed = seed;
    config.shops = vec![spec];
    config.grant_everywhere(ALL_ORDERS_SCOPE)
}

pub fn client_config(sim: &SimHandle) -> ClientConfig {
    ClientConfig {
        base_url: sim.base_url(),
        retry: RetryPolicy::fast(),
        request_timeout: std::time::Duration::from_secs(10),
        ..ClientConfig::default()
    }
}

pub fn client(sim: &SimHandle, shop: &str) -> ShopifyClient {
    let token = sim.token(shop).expect("shop exists");
    ShopifyClient::new(&client_config(sim), shop, Credentials::AccessToken(token))
        .expect("valid client config")
}

/// A window that holds everything the simulator generated or will add during a test.
pub fn everything() -> TimeWindow {
    TimeWindow {
        from: Utc::now() - Duration::days(3650),
        to: Utc::now() + Duration::days(3650),
    }
}
