//! Shopify's sales ledger as the source of the numbers, end to end through the worker and
//! the database on both back ends: DOMAIN.md's example G, every exchange, edit and
//! restocking-fee case the simulator generates imported to the cent hour by hour and day by
//! day (in bulk and page by page), exchanges and edits made after the first import picked
//! up by the next hourly run, and an order whose ledger does not add up listed for support.
mod common;
mod worker_support;

use chrono::{Duration, Utc};
use common::sim::six;
use common::{TestApp, date};
use tmas::domain::account::{Plan, Role};
use tmas::sim::{
    ALL_ORDERS_SCOPE, EXAMPLES_SHOP, EditSpec, ExchangeSpec, LateDiscountSpec, LineSpec, OrderSpec,
    RETURNS_SCOPE, RefundLineSpec, STORE_01, STORE_02, ShopSpec, SimConfig, SimHandle, SimShop,
};
use worker_support::*;

backend_tests!(
    example_g_an_exchange_at_another_store_through_the_worker,
    every_ledger_case_imports_exactly_in_bulk_and_page_by_page,
    exchanges_and_edits_after_the_first_import_change_exactly_their_hours,
    an_order_whose_ledger_does_not_add_up_is_counted_and_listed_for_support,
);

/// Every hourly row (through `assert_exact`) and every daily row equal the simulator's
/// expected totals, which it computes from the events it generated.
async fn assert_hours_and_days_exact(app: &TestApp, sim: &SimHandle, c: &Connected, context: &str) {
    assert_exact(&app.db, sim, c, context).await;
    assert_days_exact(&app.db, sim, c, context).await;
}

/// DOMAIN.md's example G: order A's second shirt exchanged at STORE-02 on 2026-03-09 at
/// 14:20 for a 60.00 jacket, the customer paying the difference, the shirt restocked there.
/// Read in bulk (the first import) and page by page (a worker without bulk), and read twice.
async fn example_g_an_exchange_at_another_store_through_the_worker(app: TestApp) {
    for (n, config) in [fast_worker(), paging_worker()].into_iter().enumerate() {
        let sim = tmas::sim::spawn(
            SimConfig::examples_only()
                .grant_everywhere(ALL_ORDERS_SCOPE)
                .grant_everywhere(RETURNS_SCOPE),
        )
        .await;
        sim.exchange(
            EXAMPLES_SHOP,
            tmas::sim::examples::ORDER_A,
            &tmas::sim::examples::example_g(),
        )
        .expect("exchange");
        let state = worker_state(&app, &sim);
        let tenant = app
            .create_tenant(&format!("Examples {n}"), Plan::Retail)
            .await;
        let c = connect_tenant(
            &app.db,
            &sim,
            tenant,
            EXAMPLES_SHOP,
            &state.secret_key,
            "2026-02-01",
        )
        .await;
        drain_ok(&state, &config).await;
        let hours = stored_totals(&app.db, &c).await;
        let h = |loc, d, hour| six(hours.get(&(loc, d, hour)));
        // The exchange: the jacket sold and the shirt returned at STORE-02, one visit.
        assert_eq!(
            h(STORE_02, date(2026, 3, 9), 14),
            (6000, 0, 1800, 4200, 1, 0),
            "run {n}"
        );
        // Order A's hour is unchanged: the jacket is not a sale of that day.
        assert_eq!(
            h(STORE_01, date(2026, 3, 2), 10),
            (5200, 520, 0, 4680, 1, 3),
            "run {n}"
        );
        assert_hours_and_days_exact(&app, &sim, &c, "example G").await;
        // F: read twice, nothing changes.
        queue_history(
            &app.db,
            &c,
            chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        )
        .await;
        drain_ok(&state, &config).await;
        assert_eq!(stored_totals(&app.db, &c).await, hours, "run {n}");
    }
}

/// Asserts that the generated history holds each case of the ledger the importer must get
/// right, so that an exact import proves each of them.
fn assert_every_ledger_case(shop: &SimShop) {
    let pos = || {
        shop.orders
            .iter()
            .filter(|o| o.location_id.is_some() && !o.test)
    };
    let returns = || pos().flat_map(|o| o.returns.iter().map(move |r| (o, r)));
    let exchanges = || returns().filter(|(_, r)| !r.exchange_lines.is_empty());
    let name = &shop.name;
    let here = |o: &tmas::sim::model::SimOrder, r: &tmas::sim::model::SimReturn| {
        r.restock_location_id.is_some() && r.restock_location_id == o.location_id
    };
    assert!(
        exchanges()
            .any(|(o, r)| r.refund_id.is_none() && r.restock_location_id.is_some() && !here(o, r)),
        "{name}: an exchange paid at another store, restocked there"
    );
    assert!(
        exchanges().any(|(_, r)| r.refund_id.is_some()),
        "{name}: an exchange whose difference is refunded"
    );
    assert!(
        exchanges().any(|(_, r)| r.restock_location_id.is_none()),
        "{name}: an exchange not restocked"
    );
    assert!(
        exchanges().any(|(o, r)| here(o, r)),
        "{name}: an exchange at the store of the sale"
    );
    assert!(
        exchanges().any(|(o, r)| r.at.date_naive() != o.processed_at.date_naive()),
        "{name}: an exchange on a later day"
    );
    assert!(
        returns().any(|(_, r)| r.fee > 0),
        "{name}: a return with a restocking fee"
    );
    let edits = || pos().flat_map(|o| o.edits.iter());
    assert!(
        edits().any(|e| !e.added.is_empty()),
        "{name}: an item added by an edit"
    );
    assert!(
        edits().any(|e| !e.removed.is_empty()),
        "{name}: a unit removed by an edit"
    );
    assert!(
        edits().any(|e| !e.discounts.is_empty()),
        "{name}: a discount given later"
    );
}

/// Two tenants, a tax-inclusive MXN shop whose app may read returns and a CAD shop without
/// tax in its prices whose app may not (its returns are placed by where money changed
/// hands, else at the store of the sale), with exchanges, edits and restocking fees: every
/// hourly and daily row exact, read in bulk and read page by page.
async fn every_ledger_case_imports_exactly_in_bulk_and_page_by_page(app: TestApp) {
    for (name, taxes_included, seed) in [("mxn", true, 41), ("cad", false, 42)] {
        let mut spec = if taxes_included {
            let mut s = ShopSpec::new(
                name,
                chrono_tz::America::Mexico_City,
                "MXN",
                common::end_date(),
            );
            s.taxes_included = true;
            s.tax_rate_bp = 1600;
            s
        } else {
            ShopSpec::new(name, chrono_tz::America::Toronto, "CAD", common::end_date())
        };
        spec.days = 60;
        spec.orders_per_day = 60;
        let mut config = common::one_shop(name, 60, 60, seed);
        config.examples = false;
        config.shops = vec![spec.with_ledger_events()];
        if taxes_included {
            config = config.grant_everywhere(RETURNS_SCOPE);
        }
        let sim = tmas::sim::spawn(config).await;
        sim.update_faults(name, |f| f.unlimited = true)
            .expect("shop exists");
        assert_every_ledger_case(&sim.shop_model(name).expect("shop"));
        for (how, worker_config) in [("bulk", fast_worker()), ("pages", paging_worker())] {
            let state = worker_state(&app, &sim);
            let c = connect(
                &app,
                &sim,
                &format!("Tenant {name} {how}"),
                name,
                &state.secret_key,
            )
            .await;
            drain_ok(&state, &worker_config).await;
            assert_hours_and_days_exact(&app, &sim, &c, &format!("{name} read in {how}")).await;
        }
    }
}

/// An exchange and an edit made after the first import move the order's `updatedAt`; the
/// next hourly run reads the order's ledger and changes exactly the hours they touch;
/// reading the same orders again changes no number.
async fn exchanges_and_edits_after_the_first_import_change_exactly_their_hours(app: TestApp) {
    let name = "late";
    let sim = simulator(name, 10, 30, 51).await;
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Late changes", name, &state.secret_key).await;
    drain_ok(&state, &paging_worker()).await;
    assert_exact(&app.db, &sim, &c, "first import").await;
    let before = stored_totals(&app.db, &c).await;

    // Two sales of two shirts each, made an hour ago, imported by the next run; then an
    // exchange at the other store and an edit on the first.
    let stores: Vec<i64> = sim
        .locations(name)
        .expect("shop")
        .into_iter()
        .filter(|(_, active)| *active)
        .map(|(id, _)| id)
        .collect();
    let (home, other) = (stores[0], stores[1]);
    let sold_at = Utc::now() - Duration::hours(3);
    let shirts = || OrderSpec {
        location_id: Some(home),
        channel: tmas::sim::Channel::Pos,
        test: false,
        processed_at: sold_at,
        lines: vec![
            LineSpec {
                quantity: 2,
                unit_price: 2000,
                gift_card: false,
                discount: 200,
            },
            LineSpec {
                quantity: 1,
                unit_price: 1200,
                gift_card: false,
                discount: 0,
            },
        ],
        taxes_included: None,
    };
    let exchanged = sim.add_order(name, &shirts()).expect("order");
    let edited = sim.add_order(name, &shirts()).expect("order");
    let soon = Utc::now() - Duration::minutes(30);
    sim.exchange(
        name,
        exchanged,
        &ExchangeSpec {
            at: soon,
            location_id: Some(other),
            returned: vec![RefundLineSpec {
                line_index: 0,
                quantity: 1,
            }],
            given: vec![LineSpec {
                quantity: 1,
                unit_price: 6000,
                gift_card: false,
                discount: 0,
            }],
            restock_location_id: Some(other),
            fee: 0,
        },
    )
    .expect("exchange");
    sim.edit_order(
        name,
        edited,
        &EditSpec {
            at: soon + Duration::minutes(5),
            add: vec![LineSpec {
                quantity: 1,
                unit_price: 1500,
                gift_card: false,
                discount: 0,
            }],
            remove: vec![RefundLineSpec {
                line_index: 1,
                quantity: 1,
            }],
            discounts: vec![LateDiscountSpec {
                line_index: 0,
                amount: 300,
            }],
        },
    )
    .expect("edit");
    queue_now(&app.db, &c).await;
    drain_ok(&state, &paging_worker()).await;
    assert_exact(&app.db, &sim, &c, "after the exchange and the edit").await;
    let after = stored_totals(&app.db, &c).await;
    let changed: Vec<_> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| *k)
        .collect();
    let tz = sim.time_zone(name).expect("shop");
    let hour_of = |t: chrono::DateTime<Utc>| {
        let l = t.with_timezone(&tz);
        (l.date_naive(), chrono::Timelike::hour(&l))
    };
    for (loc, d, h) in &changed {
        let at = (*d, *h);
        assert!(
            at == hour_of(sold_at)
                || at == hour_of(soon)
                || at == hour_of(soon + Duration::minutes(5)),
            "only the sale, exchange and edit hours change: {loc} {d} {h}"
        );
    }
    let (sd, sh) = hour_of(soon);
    assert!(
        changed.contains(&(other, sd, sh)),
        "the exchange's hour at the other store: {changed:?}"
    );
    // Read again: nothing changes.
    queue_now(&app.db, &c).await;
    drain_ok(&state, &paging_worker()).await;
    assert_eq!(stored_totals(&app.db, &c).await, after);
}

/// An order whose ledger quantities do not add up to a line's `currentQuantity` is imported
/// by its ledger and listed on the imports page for support, in English and in Spanish.
async fn an_order_whose_ledger_does_not_add_up_is_counted_and_listed_for_support(app: TestApp) {
    let name = "odd";
    let sim = simulator(name, 5, 10, 61).await;
    let store = sim.locations(name).expect("shop")[0].0;
    let order = sim
        .add_order(
            name,
            &OrderSpec {
                location_id: Some(store),
                channel: tmas::sim::Channel::Pos,
                test: false,
                processed_at: Utc::now() - Duration::hours(5),
                lines: vec![LineSpec {
                    quantity: 2,
                    unit_price: 2500,
                    gift_card: false,
                    discount: 0,
                }],
                taxes_included: None,
            },
        )
        .expect("order");
    sim.edit_order(
        name,
        order,
        &EditSpec {
            at: Utc::now() - Duration::hours(4),
            add: vec![],
            remove: vec![RefundLineSpec {
                line_index: 0,
                quantity: 1,
            }],
            discounts: vec![],
        },
    )
    .expect("edit");
    sim.set_current_quantity_skew(name, order, 1)
        .expect("skew the order's current quantity");
    let tenant = app.signed_in("Odd ledger", Plan::Retail, Role::Admin).await;
    let state = worker_state(&app, &sim);
    let c = connect_tenant(&app.db, &sim, tenant, name, &state.secret_key, "2026-11-01").await;
    drain_ok(&state, &paging_worker()).await;
    // Counted by the ledger all the same: the expected totals follow the events.
    assert_exact(&app.db, &sim, &c, "an order to check").await;
    let page = app
        .browser()
        .text(&format!("/admin/integrations/{}/imports", c.integration))
        .await;
    assert_eq!(page.0, reqwest::StatusCode::OK);
    let text = common::visible_text(&page.1);
    assert!(text.contains("Orders to check with support"), "{text}");
    let number = sim
        .shop_model(name)
        .expect("shop")
        .orders
        .iter()
        .find(|o| o.id == order)
        .expect("order")
        .number;
    assert!(text.contains(&format!("#{number}")), "{text}");
    assert!(
        page.1.contains("ledger quantity 1, current quantity 2"),
        "{}",
        page.1
    );
    app.browser()
        .post_form("/language", &[("lang", "es"), ("back", "/")])
        .await;
    let (_, es) = app
        .browser()
        .text(&format!("/admin/integrations/{}/imports", c.integration))
        .await;
    assert!(common::visible_text(&es).contains("Pedidos para revisar con soporte"));
}
