//! Deterministic shop history from a seed: POS and online orders over months, with the
//! daily and hourly shape of real stores and every case DOMAIN.md cares about.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use super::model::{
    Channel, Plan, SimLine, SimLocation, SimOrder, SimRefund, SimShop, SimTakeBack, SimTransaction,
};

/// What to generate for one shop.
#[derive(Debug, Clone)]
pub struct ShopSpec {
    pub name: String,
    pub time_zone: Tz,
    pub currency: String,
    pub taxes_included: bool,
    /// Tax rate in basis points (1300 = 13%).
    pub tax_rate_bp: i64,
    pub plan: Plan,
    /// Days of history, ending with `end_date`.
    pub days: u32,
    /// Average orders per day over all locations.
    pub orders_per_day: u32,
    /// Last local date of the history (inclusive).
    pub end_date: NaiveDate,
    /// Share of orders refunded after the sale (goods, or only shipping or a tip), before
    /// the refunds of cancellations ([`CANCELLED_REFUND_SHARE`]). The default gives the
    /// history every test was written against; a benchmark sets the share of its store.
    pub refund_rate: f64,
    /// Shares of POS orders that later get a POS exchange, an order edit, or a return with a
    /// restocking fee. 0 by default, so the default history (and every test written against
    /// it) stays as it was; [`ShopSpec::with_ledger_events`] turns them on. They are drawn
    /// from a random stream of their own after the rest of the history, so turning them on
    /// leaves every other sale, refund and cancellation as it was.
    pub exchange_rate: f64,
    pub edit_rate: f64,
    pub fee_return_rate: f64,
}

/// The default [`ShopSpec::refund_rate`]: with the cancellations' refunds about one POS
/// order in ten has a refund.
pub const DEFAULT_REFUND_RATE: f64 = 0.09;
/// Share of orders cancelled with a refund of what was left (1.5 % cancelled, half of
/// them refunded), whatever the refund rate.
pub const CANCELLED_REFUND_SHARE: f64 = 0.0075;

impl ShopSpec {
    pub fn new(name: &str, time_zone: Tz, currency: &str, end_date: NaiveDate) -> Self {
        ShopSpec {
            name: name.to_string(),
            time_zone,
            currency: currency.to_string(),
            taxes_included: false,
            tax_rate_bp: 1300,
            plan: Plan::Basic,
            days: 90,
            orders_per_day: 60,
            end_date,
            refund_rate: DEFAULT_REFUND_RATE,
            exchange_rate: 0.0,
            edit_rate: 0.0,
            fee_return_rate: 0.0,
        }
    }

    /// The same shop with exchanges (2 % of POS orders), edits (1.5 %) and returns with a
    /// restocking fee (0.5 %).
    pub fn with_ledger_events(mut self) -> Self {
        self.exchange_rate = 0.02;
        self.edit_rate = 0.015;
        self.fee_return_rate = 0.005;
        self
    }
}

/// Share of the day's orders per local hour for a store open 8–22.
const DAY_SHAPE: [u32; 24] = [
    0, 0, 0, 0, 0, 0, 0, 0, 2, 4, 6, 8, 10, 10, 8, 7, 7, 8, 9, 7, 5, 3, 1, 0,
];
/// A 24-hour store (a petrol-station kiosk): some activity every hour, so DST nights show.
const ALL_NIGHT_SHAPE: [u32; 24] = [
    2, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 6, 7, 8, 7, 6, 5, 4, 3,
];

fn seed_for(seed: u64, name: &str) -> u64 {
    // FNV-1a: a stable per-shop seed, whatever the order of shops on the command line.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn pick_weighted(rng: &mut Xoshiro256PlusPlus, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    if total == 0 {
        return 0;
    }
    let mut r = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= w;
    }
    weights.len() - 1
}

/// A local wall-clock time as an instant; on the night clocks go back, either of the two
/// real instants; `None` for the skipped hour.
fn local_instant(
    rng: &mut Xoshiro256PlusPlus,
    tz: Tz,
    date: NaiveDate,
    hour: u32,
) -> Option<DateTime<Utc>> {
    let naive = date.and_hms_opt(hour, rng.random_range(0..60), rng.random_range(0..60))?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            Some(if rng.random_bool(0.5) { a } else { b }.with_timezone(&Utc))
        }
        LocalResult::None => None,
    }
}

struct Gen<'a> {
    rng: Xoshiro256PlusPlus,
    shop: SimShop,
    spec: &'a ShopSpec,
    /// Nothing happens after this instant (the end of the history).
    horizon: DateTime<Utc>,
    number: i64,
}

/// Generates a shop's locations and order history from `seed`.
pub fn generate(spec: &ShopSpec, seed: u64) -> SimShop {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed_for(seed, &spec.name));
    let base_loc = 64_000_000_000 + i64::from(rng.random_range(0..9000u32)) * 10;
    let cities = ["Downtown", "Riverside", "Airport", "Old Town"];
    let locations: Vec<SimLocation> = cities
        .iter()
        .enumerate()
        .map(|(i, city)| SimLocation {
            id: base_loc + i as i64 + 1,
            name: format!("{city} store"),
            // The last store closed half way through the history.
            active: i + 1 < cities.len(),
            address1: format!("{} Main Street", 10 + i * 7),
            city: (*city).to_string(),
            province_code: "ON".into(),
            country_code: "CA".into(),
            zip: format!("A1A {}B{}", i, i),
        })
        .chain(std::iter::once(SimLocation {
            // Where goods returned at a store may be restocked; nothing is sold there.
            id: base_loc + cities.len() as i64 + 1,
            name: "Warehouse".into(),
            active: true,
            address1: "1 Depot Road".into(),
            city: "Mississauga".into(),
            province_code: "ON".into(),
            country_code: "CA".into(),
            zip: "L5T 1A1".into(),
        }))
        .collect();
    let horizon = local_midnight(spec.time_zone, spec.end_date + Duration::days(1));
    let mut g = Gen {
        rng,
        shop: SimShop {
            name: spec.name.clone(),
            time_zone: spec.time_zone,
            currency: spec.currency.clone(),
            taxes_included: spec.taxes_included,
            tax_rate_bp: spec.tax_rate_bp,
            plan: spec.plan,
            locations,
            orders: Vec::new(),
            next_id: 5_000_000_000_000,
        },
        spec,
        horizon,
        number: 1000,
    };
    let first = spec.end_date - Duration::days(i64::from(spec.days.max(1)) - 1);
    let closing_day = first + Duration::days(i64::from(spec.days / 2));
    let mut date = first;
    while date <= spec.end_date {
        g.day(date, date < closing_day);
        date += Duration::days(1);
    }
    if spec.exchange_rate > 0.0 || spec.edit_rate > 0.0 || spec.fee_return_rate > 0.0 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed_for(seed, &spec.name) ^ 0x1ed9e5);
        g.ledger_events(&mut rng);
    }
    g.shop.sort_orders();
    g.shop
}

/// Where, when and on which line one order's later ledger event happens, drawn before
/// which event it is (exchange, edit or a return with a fee).
struct LedgerEventPlace {
    order_id: i64,
    at: DateTime<Utc>,
    line_index: usize,
    line: SimLine,
    back: SimTakeBack,
    roll: f64,
    till: i64,
    restock: Option<i64>,
}

fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

/// A 10% order discount, allocated over the goods in proportion to their price; the last
/// line takes the rounding remainder so allocations add up exactly.
fn allocate_order_discount(lines: &mut [SimLine]) {
    let goods: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].gift_card).collect();
    let base: i64 = goods
        .iter()
        .map(|&i| lines[i].unit_price * lines[i].quantity)
        .sum();
    let total = base / 10;
    let mut left = total;
    for (k, &i) in goods.iter().enumerate() {
        let share = if k + 1 == goods.len() {
            left
        } else {
            total * lines[i].unit_price * lines[i].quantity / base.max(1)
        };
        left -= share;
        lines[i].discounts.push(share);
    }
}

impl Gen<'_> {
    fn day(&mut self, date: NaiveDate, closed_store_open: bool) {
        let factor = match date.weekday() {
            Weekday::Sat => 1.4,
            Weekday::Fri => 1.2,
            Weekday::Sun => 1.1,
            _ => 0.85,
        };
        let noise: f64 = self.rng.random_range(0.8..1.2);
        let n = (f64::from(self.spec.orders_per_day) * factor * noise).round() as u32;
        let store_weights = [40, 30, 20, if closed_store_open { 10 } else { 0 }];
        for _ in 0..n {
            if self.rng.random_bool(0.10) {
                let hour = self.rng.random_range(0..24);
                if let Some(at) = local_instant(&mut self.rng, self.shop.time_zone, date, hour) {
                    self.order(Channel::Web, None, at);
                }
                continue;
            }
            let store = pick_weighted(&mut self.rng, &store_weights);
            let shape = if store == 2 {
                &ALL_NIGHT_SHAPE
            } else {
                &DAY_SHAPE
            };
            let hour = pick_weighted(&mut self.rng, shape) as u32;
            let location = self.shop.locations[store].id;
            if let Some(at) = local_instant(&mut self.rng, self.shop.time_zone, date, hour) {
                self.order(Channel::Pos, Some(location), at);
            }
        }
    }

    fn price(&mut self) -> i64 {
        i64::from(self.rng.random_range(3..=130u32)) * 100 - 1
    }

    fn order(&mut self, channel: Channel, location: Option<i64>, at: DateTime<Utc>) {
        let id = self.shop.fresh_id();
        self.number += 1;
        let mut lines = self.order_lines();
        // Now and then an order's prices hold tax when the shop's do not, or the other way
        // round (markets, a location's setting, a change of setting).
        let taxes_included = self.shop.taxes_included != self.rng.random_bool(0.04);
        for l in lines.iter_mut().filter(|l| !l.gift_card) {
            l.tax = self.shop.tax_on(
                l.unit_price * l.quantity - l.discount_total(),
                taxes_included,
            );
        }
        let mut order = SimOrder {
            id,
            number: self.number,
            channel,
            test: self.rng.random_bool(0.015),
            location_id: location,
            created_at: at,
            processed_at: at,
            updated_at: at,
            cancelled_at: None,
            taxes_included,
            lines,
            refunds: Vec::new(),
            returns: Vec::new(),
            edits: Vec::new(),
            tip: if channel == Channel::Pos && self.rng.random_bool(0.15) {
                i64::from(self.rng.random_range(1..=5u32)) * 100
            } else {
                0
            },
            shipping: if channel == Channel::Web { 500 } else { 0 },
            garbled: false,
            quantity_skew: 0,
        };
        self.events(&mut order);
        self.shop.orders.push(order);
    }

    /// An order's lines before tax: goods with their own discounts, sometimes a gift card,
    /// sometimes an order discount spread over the goods.
    fn order_lines(&mut self) -> Vec<SimLine> {
        let mut lines = Vec::new();
        let n_lines = 1 + pick_weighted(&mut self.rng, &[45, 30, 15, 10]);
        for _ in 0..n_lines {
            let quantity = 1 + pick_weighted(&mut self.rng, &[75, 18, 7]) as i64;
            let unit_price = self.price();
            let mut discounts = Vec::new();
            if self.rng.random_bool(0.12) {
                let pct = i64::from(self.rng.random_range(10..=25u32));
                discounts.push(unit_price * quantity * pct / 100);
            }
            lines.push(SimLine {
                id: self.shop.fresh_id(),
                quantity,
                unit_price,
                gift_card: false,
                discounts,
                tax: 0,
            });
        }
        if self.rng.random_bool(0.04) {
            let amounts = [2500, 5000, 10000];
            let amount = amounts[self.rng.random_range(0..amounts.len())];
            lines.push(SimLine {
                id: self.shop.fresh_id(),
                quantity: 1,
                unit_price: amount,
                gift_card: true,
                discounts: Vec::new(),
                tax: 0,
            });
        }
        if self.rng.random_bool(0.08) {
            allocate_order_discount(&mut lines);
        }
        lines
    }

    /// Refunds, cancellations and edits after the sale.
    fn events(&mut self, order: &mut SimOrder) {
        let goods: Vec<usize> = (0..order.lines.len())
            .filter(|&i| !order.lines[i].gift_card)
            .collect();
        self.refund_after_sale(order, &goods);
        if !goods.is_empty() && self.rng.random_bool(0.015) {
            self.cancel(order, &goods);
        }
        if self.rng.random_bool(0.05) {
            // An edit (a note, a tag) that updates the order without changing any number.
            let at = order.updated_at + Duration::hours(self.rng.random_range(1..72));
            if at < self.horizon {
                order.touch(at);
            }
        }
    }

    /// Perhaps a refund: of goods the same day or days later, or of shipping or a tip only.
    fn refund_after_sale(&mut self, order: &mut SimOrder, goods: &[usize]) {
        let home = order.location_id;
        let roll: f64 = self.rng.random_range(0.0..1.0);
        // The default rate keeps these thresholds (and so every test's history) exactly.
        let scale = self.spec.refund_rate.clamp(0.0, 1.0) / DEFAULT_REFUND_RATE;
        if !goods.is_empty() && roll < 0.05 * scale {
            // The same day, where it was bought (location given or left out).
            let at = order.processed_at + Duration::minutes(self.rng.random_range(10..240));
            let restock = if self.rng.random_bool(0.5) {
                home
            } else {
                None
            };
            self.refund(order, goods, at, home, restock);
        } else if !goods.is_empty() && roll < 0.08 * scale {
            // Days later, often at another store.
            let at = order.processed_at
                + Duration::days(self.rng.random_range(1..20))
                + Duration::minutes(self.rng.random_range(0..600));
            let till = if self.rng.random_bool(0.5) {
                self.other_store(home).or(home)
            } else {
                home
            };
            // Goods come back to stock at the till, at the warehouse, at yet another
            // store, or not at all (damaged).
            let restock = match pick_weighted(&mut self.rng, &[40, 20, 15, 25]) {
                0 => till,
                1 => self.shop.locations.last().map(|l| l.id),
                2 => self.other_store(till),
                _ => None,
            };
            self.refund(order, goods, at, till, restock);
        } else if roll < 0.09 * scale || (order.channel == Channel::Web && roll < 0.15 * scale) {
            // Shipping or a tip refunded, no goods.
            let at = order.processed_at + Duration::hours(self.rng.random_range(1..48));
            if at < self.horizon {
                let id = self.shop.fresh_id();
                let amount = order.shipping.max(order.tip).max(100);
                let mut r = SimRefund::at(id, at, Vec::new());
                r.other_amount = amount;
                r.transactions.push(SimTransaction::refund(home, amount));
                order.refunds.push(r);
                order.touch(at);
            }
        }
    }

    /// A cancellation after any refunds, half of the time with a refund of every good left.
    fn cancel(&mut self, order: &mut SimOrder, goods: &[usize]) {
        let home = order.location_id;
        let at = order.processed_at + Duration::minutes(self.rng.random_range(5..1800));
        if at < self.horizon && order.refunds.iter().all(|r| r.when() <= at) {
            order.cancelled_at = Some(at);
            order.touch(at);
            if self.rng.random_bool(0.5) {
                // Restocked with a refund of everything left, as the admin usually does.
                let id = self.shop.fresh_id();
                let lines: Vec<_> = goods
                    .iter()
                    .map(|&i| {
                        let l = order.lines[i].clone();
                        self.shop.refund_line(order, &l, l.quantity, home)
                    })
                    .filter(|rl| rl.quantity > 0)
                    .collect();
                if !lines.is_empty() {
                    let paid = lines.iter().map(|l| l.subtotal + l.tax).sum();
                    let mut r = SimRefund::at(id, at, lines);
                    r.transactions.push(SimTransaction::refund(home, paid));
                    order.refunds.push(r);
                }
            }
        }
    }

    /// Exchanges, edits and returns with a fee, after everything else an order went
    /// through, drawn from `rng` (not the history's own stream).
    fn ledger_events(&mut self, rng: &mut Xoshiro256PlusPlus) {
        let spec = self.spec;
        for i in 0..self.shop.orders.len() {
            let Some(place) = self.ledger_event_place(i, rng) else {
                continue;
            };
            if place.roll < spec.exchange_rate {
                self.ledger_exchange(i, &place, rng);
            } else if place.roll < spec.exchange_rate + spec.edit_rate {
                self.ledger_edit(i, &place, rng);
            } else if place.roll < spec.exchange_rate + spec.edit_rate + spec.fee_return_rate {
                self.ledger_fee_return(&place);
            }
        }
    }

    /// When, on which line and at which tills a ledger event may happen to the `i`th
    /// order, or None for an order that cannot have one (not POS, cancelled, nothing
    /// left, or past the horizon).
    fn ledger_event_place(
        &self,
        i: usize,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Option<LedgerEventPlace> {
        let order = &self.shop.orders[i];
        let home = order.location_id?;
        if order.channel != Channel::Pos || order.cancelled_at.is_some() {
            return None;
        }
        let left: Vec<usize> = (0..order.lines.len())
            .filter(|&k| {
                let l = &order.lines[k];
                !l.gift_card && order.current_quantity(l) > 0
            })
            .collect();
        if left.is_empty() {
            return None;
        }
        let (id, after) = (order.id, order.updated_at);
        let at = if rng.random_bool(0.4) {
            after + Duration::minutes(rng.random_range(10..240))
        } else {
            after
                + Duration::days(rng.random_range(1..15))
                + Duration::minutes(rng.random_range(0..600))
        };
        if at >= self.horizon {
            return None;
        }
        let k = left[rng.random_range(0..left.len())];
        let line = order.lines[k].clone();
        let back = self.shop.take_back(order, &line, 1);
        let roll: f64 = rng.random_range(0.0..1.0);
        let stores: Vec<i64> = self
            .shop
            .locations
            .iter()
            .filter(|l| l.active && l.name != "Warehouse")
            .map(|l| l.id)
            .collect();
        let warehouse = self.shop.locations.last().map(|l| l.id);
        let till = if rng.random_bool(0.6) {
            home
        } else {
            stores[rng.random_range(0..stores.len())]
        };
        let restock = match pick_weighted(rng, &[50, 20, 30]) {
            0 => Some(till),
            1 => warehouse,
            _ => None,
        };
        Some(LedgerEventPlace {
            order_id: id,
            at,
            line_index: k,
            line,
            back,
            roll,
            till,
            restock,
        })
    }

    /// A POS exchange of one unit of the `i`th order, whose new item sometimes comes back
    /// later, refunded.
    fn ledger_exchange(
        &mut self,
        i: usize,
        place: &LedgerEventPlace,
        rng: &mut Xoshiro256PlusPlus,
    ) {
        use super::control::{ExchangeSpec, LineSpec, RefundLineSpec};
        let LedgerEventPlace {
            order_id: id,
            at,
            line_index: k,
            ref line,
            ref back,
            till,
            restock,
            ..
        } = *place;
        // Even (the same item again), the customer paying more, or getting the
        // difference back.
        let given = match pick_weighted(rng, &[30, 40, 30]) {
            0 => LineSpec {
                quantity: 1,
                unit_price: line.unit_price,
                gift_card: false,
                discount: back.discount,
            },
            1 => LineSpec {
                quantity: 1,
                unit_price: line.unit_price + i64::from(rng.random_range(1..=40u32)) * 100,
                gift_card: false,
                discount: 0,
            },
            _ => LineSpec {
                quantity: 1,
                unit_price: (back.subtotal / 2).max(100),
                gift_card: false,
                discount: 0,
            },
        };
        let exchange = ExchangeSpec {
            at,
            location_id: Some(till),
            returned: vec![RefundLineSpec {
                line_index: k,
                quantity: 1,
            }],
            given: vec![given],
            restock_location_id: restock,
            fee: 0,
        };
        if super::control::apply_exchange(&mut self.shop, id, &exchange).is_ok()
            && rng.random_bool(0.2)
        {
            // The item given in exchange comes back later, refunded.
            let later = at + Duration::days(rng.random_range(1..10));
            if later < self.horizon {
                let order = &self.shop.orders[i];
                let new_line = order.lines[order.lines.len() - 1].clone();
                let rl = self.shop.refund_line(order, &new_line, 1, restock);
                let paid = rl.subtotal + rl.tax;
                let rid = self.shop.fresh_id();
                let mut r = SimRefund::at(rid, later, vec![rl]);
                r.transactions
                    .push(SimTransaction::refund(Some(till), paid));
                let order = &mut self.shop.orders[i];
                order.refunds.push(r);
                order.touch(later);
            }
        }
    }

    /// An edit of the `i`th order: a line added, a unit removed, or a late discount.
    fn ledger_edit(&mut self, i: usize, place: &LedgerEventPlace, rng: &mut Xoshiro256PlusPlus) {
        use super::control::{EditSpec, LateDiscountSpec, LineSpec, RefundLineSpec};
        let (at, k) = (place.at, place.line_index);
        let edit = match pick_weighted(rng, &[40, 30, 30]) {
            0 => EditSpec {
                at,
                add: vec![LineSpec {
                    quantity: 1,
                    unit_price: self.price(),
                    gift_card: false,
                    discount: 0,
                }],
                ..EditSpec::default()
            },
            1 => EditSpec {
                at,
                remove: vec![RefundLineSpec {
                    line_index: k,
                    quantity: 1,
                }],
                ..EditSpec::default()
            },
            _ => EditSpec {
                at,
                discounts: vec![LateDiscountSpec {
                    line_index: k,
                    amount: (self.shop.line_paid(&self.shop.orders[i], &place.line) / 10).max(1),
                }],
                ..EditSpec::default()
            },
        };
        // A discount on a line with units already back is refused: nothing then.
        let _ = super::control::apply_edit(&mut self.shop, place.order_id, &edit);
    }

    /// A return of one unit at a till, restocked there, with a restocking fee.
    fn ledger_fee_return(&mut self, place: &LedgerEventPlace) {
        use super::control::{ExchangeSpec, RefundLineSpec};
        let exchange = ExchangeSpec {
            at: place.at,
            location_id: Some(place.till),
            returned: vec![RefundLineSpec {
                line_index: place.line_index,
                quantity: 1,
            }],
            given: Vec::new(),
            restock_location_id: Some(place.till),
            fee: (place.back.subtotal / 10).max(1),
        };
        let _ = super::control::apply_exchange(&mut self.shop, place.order_id, &exchange);
    }

    /// An active store other than `not`, if there is one.
    fn other_store(&mut self, not: Option<i64>) -> Option<i64> {
        let stores: Vec<i64> = self
            .shop
            .locations
            .iter()
            .filter(|l| l.active && l.name != "Warehouse" && Some(l.id) != not)
            .map(|l| l.id)
            .collect();
        stores
            .get(self.rng.random_range(0..stores.len().max(1)))
            .copied()
    }

    /// A refund of some goods of `order` at `at`, its money given back at `till`, its goods
    /// restocked at `restock`. Its transactions take every shape Shopify gives them.
    fn refund(
        &mut self,
        order: &mut SimOrder,
        goods: &[usize],
        at: DateTime<Utc>,
        till: Option<i64>,
        restock: Option<i64>,
    ) {
        if at >= self.horizon {
            return;
        }
        let line = order.lines[goods[self.rng.random_range(0..goods.len())]].clone();
        let qty = if self.rng.random_bool(0.3) {
            line.quantity
        } else {
            1
        };
        let rl = self.shop.refund_line(order, &line, qty, restock);
        if rl.quantity == 0 {
            return;
        }
        let paid = rl.subtotal + rl.tax;
        let id = self.shop.fresh_id();
        let mut r = SimRefund::at(id, at, vec![rl]);
        r.transactions = match pick_weighted(&mut self.rng, &[70, 8, 7, 6, 5, 4]) {
            // The usual: one refund at the till.
            0 => vec![SimTransaction::refund(till, paid)],
            // No transaction (store credit, an exchange): the restock location decides.
            1 => Vec::new(),
            // A transaction Shopify gives no location for.
            2 => vec![SimTransaction::refund(None, paid)],
            // Split tender at the till.
            3 => vec![
                SimTransaction::refund(till, paid / 2),
                SimTransaction::refund(till, paid - paid / 2),
            ],
            // A failed attempt elsewhere, then the refund at the till.
            4 => vec![
                SimTransaction {
                    status: "FAILURE",
                    ..SimTransaction::refund(self.other_store(till), paid)
                },
                SimTransaction::refund(till, paid),
            ],
            // Money given back at two tills: the larger part decides.
            _ => vec![
                SimTransaction::refund(self.other_store(till), paid / 3),
                SimTransaction::refund(till, paid - paid / 3),
            ],
        };
        if self.rng.random_bool(0.08) {
            // Shopify leaves `createdAt` null on some refunds.
            r.created_at = None;
        }
        order.refunds.push(r);
        order.touch(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ShopSpec {
        ShopSpec::new(
            "alpha",
            chrono_tz::America::Toronto,
            "CAD",
            NaiveDate::from_ymd_opt(2026, 11, 15).expect("valid date"),
        )
    }

    #[test]
    fn same_seed_same_shop() {
        let a = generate(&spec(), 7);
        let b = generate(&spec(), 7);
        assert_eq!(a.orders, b.orders);
        assert_ne!(a.orders, generate(&spec(), 8).orders);
    }

    #[test]
    fn history_has_every_case() {
        let s = generate(&spec(), 1);
        assert!(s.orders.len() > 3000);
        let o = &s.orders;
        assert!(o.iter().any(|o| o.channel == Channel::Web));
        assert!(o.iter().any(|o| o.test));
        assert!(o.iter().any(|o| o.cancelled_at.is_some()));
        assert!(o.iter().any(|o| o.lines.iter().any(|l| l.gift_card)));
        assert!(o.iter().any(|o| o.tip > 0));
        assert!(
            o.iter()
                .any(|o| o.refunds.iter().any(|r| r.lines.is_empty()))
        );
        assert!(o.iter().any(|o| o.refunds.iter().any(|r| {
            r.lines
                .iter()
                .any(|l| l.location_id.is_some() && l.location_id != o.location_id)
        })));
        assert!(
            o.iter()
                .any(|o| o.lines.iter().any(|l| l.discounts.len() > 1))
        );
        assert!(s.locations.iter().any(|l| !l.active));
        // The sharper rules' cases: an order's own tax setting, refunds placed by their
        // transactions (restocked elsewhere or not at all), by their restock location, and
        // refunds without `createdAt`.
        assert!(o.iter().any(|o| o.taxes_included != s.taxes_included));
        let refunds = || {
            o.iter()
                .flat_map(|o| o.refunds.iter())
                .filter(|r| !r.lines.is_empty())
        };
        assert!(refunds().any(|r| r.created_at.is_none()));
        assert!(refunds().any(|r| r.transactions.is_empty()));
        assert!(
            refunds().any(|r| r.lines.iter().all(|l| l.location_id.is_none())
                && r.transactions.iter().any(|t| t.location_id.is_some()))
        );
        let warehouse = s.locations.last().expect("a warehouse").id;
        assert!(refunds().any(|r| r.lines.iter().any(|l| l.location_id == Some(warehouse))));
        // Orders at the closed store stop half way.
        assert!(o.iter().any(|o| o.location_id == Some(s.locations[3].id)));
    }

    #[test]
    fn ledger_events_only_when_asked_and_the_rest_unchanged() {
        let plain = generate(&spec(), 1);
        assert!(
            plain
                .orders
                .iter()
                .all(|o| o.returns.is_empty() && o.edits.is_empty())
        );
        let rich = generate(&spec().with_ledger_events(), 1);
        assert_eq!(plain.orders.len(), rich.orders.len());
        // Every order keeps its sale, refunds and cancellation.
        for o in &plain.orders {
            let r = rich
                .orders
                .iter()
                .find(|r| r.id == o.id)
                .expect("same orders");
            let sold = |lines: &[SimLine]| {
                lines
                    .iter()
                    .map(|l| (l.id, l.quantity, l.unit_price))
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                (
                    r.processed_at,
                    r.cancelled_at,
                    sold(&r.lines[..o.lines.len()])
                ),
                (o.processed_at, o.cancelled_at, sold(&o.lines))
            );
            assert_eq!(r.refunds[..o.refunds.len()], o.refunds[..]);
        }
    }

    #[test]
    fn generated_exchanges_and_edits_cover_every_case_and_keep_the_quantity_check() {
        let s = generate(&spec().with_ledger_events(), 3);
        let returns = || {
            s.orders
                .iter()
                .flat_map(|o| o.returns.iter().map(move |r| (o, r)))
        };
        let edits = || s.orders.iter().flat_map(|o| o.edits.iter());
        let paid = |o: &SimOrder, r: &crate::sim::model::SimReturn| {
            r.refund_id.is_none()
                && r.fee == 0
                && !r.exchange_lines.is_empty()
                && o.lines.iter().any(|l| {
                    r.exchange_lines.contains(&l.id)
                        && l.unit_price
                            > o.lines
                                .iter()
                                .find(|x| x.id == r.lines[0].line_id)
                                .map_or(0, |x| x.unit_price)
                })
        };
        assert!(
            returns().any(|(o, r)| paid(o, r)),
            "the customer pays the difference"
        );
        assert!(
            returns().any(|(_, r)| r.refund_id.is_some() && r.fee == 0),
            "difference refunded"
        );
        assert!(
            returns().any(|(_, r)| r.fee > 0 && r.refund_id.is_some()),
            "restocking fee"
        );
        assert!(returns().any(|(o, r)| r.restock_location_id.is_none()
            && !r.exchange_lines.is_empty()
            && o.location_id.is_some()));
        assert!(returns().any(
            |(o, r)| r.restock_location_id.is_some() && r.restock_location_id != o.location_id
        ));
        assert!(
            returns().any(|(o, r)| {
                o.refunds.iter().any(|f| {
                    f.return_id.is_none()
                        && f.lines
                            .iter()
                            .any(|l| r.exchange_lines.contains(&l.line_id))
                })
            }),
            "an item given in exchange refunded later"
        );
        let local = |t: DateTime<Utc>| t.with_timezone(&s.time_zone).date_naive();
        assert!(
            returns().any(|(o, r)| local(r.at) != local(o.processed_at)),
            "on a later day"
        );
        assert!(edits().any(|e| !e.added.is_empty()));
        assert!(edits().any(|e| !e.removed.is_empty()));
        assert!(edits().any(|e| !e.discounts.is_empty()));
        for o in &s.orders {
            assert_eq!(
                crate::sim::ledger::quantity_mismatches(&s, o),
                [],
                "order {}",
                o.id
            );
        }
    }
}
