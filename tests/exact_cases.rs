//! Exact on shops never seen before (DOMAIN.md's sharper rules), through the worker and the
//! database on both back ends: each case the simulator generates (tax inclusion per order,
//! tax-inclusive returns, returns taken at one store and restocked at another, at the
//! warehouse or not at all, refunds without `createdAt`) is imported to the cent, hour by
//! hour and day by day; a disabled store keeps its past; an unreadable order is named, marked
//! on the pages, and counted once it can be read.
mod common;
mod worker_support;

use chrono::{Duration, NaiveDate, Utc};
use common::sim::six;
use common::{TestApp, date};
use reqwest::StatusCode;
use tmas::db::imports::Outcome;
use tmas::domain::account::{Plan, Role};
use tmas::domain::facts::HourlyTotals;
use tmas::sim::{
    ALL_ORDERS_SCOPE, EXAMPLES_SHOP, LineSpec, OrderSpec, RefundLineSpec, RefundSpec, STORE_01,
    STORE_02, ShopSpec, SimConfig, SimHandle, SimShop,
};
use tmas::worker;
use worker_support::*;

backend_tests!(
    domain_md_worked_examples_through_the_worker,
    every_case_imports_exactly_hour_by_hour_and_day_by_day,
    a_disabled_store_keeps_its_past_and_the_others_stay_exact,
    an_unreadable_order_is_named_marked_and_counted_once_readable,
);

/// A generated shop, rate limit off: `taxes_included` shops hold 19 % VAT in their prices.
async fn shop_sim(name: &str, taxes_included: bool, days: u32, seed: u64) -> SimHandle {
    let mut config = common::one_shop(name, days, 40, seed);
    config.examples = false;
    if taxes_included {
        let mut spec = ShopSpec::new(name, chrono_tz::Europe::Berlin, "EUR", common::end_date());
        spec.days = days;
        spec.orders_per_day = 40;
        spec.taxes_included = true;
        spec.tax_rate_bp = 1900;
        config.shops = vec![spec];
    }
    let sim = tmas::sim::spawn(config).await;
    sim.update_faults(name, |f| f.unlimited = true)
        .expect("shop exists");
    sim
}

/// Asserts that the generated history holds every case DOMAIN.md's sharper rules are about,
/// so that an exact import proves each of them.
fn assert_every_case(shop: &SimShop) {
    let pos = || {
        shop.orders
            .iter()
            .filter(|o| o.location_id.is_some() && !o.test)
    };
    let warehouse = shop
        .locations
        .iter()
        .find(|l| l.name == "Warehouse")
        .expect("a warehouse")
        .id;
    let refunds = || {
        pos()
            .flat_map(|o| o.refunds.iter().map(move |r| (o, r)))
            .filter(|(_, r)| !r.lines.is_empty())
    };
    let till = |r: &tmas::sim::SimRefund| {
        r.transactions
            .iter()
            .find(|t| t.kind == "REFUND" && t.status == "SUCCESS")
            .and_then(|t| t.location_id)
    };
    let name = &shop.name;
    assert!(
        pos().any(|o| o.taxes_included != shop.taxes_included),
        "{name}: an order whose tax inclusion differs from the shop's"
    );
    assert!(
        refunds().any(|(o, _)| o.taxes_included),
        "{name}: a return of an order whose prices include tax"
    );
    assert!(
        refunds().any(|(o, r)| till(r).is_some()
            && till(r) != o.location_id
            && r.lines
                .iter()
                .any(|l| l.location_id.is_some() && l.location_id != till(r))),
        "{name}: a return taken at one store and restocked at another place"
    );
    assert!(
        refunds().any(|(o, r)| till(r).is_some_and(|t| Some(t) != o.location_id)
            && r.lines.iter().all(|l| l.location_id == Some(warehouse))),
        "{name}: a return taken at another store and restocked at the warehouse"
    );
    assert!(
        refunds().any(|(o, r)| till(r).is_some_and(|t| Some(t) != o.location_id)
            && r.lines.iter().all(|l| l.location_id.is_none())),
        "{name}: a return taken at another store and not restocked"
    );
    assert!(
        refunds().any(|(_, r)| r.transactions.is_empty()),
        "{name}: a return whose restock location decides"
    );
    assert!(
        refunds().any(|(_, r)| r.created_at.is_none()),
        "{name}: a refund without createdAt"
    );
    assert!(
        refunds().any(|(_, r)| {
            let places: std::collections::BTreeSet<_> = r
                .transactions
                .iter()
                .filter(|t| t.status == "SUCCESS")
                .filter_map(|t| t.location_id)
                .collect();
            places.len() > 1
        }),
        "{name}: a refund paid back at two tills"
    );
    assert!(
        refunds().any(|(_, r)| r.transactions.iter().any(|t| t.status != "SUCCESS")),
        "{name}: a failed refund transaction"
    );
}

/// The sales transactions stored for a Shopify location's hour.
async fn sales_transactions(app: &TestApp, c: &Connected, store: i64, day: &str, hour: i64) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT h.sales_transactions FROM hourly_totals h
         JOIN integration_locations il ON il.tenant_id = h.tenant_id
              AND il.location_id = h.location_id
         WHERE h.tenant_id = $1 AND il.integration_id = $2 AND il.shopify_location_id = $3
           AND h.local_date = $4 AND h.hour = $5",
    )
    .bind(c.tenant.0)
    .bind(c.integration)
    .bind(store.to_string())
    .bind(day)
    .bind(hour)
    .fetch_one(&app.db.pool)
    .await
    .expect("sales transactions")
}

/// DOMAIN.md's worked examples A–F, and G (prices with tax included, returned at another
/// store's till, a refund without `createdAt`), imported by the worker into the database.
async fn domain_md_worked_examples_through_the_worker(app: TestApp) {
    let sim = tmas::sim::spawn(SimConfig::examples_only().grant_everywhere(ALL_ORDERS_SCOPE)).await;
    let state = worker_state(&app, &sim);
    let tenant = app.create_tenant("Examples", Plan::Retail).await;
    let c = connect_tenant(
        &app.db,
        &sim,
        tenant,
        EXAMPLES_SHOP,
        &state.secret_key,
        "2026-02-01",
    )
    .await;
    worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    let hours = stored_totals(&app.db, &c).await;
    let days = stored_days(&app.db, &c).await;
    let h = |loc, d, hour| six(hours.get(&(loc, d, hour)));
    let day = |loc, d| six(days.get(&(loc, d)));
    // A: the sale.
    assert_eq!(
        h(STORE_01, date(2026, 3, 2), 10),
        (5200, 520, 0, 4680, 1, 3)
    );
    // B: the return at STORE-02, not restocked, placed by its transaction.
    assert_eq!(
        h(STORE_02, date(2026, 3, 4), 16),
        (0, 0, 1800, -1800, 1, -1)
    );
    assert_eq!(day(STORE_01, date(2026, 3, 4)), (0, 0, 0, 0, 0, 0));
    // C: what is left out leaves STORE-01's day as A made it.
    assert_eq!(day(STORE_01, date(2026, 3, 2)), (5200, 520, 0, 4680, 1, 3));
    // D: the night clocks go back.
    assert_eq!(h(STORE_01, date(2026, 11, 1), 1), (2500, 0, 0, 2500, 2, 2));
    assert_eq!(h(STORE_01, date(2026, 11, 1), 23), (700, 0, 0, 700, 1, 1));
    // E: the cancelled order nets to zero over its day.
    assert_eq!(h(STORE_01, date(2026, 3, 5), 11), (8000, 0, 0, 8000, 1, 1));
    assert_eq!(
        h(STORE_01, date(2026, 3, 5), 15),
        (0, 0, 8000, -8000, 1, -1)
    );
    assert_eq!(day(STORE_01, date(2026, 3, 5)), (8000, 0, 8000, 0, 2, 0));
    // Sales transactions leave returns out: the sale's hour has one, the cancellation's none,
    // and so does B's return at another store; D's night holds two sales.
    for (store, day, hour, sales) in [
        (STORE_01, "2026-03-02", 10, 1),
        (STORE_02, "2026-03-04", 16, 0),
        (STORE_01, "2026-03-05", 11, 1),
        (STORE_01, "2026-03-05", 15, 0),
        (STORE_01, "2026-11-01", 1, 2),
    ] {
        assert_eq!(
            sales_transactions(&app, &c, store, day, hour).await,
            sales,
            "{store} {day} {hour}:00"
        );
    }
    // G: tax-inclusive prices; the return is net of its tax, at STORE-01's till, at
    // `processedAt` since `createdAt` is null.
    assert_eq!(
        h(STORE_02, date(2026, 3, 6), 12),
        (3013, 113, 0, 2900, 1, 2)
    );
    assert_eq!(
        h(STORE_01, date(2026, 3, 7), 14),
        (0, 0, 2000, -2000, 1, -1)
    );
    assert_exact(&app.db, &sim, &c, "examples").await;
    assert_days_exact(&app.db, &sim, &c, &c.shop).await;
    // F: read twice, nothing changes.
    queue_history(
        &app.db,
        &c,
        chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
    )
    .await;
    worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(stored_totals(&app.db, &c).await, hours);
    assert_eq!(stored_days(&app.db, &c).await, days);
}

/// Two tenants, one with a tax-inclusive EUR shop and one with a CAD shop without tax in
/// its prices: each history holds every case, and every hourly and daily row is exact.
async fn every_case_imports_exactly_hour_by_hour_and_day_by_day(app: TestApp) {
    for (name, taxes_included, seed) in [("vat", true, 31), ("plain", false, 32)] {
        let sim = shop_sim(name, taxes_included, 60, seed).await;
        assert_every_case(&sim.shop_model(name).expect("shop"));
        let state = worker_state(&app, &sim);
        let c = connect(
            &app,
            &sim,
            &format!("Tenant {name}"),
            name,
            &state.secret_key,
        )
        .await;
        drain_ok(&state, &fast_worker()).await;
        assert_exact(&app.db, &sim, &c, name).await;
        assert_days_exact(&app.db, &sim, &c, &c.shop).await;
    }
}

fn one_line(unit_price: i64) -> Vec<LineSpec> {
    vec![LineSpec {
        quantity: 2,
        unit_price,
        gift_card: false,
        discount: 0,
    }]
}

fn sale(store: i64, at: chrono::DateTime<Utc>, unit_price: i64) -> OrderSpec {
    OrderSpec {
        location_id: Some(store),
        channel: tmas::sim::Channel::Pos,
        test: false,
        processed_at: at,
        lines: one_line(unit_price),
        taxes_included: None,
    }
}

/// One unit of an order's first line back, its money given back at `till`, restocked at
/// `restock`.
fn back(at: chrono::DateTime<Utc>, till: i64, restock: Option<i64>) -> RefundSpec {
    RefundSpec {
        at,
        location_id: restock,
        lines: vec![RefundLineSpec {
            line_index: 0,
            quantity: 1,
        }],
        till_location_id: Some(till),
        created_at_null: false,
    }
}

fn rows_of(totals: &Totals, store: i64) -> Vec<((i64, NaiveDate, u32), HourlyTotals)> {
    totals
        .iter()
        .filter(|((l, _, _), _)| *l == store)
        .map(|(k, v)| (*k, *v))
        .collect()
}

/// Import, disable a store, let sales and returns touching it arrive (a sale there; a
/// return there of a sale elsewhere; a return elsewhere of a sale there; an order sold
/// elsewhere whose return there was imported before, read again), "Import now": the disabled
/// store's numbers are the ones it had, and every other store's are exact.
async fn a_disabled_store_keeps_its_past_and_the_others_stay_exact(app: TestApp) {
    let sim = shop_sim("quiet", false, 10, 12).await;
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Quiet", "quiet", &state.secret_key).await;
    let stores: Vec<i64> = c.locations.keys().copied().collect();
    let (disabled, other) = (stores[0], stores[1]);
    let hours_ago = |h| Utc::now() - Duration::hours(h);

    // Before the store is disabled: sold at the other store, returned at this one.
    let returned_here = sim
        .add_order("quiet", &sale(other, hours_ago(30), 4000))
        .expect("order");
    sim.add_refund("quiet", returned_here, &back(hours_ago(29), disabled, None))
        .expect("refund");
    // And sold at this store, to be returned elsewhere later.
    let sold_here = sim
        .add_order("quiet", &sale(disabled, hours_ago(28), 3000))
        .expect("order");
    worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_exact(&app.db, &sim, &c, "before disabling").await;
    let before = stored_totals(&app.db, &c).await;
    assert!(
        rows_of(&before, disabled)
            .iter()
            .any(|(_, t)| t.returns == 4000 && t.transactions == 1 && t.items == -1),
        "the return at the store is imported"
    );

    sqlx::query(
        "UPDATE integration_locations SET enabled = 0
         WHERE tenant_id = $1 AND integration_id = $2 AND shopify_location_id = $3",
    )
    .bind(c.tenant.0)
    .bind(c.integration)
    .bind(disabled.to_string())
    .execute(&app.db.pool)
    .await
    .expect("disable");

    // The order returned at the disabled store is read again (another return, at the other
    // store, updates it).
    sim.add_refund(
        "quiet",
        returned_here,
        &back(hours_ago(5), other, Some(other)),
    )
    .expect("refund");
    // The order sold at the disabled store comes back at the other store.
    sim.add_refund("quiet", sold_here, &back(hours_ago(4), other, None))
        .expect("refund");
    // A new sale at the disabled store, and one at the other store returned at the disabled
    // one.
    sim.add_order("quiet", &sale(disabled, hours_ago(3), 2500))
        .expect("order");
    let elsewhere = sim
        .add_order("quiet", &sale(other, hours_ago(3), 1500))
        .expect("order");
    sim.add_refund(
        "quiet",
        elsewhere,
        &back(hours_ago(2), disabled, Some(disabled)),
    )
    .expect("refund");
    // A cancellation of the order sold at the disabled store returns the rest there: not
    // imported either.
    sim.cancel_order("quiet", sold_here, hours_ago(1))
        .expect("cancel");

    queue_now(&app.db, &c).await;
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert!(reports.iter().all(|r| r.outcome == Outcome::Succeeded));

    let after = stored_totals(&app.db, &c).await;
    let expected = sim.expected_totals("quiet").expect("shop").buckets;
    assert_eq!(
        rows_of(&after, disabled),
        rows_of(&before, disabled),
        "the disabled store keeps its numbers, and gets no new ones"
    );
    assert_ne!(
        rows_of(&expected, disabled),
        rows_of(&before, disabled),
        "things did happen at the disabled store"
    );
    for store in stores.iter().filter(|s| **s != disabled) {
        assert_eq!(
            rows_of(&after, *store),
            rows_of(&expected, *store),
            "store {store} is exact"
        );
    }
    // Reading everything again changes nothing.
    queue_history(
        &app.db,
        &c,
        chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap(),
    )
    .await;
    worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(stored_totals(&app.db, &c).await, after);
}

/// An order Shopify sends with a value TMAS cannot read: the run goes on with the others and
/// says which order and which field; the imports page lists it and the report marks every
/// hour it would have touched; once it can be read, the next run counts it (without it
/// having changed in Shopify) and the marks go.
async fn an_unreadable_order_is_named_marked_and_counted_once_readable(app: TestApp) {
    let sim = shop_sim("mixed", false, 10, 14).await;
    let state = worker_state(&app, &sim);
    let tenant = app.signed_in("Mixed", Plan::Retail, Role::Admin).await;
    let c = connect_tenant(
        &app.db,
        &sim,
        tenant,
        "mixed",
        &state.secret_key,
        "2026-08-01",
    )
    .await;
    // A POS order sold at one store and returned at another's till.
    let stores: Vec<i64> = c.locations.keys().copied().collect();
    let sold = Utc::now() - Duration::hours(50);
    let id = sim
        .add_order("mixed", &sale(stores[0], sold, 3500))
        .expect("order");
    sim.add_refund(
        "mixed",
        id,
        &back(sold + Duration::hours(26), stores[1], None),
    )
    .expect("refund");
    let broken = sim
        .shop_model("mixed")
        .expect("shop")
        .orders
        .into_iter()
        .find(|o| o.id == id)
        .expect("the order");
    sim.set_garbled("mixed", broken.id, true).expect("order");

    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(reports.len(), 1);
    let run = &reports[0];
    assert_eq!(run.outcome, Outcome::Succeeded, "{}", run.error);
    let name = format!("#{}", broken.number);
    assert!(
        run.error.contains(&name)
            && run
                .error
                .contains(&format!("gid://shopify/Order/{}", broken.id))
            && run.error.contains("unit price"),
        "the run names the order and the field: {}",
        run.error
    );

    // Every hour the order does not touch is exact; the ones it touches miss it.
    let tz = sim.time_zone("mixed").expect("shop");
    let hour_of = |loc: i64, at: chrono::DateTime<Utc>| {
        let local = at.with_timezone(&tz);
        (loc, local.date_naive(), chrono::Timelike::hour(&local))
    };
    let home = broken.location_id.expect("a store");
    let mut touched = vec![hour_of(home, broken.processed_at)];
    for r in broken.refunds.iter().filter(|r| !r.lines.is_empty()) {
        let till = r.transactions[0].location_id.unwrap_or(home);
        touched.push(hour_of(till, r.when()));
    }
    let expected = sim.expected_totals("mixed").expect("shop").buckets;
    let stored = stored_totals(&app.db, &c).await;
    for key in expected.keys().chain(stored.keys()) {
        if !touched.contains(key) {
            assert_eq!(expected.get(key), stored.get(key), "{key:?}");
        }
    }
    assert_ne!(stored.get(&touched[0]), expected.get(&touched[0]));

    // The imports page names it.
    let imports = format!("/admin/integrations/{}/imports", c.integration);
    let (code, page) = app.browser().text(&imports).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        page.contains("Some orders could not be counted") && page.contains(&name),
        "{page}"
    );
    // Shopify's id and the reading error wait behind "Details for support".
    let shown = page.split("<details>").next().unwrap_or_default();
    assert!(
        page.contains("<summary>Details for support</summary>") && !shown.contains("gid://"),
        "{page}"
    );
    // The report marks each hour it would have touched, at each store.
    for (loc, date, hour) in &touched {
        let tmas_id = c.locations[loc];
        let code_name: String = sqlx::query_scalar(
            "SELECT location_id FROM locations WHERE tenant_id = $1 AND id = $2",
        )
        .bind(c.tenant.0)
        .bind(tmas_id)
        .fetch_one(&app.db.pool)
        .await
        .expect("location");
        let (code, page) = app
            .browser()
            .text(&format!(
                "/reports/totals?preset=custom&from={date}&to={date}&granularity=hour"
            ))
            .await;
        assert_eq!(code, StatusCode::OK);
        assert!(
            page.contains("Some sales could not be counted")
                && page.contains(&format!("{code_name} · "))
                && page.contains(&format!(
                    "{} {hour:02}:00",
                    tmas::i18n::format_weekday_date(tmas::i18n::Lang::En, *date)
                )),
            "hour {date} {hour} at {code_name} is marked: {page}"
        );
    }
    // Another tenant sees none of it.
    app.signed_in("Other", Plan::Retail, Role::Admin).await;
    let date = touched[0].1;
    let (_, other) = app
        .browser()
        .text(&format!(
            "/reports/totals?preset=custom&from={date}&to={date}&granularity=hour"
        ))
        .await;
    assert!(!other.contains("Some sales could not be counted"));

    // Readable again, unchanged in Shopify: the next run reads it by id and counts it.
    sim.set_garbled("mixed", broken.id, false).expect("order");
    queue_now(&app.db, &c).await;
    drain_ok(&state, &fast_worker()).await;
    assert_exact(&app.db, &sim, &c, "once the order can be read").await;
    let unreadable: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM unreadable_order_hours WHERE tenant_id = $1")
            .bind(c.tenant.0)
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
    assert_eq!(unreadable, 0);
}
