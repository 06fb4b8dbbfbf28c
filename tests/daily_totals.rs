//! `daily_totals` stays equal to the sums of each day's active hours in `hourly_totals` (what the
//! dashboard and the day/week/month reports read) after an import from the simulator, after
//! manual edits (including an hour edited to all zeros, which is not a bucket), and after an
//! integration is deleted with its data, on SQLite and PostgreSQL.

mod common;
mod worker_support;

use common::TestApp;
use tmas::db::totals::HourEdit;
use tmas::db::{self, TenantId};
use tmas::domain::account::Role;
use tmas::sim::ShopSpec;
use worker_support::*;

backend_tests!(daily_totals_follow_every_write_to_the_hours);

type DayTuple = (i64, i64, String, i64, i64, i64, i64, i64, i64, i64);

/// Every stored day, of every tenant.
async fn stored_days(app: &TestApp) -> Vec<DayTuple> {
    sqlx::query_as::<_, DayTuple>(
        "SELECT tenant_id, location_id, local_date, gross, discounts, returns, net,
                transactions, items, edited
         FROM daily_totals ORDER BY tenant_id, location_id, local_date",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("read daily_totals")
}

/// The days summed here from the active hours, as the reports summed them before.
async fn summed_days(app: &TestApp) -> Vec<DayTuple> {
    sqlx::query_as::<_, DayTuple>(
        "SELECT tenant_id, location_id, local_date,
                CAST(SUM(gross) AS BIGINT), CAST(SUM(discounts) AS BIGINT),
                CAST(SUM(returns) AS BIGINT), CAST(SUM(net) AS BIGINT),
                CAST(SUM(transactions) AS BIGINT), CAST(SUM(items) AS BIGINT),
                CAST(MAX(edited) AS BIGINT)
         FROM hourly_totals
         WHERE NOT (gross = 0 AND discounts = 0 AND returns = 0 AND net = 0
                    AND transactions = 0 AND items = 0)
         GROUP BY tenant_id, location_id, local_date
         ORDER BY tenant_id, location_id, local_date",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("sum hourly_totals")
}

async fn assert_in_step(app: &TestApp, context: &str) -> Vec<DayTuple> {
    let stored = stored_days(app).await;
    assert_eq!(stored, summed_days(app).await, "{context}");
    stored
}

fn days_of(days: &[DayTuple], tenant: TenantId) -> usize {
    days.iter().filter(|d| d.0 == tenant.0).count()
}

async fn daily_totals_follow_every_write_to_the_hours(app: TestApp) {
    // Two tenants, each importing its own shop: the second one's days never move.
    let mut config = common::one_shop("alpha", 30, 30, 11);
    config.examples = false;
    let mut beta = ShopSpec::new(
        "beta",
        chrono_tz::America::Toronto,
        "CAD",
        common::end_date(),
    );
    beta.days = 20;
    beta.orders_per_day = 20;
    config.shops.push(beta);
    let sim = tmas::sim::spawn(config).await;
    for shop in ["alpha", "beta"] {
        sim.update_faults(shop, |f| f.unlimited = true)
            .expect("shop exists");
    }
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Acme", "alpha", &state.secret_key).await;
    let other = connect(&app, &sim, "Other", "beta", &state.secret_key).await;
    tmas::worker::drain_with(&state, &fast_worker())
        .await
        .expect("import");
    let imported = assert_in_step(&app, "after the import").await;
    assert!(days_of(&imported, c.tenant) >= 25, "the import filled days");
    assert!(
        days_of(&imported, other.tenant) >= 15,
        "both tenants imported"
    );

    // Manual edits: an imported hour changed, a new hour on an empty day, and a new hour of
    // all zeros on another empty day (not a bucket: that day must have no row).
    let user = app
        .create_user("manager@acme.example", Role::Manager, Some(c.tenant))
        .await;
    let location = *c.locations.values().next().expect("a location");
    let first = imported
        .iter()
        .find(|d| d.0 == c.tenant.0 && d.1 == location)
        .expect("an imported day")
        .2
        .clone();
    let old = db::totals::stored_hours(&app.db, c.tenant, location, &first, &first)
        .await
        .expect("hours")
        .into_iter()
        .next()
        .expect("an imported hour");
    let edits = [
        HourEdit {
            local_date: old.local_date.clone(),
            hour: old.hour,
            net: old.sums.net + 12_345,
            transactions: old.sums.transactions + 1,
            items: old.sums.items + 2,
            old: Some(old),
        },
        HourEdit {
            local_date: "2026-01-05".to_string(),
            hour: 13,
            old: None,
            net: 5_000,
            transactions: 2,
            items: 3,
        },
        HourEdit {
            local_date: "2026-01-06".to_string(),
            hour: 9,
            old: None,
            net: 0,
            transactions: 0,
            items: 0,
        },
    ];
    db::totals::save_edits(&app.db, c.tenant, location, user, &edits)
        .await
        .expect("save edits");
    let edited = assert_in_step(&app, "after manual edits").await;
    let day = |date: &str| {
        edited
            .iter()
            .find(|d| d.0 == c.tenant.0 && d.1 == location && d.2 == date)
            .cloned()
    };
    assert_eq!(
        day(&first).expect("edited day").9,
        1,
        "the day shows the edit"
    );
    assert_eq!(
        day("2026-01-05"),
        Some((
            c.tenant.0,
            location,
            "2026-01-05".to_string(),
            5_000,
            0,
            0,
            5_000,
            2,
            3,
            1
        ))
    );
    assert_eq!(day("2026-01-06"), None, "an all-zero hour is no day");

    // Deleting the integration with its data: only days with hand-edited hours stay.
    db::integrations::delete(&app.db, c.tenant, c.integration, true)
        .await
        .expect("delete")
        .expect("the integration existed");
    let after = assert_in_step(&app, "after deleting the integration's data").await;
    let left: Vec<&str> = after
        .iter()
        .filter(|d| d.0 == c.tenant.0)
        .map(|d| d.2.as_str())
        .collect();
    let mut expected = vec!["2026-01-05", first.as_str()];
    expected.sort_unstable();
    assert_eq!(left, expected);
    assert_eq!(
        days_of(&after, other.tenant),
        days_of(&imported, other.tenant),
        "the other tenant's days stay"
    );
}
