//! The importer's facts (client + order_facts + hourly buckets) against the simulator's
//! independently computed expected totals.

mod common;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::{client, date, everything, one_shop};
use tmas::domain::facts::{bucket_facts, order_facts};
use tmas::sim::{
    ALL_ORDERS_SCOPE, EXAMPLES_SHOP, LineSpec, OrderSpec, RefundLineSpec, RefundSpec, STORE_01,
    STORE_02, SimConfig, SimHandle, spawn,
};

async fn import(
    sim: &SimHandle,
    shop: &str,
) -> std::collections::BTreeMap<(i64, NaiveDate, u32), tmas::domain::facts::HourlyTotals> {
    let c = client(sim, shop);
    let info = c.shop().await.expect("shop");
    let tz: chrono_tz::Tz = info.iana_timezone.parse().expect("IANA zone");
    let orders = c.fetch_all_orders(everything()).await.expect("orders");
    let facts: Vec<_> = orders.iter().map(order_facts).collect();
    bucket_facts(&facts, tz)
}

#[tokio::test]
async fn examples_shop_import_gives_the_numbers_of_domain_md() {
    // The examples are dated March 2026: older than 60 days.
    let sim = spawn(SimConfig::examples_only().grant_everywhere(ALL_ORDERS_SCOPE)).await;
    let imported = import(&sim, EXAMPLES_SHOP).await;
    let expected = sim.expected_totals(EXAMPLES_SHOP).expect("shop");
    assert_eq!(imported, expected.buckets);
    let h = |loc, d, hour| imported.get(&(loc, d, hour)).copied().unwrap_or_default();
    let a = h(STORE_01, date(2026, 3, 2), 10);
    assert_eq!(
        (
            a.gross,
            a.discounts,
            a.returns,
            a.net,
            a.transactions,
            a.items
        ),
        (5200, 520, 0, 4680, 1, 3)
    );
    let b = h(STORE_02, date(2026, 3, 4), 16);
    assert_eq!(
        (b.returns, b.net, b.transactions, b.items),
        (1800, -1800, 1, -1)
    );
    let d = h(STORE_01, date(2026, 11, 1), 1);
    assert_eq!((d.net, d.transactions), (2500, 2));
    let e = h(STORE_01, date(2026, 3, 5), 15);
    assert_eq!(
        (e.returns, e.net, e.transactions, e.items),
        (8000, -8000, 1, -1)
    );
    // F: reading the same orders twice changes nothing.
    assert_eq!(import(&sim, EXAMPLES_SHOP).await, imported);
}

#[tokio::test]
async fn seeded_90_day_shops_import_to_their_expected_totals() {
    let sim = spawn(
        SimConfig::with_defaults(5, 90, common::end_date()).grant_everywhere(ALL_ORDERS_SCOPE),
    )
    .await;
    for shop in ["alpha", "beta", "gamma"] {
        sim.update_faults(shop, |f| f.unlimited = true)
            .expect("shop");
        let imported = import(&sim, shop).await;
        let expected = sim.expected_totals(shop).expect("shop");
        assert!(expected.buckets.len() > 500, "{shop} has a real history");
        assert_eq!(imported, expected.buckets, "shop {shop}");
    }
}

#[tokio::test]
async fn changes_while_running_are_imported_where_they_happened() {
    let sim = spawn(one_shop("live", 30, 20, 21)).await;
    sim.update_faults("live", |f| f.unlimited = true)
        .expect("shop");
    let locations = sim.locations("live").expect("shop");
    let (home, other) = (locations[0].0, locations[1].0);
    let sold = Utc
        .with_ymd_and_hms(2026, 11, 10, 15, 0, 0)
        .single()
        .expect("valid");
    let id = sim
        .add_order(
            "live",
            &OrderSpec {
                taxes_included: None,
                location_id: Some(home),
                channel: tmas::sim::Channel::Pos,
                test: false,
                processed_at: sold,
                lines: vec![
                    LineSpec {
                        quantity: 2,
                        unit_price: 2500,
                        gift_card: false,
                        discount: 500,
                    },
                    LineSpec {
                        quantity: 1,
                        unit_price: 4000,
                        gift_card: false,
                        discount: 0,
                    },
                ],
            },
        )
        .expect("order");
    sim.add_refund(
        "live",
        id,
        &RefundSpec {
            till_location_id: None,
            created_at_null: false,
            at: sold + Duration::days(3),
            location_id: Some(other),
            lines: vec![RefundLineSpec {
                line_index: 0,
                quantity: 1,
            }],
        },
    )
    .expect("refund");
    sim.cancel_order("live", id, sold + Duration::days(4))
        .expect("cancel");
    let imported = import(&sim, "live").await;
    assert_eq!(imported, sim.expected_totals("live").expect("shop").buckets);
    let tz = sim.time_zone("live").expect("shop");
    let local = (sold + Duration::days(3)).with_timezone(&tz);
    let key = (other, local.date_naive(), chrono::Timelike::hour(&local));
    assert!(imported.get(&key).is_some_and(|b| b.returns >= 2250));
}
