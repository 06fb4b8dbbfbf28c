//! What a tenant's coverage rule (`domain::coverage`) reads per location: the first day holding
//! stored data, and the history start and watermark of each integration importing it.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Db, TenantId};

/// What bounds one location's data, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocationBounds {
    /// The first local day with activity stored for it (imported or entered by hand).
    pub first_stored: Option<NaiveDate>,
    /// The earliest `backfill_from` of the integrations importing it.
    pub history_start: Option<NaiveDate>,
    /// How far each integration importing it has read (none: no import finished yet);
    /// empty when no integration imports it.
    pub watermarks: Vec<Option<i64>>,
}

impl LocationBounds {
    /// The location's coverage by the domain's rule, in its time zone.
    pub fn coverage(&self, tz: chrono_tz::Tz) -> Option<crate::domain::coverage::Coverage> {
        crate::domain::coverage::Coverage::of_location(
            self.history_start,
            self.first_stored,
            &self.watermarks,
            tz,
        )
    }
}

/// Every location of the tenant with stored data or an integration importing it (matched,
/// enabled, not a draft), by location row id. A location missing here has no coverage.
pub async fn location_bounds(
    db: &Db,
    tenant: TenantId,
) -> sqlx::Result<BTreeMap<i64, LocationBounds>> {
    let mut out: BTreeMap<i64, LocationBounds> = BTreeMap::new();
    // `daily_totals` holds one row per location and day with an active hour (one not all
    // zeros), keyed by (tenant_id, location_id, local_date): far fewer rows than the hours.
    // An hour set to nothing by hand is no start of data.
    let firsts: Vec<(i64, String)> = sqlx::query_as(
        "SELECT location_id, MIN(local_date) FROM daily_totals
         WHERE tenant_id = $1 GROUP BY location_id",
    )
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await?;
    for (location, first) in firsts {
        out.entry(location).or_default().first_stored = first.parse().ok();
    }
    let imports: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT il.location_id, i.backfill_from, i.watermark FROM integration_locations il
         JOIN integrations i ON i.tenant_id = il.tenant_id AND i.id = il.integration_id
         WHERE il.tenant_id = $1 AND il.enabled = 1 AND i.status <> 'draft'
         ORDER BY il.location_id, i.id",
    )
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await?;
    for (location, backfill_from, watermark) in imports {
        let bounds = out.entry(location).or_default();
        if let Ok(start) = backfill_from.parse::<NaiveDate>() {
            bounds.history_start = Some(bounds.history_start.map_or(start, |s| s.min(start)));
        }
        bounds.watermarks.push(watermark);
    }
    Ok(out)
}
