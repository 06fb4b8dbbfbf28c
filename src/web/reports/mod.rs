//! Reports: the totalization report (`/reports/totals`) and the data export (`/reports/export`,
//! `.csv`, `.xlsx`). Managers and admins of a tenant (and staff acting in it) read everything of
//! that tenant here and change nothing. Every number is a sum of `hourly_totals` (days read
//! from `daily_totals`, which holds them summed).

pub mod detail_pages;
pub mod export;
pub mod params;
pub mod totals;

use axum::Router;
use axum::routing::get;
use chrono::NaiveDate;
use chrono_tz::Tz;

use super::AppState;
use super::context::TenantUser;
use super::coverage::TenantCoverage;
use crate::db::locations::Location;
use crate::domain::money::currency_digits;
use crate::error::AppResult;
use crate::i18n;
use crate::totals_cache::TenantTotals;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/totals", get(totals::page))
        .route("/reports/export", get(export::page))
        .route("/reports/export.csv", get(export::csv))
        .route("/reports/export.xlsx", get(export::xlsx))
}

/// What every report of a tenant needs: its locations, currency and today's date, and its
/// totals (read through the cache, under the data version read here, before any of them).
#[derive(Debug, Clone)]
pub struct ReportScope {
    pub locations: Vec<Location>,
    /// The shop currency (USD until an integration has told it).
    pub currency: String,
    /// An integration has told the currency: amounts carry its sign.
    pub currency_known: bool,
    pub digits: u32,
    pub today: NaiveDate,
    pub totals: TenantTotals,
    /// The tenant's time zone.
    pub tz: Tz,
}

impl ReportScope {
    pub async fn load(state: &AppState, user: &TenantUser) -> AppResult<ReportScope> {
        let tenant = user.tenant_id();
        // The version was read with the user, before anything else: everything read after it
        // is at least as new.
        let totals = state.totals_cache.tenant_at(
            &state.db,
            tenant,
            &user.tenant.time_zone,
            user.current.data_version,
        );
        let known = totals.shop_currency().await?;
        let currency = known.clone().unwrap_or_else(|| "USD".to_string());
        Ok(ReportScope {
            locations: totals.locations().await?.as_ref().clone(),
            totals,
            digits: currency_digits(&currency),
            currency,
            currency_known: known.is_some(),
            today: today_in(&user.tenant.time_zone),
            tz: user.tenant.time_zone.parse().unwrap_or(chrono_tz::UTC),
        })
    }

    /// How far data covers each of the tenant's locations (read through the cache).
    pub async fn coverage(
        &self,
        db: &crate::db::Db,
        tenant: crate::db::TenantId,
    ) -> AppResult<TenantCoverage> {
        TenantCoverage::load_cached(&self.totals, (db, tenant), &self.locations, self.tz).await
    }

    /// An amount for people with its currency as the language writes it (`$1,234.50`,
    /// `1.234,50 $`); without a known currency, the grouped number alone.
    pub fn amount(&self, minor: i64) -> String {
        if self.currency_known {
            i18n::format_money(i18n::current(), minor, self.digits, &self.currency)
        } else {
            i18n::format_decimal(i18n::current(), minor, self.digits)
        }
    }

    /// The value axis of this tenant's money charts.
    pub fn axis(&self) -> crate::web::charts::ValueAxis {
        crate::web::charts::ValueAxis {
            currency: if self.currency_known {
                self.currency.clone()
            } else {
                String::new()
            },
            digits: self.digits,
        }
    }

    pub fn optional_amount(&self, minor: Option<i64>) -> String {
        minor.map(|m| self.amount(m)).unwrap_or_default()
    }
}

/// Today's local date in a time zone (UTC when the name is unknown).
pub fn today_in(time_zone: &str) -> NaiveDate {
    let tz: Tz = time_zone.parse().unwrap_or(chrono_tz::UTC);
    crate::domain::periods::local_date_and_hour(chrono::Utc::now(), tz).0
}

/// A whole number for people (`1,234`).
pub fn count(value: i64) -> String {
    i18n::format_integer(i18n::current(), value)
}
