//! What TMAS reads while Shopify exports: first the refunds' places (`bulk_refunds`) when
//! the export does not carry them, then the returns' places (`bulk_returns`). An export of a large store takes minutes during
//! which the rate-limit bucket would refill unused; what is read here is not read again
//! after the file, which is what makes the first import end soon after the export.

use super::export::ExportShape;
use super::refund_pre_read::RefundPreRead;
use super::return_places::ReturnPreRead;
use crate::shopify::client::ShopifyClient;
use crate::shopify::error::ShopifyError;
use crate::shopify::types::TimeWindow;

/// The refunds and returns read while the export runs, and where each reading is.
#[derive(Debug)]
pub struct ExportPreRead {
    pub refunds: RefundPreRead,
    pub returns: ReturnPreRead,
}

impl ExportPreRead {
    /// What to read while an export of `shape` runs: an export with the refunds' places
    /// leaves only the returns (whose refunds come with their transactions).
    pub fn new(window: &TimeWindow, shape: ExportShape) -> Self {
        ExportPreRead {
            refunds: match shape {
                ExportShape::RefundPlaces => RefundPreRead::none(),
                ExportShape::Plain => RefundPreRead::new(window),
            },
            returns: ReturnPreRead::new(window),
        }
    }

    /// Nothing more to read: both readings are done or stopped.
    pub fn is_done(&self) -> bool {
        self.refunds.is_done() && self.returns.is_done()
    }

    /// Stops the reading under way (after an error); the next one still runs, and what was
    /// read is still used.
    pub fn stop(&mut self) {
        if self.refunds.is_done() {
            self.returns.stop();
        } else {
            self.refunds.stop();
        }
    }

    /// The points Shopify counted for both readings so far.
    pub fn actual_points(&self) -> f64 {
        self.refunds.record.actual_points + self.returns.record.actual_points
    }
}

/// Refunds read alone (the returns are then all read after the file).
impl From<RefundPreRead> for ExportPreRead {
    fn from(refunds: RefundPreRead) -> Self {
        ExportPreRead {
            refunds,
            returns: ReturnPreRead::none(),
        }
    }
}

impl ShopifyClient {
    /// Reads the next page of whichever reading is under way. Does nothing once both are
    /// done.
    pub async fn pre_read_page(&self, pre: &mut ExportPreRead) -> Result<(), ShopifyError> {
        if !pre.refunds.is_done() {
            self.pre_read_refunds_page(&mut pre.refunds).await
        } else {
            self.pre_read_returns_page(&mut pre.returns).await
        }
    }
}
