//! An order's sales ledger (`Order.agreements`), derived from the model's events each time
//! it is asked for, so it can never drift from the order's other views: the sale, each
//! refund that is not a return's, each return (exchanges, restocking fees) and each edit.

use chrono::{DateTime, Utc};

use super::model::{SimLine, SimOrder, SimShop, SimTakeBack};

/// Which event an agreement records, with the id of what it points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementKind {
    Order,
    OrderEdit,
    Refund(i64),
    Return(i64),
}

impl AgreementKind {
    /// The agreement's `__typename`.
    pub fn type_name(self) -> &'static str {
        match self {
            AgreementKind::Order => "OrderAgreement",
            AgreementKind::OrderEdit => "OrderEditAgreement",
            AgreementKind::Refund(_) => "RefundAgreement",
            AgreementKind::Return(_) => "ReturnAgreement",
        }
    }

    /// `SalesAgreement.reason` (`OrderActionType`).
    pub fn reason(self) -> &'static str {
        match self {
            AgreementKind::Order => "ORDER",
            AgreementKind::OrderEdit => "ORDER_EDIT",
            AgreementKind::Refund(_) => "REFUND",
            AgreementKind::Return(_) => "RETURN",
        }
    }
}

/// `SaleActionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleAction {
    Order,
    Return,
    Update,
}

impl SaleAction {
    pub fn name(self) -> &'static str {
        match self {
            SaleAction::Order => "ORDER",
            SaleAction::Return => "RETURN",
            SaleAction::Update => "UPDATE",
        }
    }
}

/// `SaleLineType`, for the sales the simulator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleLine {
    Product,
    GiftCard,
    Tip,
    Shipping,
    Fee,
}

impl SaleLine {
    pub fn name(self) -> &'static str {
        match self {
            SaleLine::Product => "PRODUCT",
            SaleLine::GiftCard => "GIFT_CARD",
            SaleLine::Tip => "TIP",
            SaleLine::Shipping => "SHIPPING",
            SaleLine::Fee => "FEE",
        }
    }

    /// The `Sale` implementation Shopify uses for this line type.
    pub fn type_name(self) -> &'static str {
        match self {
            SaleLine::Product => "ProductSale",
            SaleLine::GiftCard => "GiftCardSale",
            SaleLine::Tip => "TipSale",
            SaleLine::Shipping => "ShippingLineSale",
            SaleLine::Fee => "FeeSale",
        }
    }
}

/// One `Sale`: amounts in minor units of the shop currency, signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sale {
    pub id: i64,
    pub action: SaleAction,
    pub line_type: SaleLine,
    /// The line item of a product or gift-card sale.
    pub line_id: Option<i64>,
    pub quantity: Option<i64>,
    /// `totalAmount`: after discounts, with tax.
    pub total: i64,
    /// `totalTaxAmount`.
    pub tax: i64,
    /// `totalDiscountAmountBeforeTaxes`.
    pub discount: i64,
}

/// One `SalesAgreement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: i64,
    pub kind: AgreementKind,
    pub happened_at: DateTime<Utc>,
    pub sales: Vec<Sale>,
}

/// Sales of one agreement, numbered after it.
struct Sales {
    agreement: i64,
    sales: Vec<Sale>,
}

impl Sales {
    fn new(agreement: i64) -> Self {
        Sales {
            agreement,
            sales: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        action: SaleAction,
        line_type: SaleLine,
        line_id: Option<i64>,
        quantity: Option<i64>,
        total: i64,
        tax: i64,
        discount: i64,
    ) {
        let id = self.agreement * 1000 + self.sales.len() as i64 + 1;
        self.sales.push(Sale {
            id,
            action,
            line_type,
            line_id,
            quantity,
            total,
            tax,
            discount,
        });
    }

    /// A line sold as it was when sold (or appended).
    fn sold(&mut self, order: &SimOrder, line: &SimLine) {
        let (discount, tax) = order.original_discount_and_tax(line);
        let before_tax =
            line.unit_price * line.quantity - discount - if order.taxes_included { tax } else { 0 };
        self.push(
            SaleAction::Order,
            line_kind(line),
            Some(line.id),
            Some(line.quantity),
            before_tax + tax,
            tax,
            discount,
        );
    }

    /// Units taken back, negative.
    fn taken(&mut self, order: &SimOrder, t: &SimTakeBack) {
        let kind = order
            .lines
            .iter()
            .find(|l| l.id == t.line_id)
            .map_or(SaleLine::Product, line_kind);
        self.push(
            SaleAction::Return,
            kind,
            Some(t.line_id),
            Some(-t.quantity),
            -(t.subtotal + t.tax),
            -t.tax,
            -t.discount,
        );
    }
}

fn line_kind(line: &SimLine) -> SaleLine {
    if line.gift_card {
        SaleLine::GiftCard
    } else {
        SaleLine::Product
    }
}

/// The order's agreements, oldest first (the sale first of all).
pub fn ledger(_shop: &SimShop, order: &SimOrder) -> Vec<Agreement> {
    let mut out = Vec::new();
    let find = |id: i64| order.lines.iter().find(|l| l.id == id);

    let mut sale = Sales::new(order.id);
    for line in order.lines.iter().filter(|l| !order.appended(l.id)) {
        sale.sold(order, line);
    }
    if order.tip > 0 {
        sale.push(
            SaleAction::Order,
            SaleLine::Tip,
            None,
            Some(1),
            order.tip,
            0,
            0,
        );
    }
    if order.shipping > 0 {
        sale.push(
            SaleAction::Order,
            SaleLine::Shipping,
            None,
            Some(1),
            order.shipping,
            0,
            0,
        );
    }
    out.push(Agreement {
        id: order.id,
        kind: AgreementKind::Order,
        happened_at: order.processed_at,
        sales: sale.sales,
    });

    for refund in order.refunds.iter().filter(|r| r.return_id.is_none()) {
        let mut sales = Sales::new(refund.id);
        for rl in &refund.lines {
            sales.taken(
                order,
                &SimTakeBack {
                    line_id: rl.line_id,
                    quantity: rl.quantity,
                    subtotal: rl.subtotal,
                    tax: rl.tax,
                    discount: rl.discount,
                },
            );
        }
        if refund.other_amount > 0 {
            // Money without goods: the shipping, else the tip (the simulator's refunds of
            // "tax only" are shown as shipping: never a sale either way).
            let kind = if order.shipping == 0 && order.tip > 0 {
                SaleLine::Tip
            } else {
                SaleLine::Shipping
            };
            sales.push(
                SaleAction::Return,
                kind,
                None,
                Some(-1),
                -refund.other_amount,
                0,
                0,
            );
        }
        out.push(Agreement {
            id: refund.id,
            kind: AgreementKind::Refund(refund.id),
            happened_at: refund.when(),
            sales: sales.sales,
        });
    }

    for ret in &order.returns {
        let mut sales = Sales::new(ret.id);
        for t in &ret.lines {
            sales.taken(order, t);
        }
        for line in ret.exchange_lines.iter().filter_map(|&id| find(id)) {
            sales.sold(order, line);
        }
        if ret.fee > 0 {
            sales.push(
                SaleAction::Return,
                SaleLine::Fee,
                None,
                Some(1),
                ret.fee,
                0,
                0,
            );
        }
        out.push(Agreement {
            id: ret.id,
            kind: AgreementKind::Return(ret.id),
            happened_at: ret.at,
            sales: sales.sales,
        });
    }

    for edit in &order.edits {
        let mut sales = Sales::new(edit.id);
        for line in edit.added.iter().filter_map(|&id| find(id)) {
            sales.sold(order, line);
        }
        for t in &edit.removed {
            sales.taken(order, t);
        }
        for d in &edit.discounts {
            // A discount given later: no units move, the line's value drops by the discount
            // (with its tax when prices exclude it).
            let total = if order.taxes_included {
                d.amount
            } else {
                d.amount + d.tax
            };
            sales.push(
                SaleAction::Update,
                SaleLine::Product,
                Some(d.line_id),
                Some(0),
                -total,
                -d.tax,
                d.amount,
            );
        }
        out.push(Agreement {
            id: edit.id,
            kind: AgreementKind::OrderEdit,
            happened_at: edit.at,
            sales: sales.sales,
        });
    }
    // Stable: the sale stays first when a change happened at the same instant.
    out.sort_by_key(|a| a.happened_at);
    out
}

/// Lines whose product (or gift-card) sales do not add up to their `currentQuantity`:
/// the check DOMAIN.md asks of every order. Empty when the ledger is right.
pub fn quantity_mismatches(shop: &SimShop, order: &SimOrder) -> Vec<(i64, i64, i64)> {
    let agreements = ledger(shop, order);
    order
        .lines
        .iter()
        .filter_map(|line| {
            let sold: i64 = agreements
                .iter()
                .flat_map(|a| &a.sales)
                .filter(|s| s.line_id == Some(line.id))
                .filter(|s| matches!(s.line_type, SaleLine::Product | SaleLine::GiftCard))
                .filter_map(|s| s.quantity)
                .sum();
            let current = order.current_quantity(line);
            (sold != current).then_some((line.id, sold, current))
        })
        .collect()
}
