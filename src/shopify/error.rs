//! What can go wrong talking to Shopify, each with what a store admin should do about it.

/// A failed Shopify call. Messages are shown to store admins, so they say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShopifyError {
    #[error(
        "Shopify rejected the app's credentials (401): the app was uninstalled or its token \
         revoked. Reinstall the app in Shopify and enter its new credentials in TMAS."
    )]
    CredentialsRejected,
    #[error(
        "The app is missing the `{scope}` access scope. Add it to the app's configuration in \
         Shopify, approve the new scope, and try again."
    )]
    ScopeMissing { scope: String },
    #[error("Shopify does not know this store (404). Check the store name in the integration.")]
    ShopNotFound,
    #[error(
        "The Shopify store is unavailable ({reason}). Its owner must resolve this in Shopify \
         (billing, or a locked or closed store); imports resume once it is available."
    )]
    ShopUnavailable { reason: String },
    #[error(
        "Shopify kept throttling requests beyond the allowed waits. Nothing is needed from you: \
         the import resumes at its next run."
    )]
    RateLimited,
    #[error(
        "Shopify could not be reached reliably after {attempts} attempts ({detail}). Nothing is \
         needed from you: the import is retried at its next run."
    )]
    Transient { attempts: u32, detail: String },
    #[error(
        "Shopify answered something TMAS cannot read ({context}). If this persists, contact \
         TMAS support."
    )]
    MalformedResponse { context: String },
    #[error(
        "Shopify order {order} has more {what} than TMAS reads for one order ({limit}). The \
         import stopped there rather than count the order in part; contact TMAS support."
    )]
    OrderTooLarge {
        /// The order's name and id, e.g. `#1042 (gid://shopify/Order/450789469)`.
        order: String,
        /// `line items`, `refunds` or `lines in one refund`.
        what: String,
        limit: u32,
    },
    #[error(
        "Shopify refused a TMAS query as too costly ({cost} points, limit {max}). Nothing is \
         needed from you; TMAS support has to adjust the import, which is retried at each run."
    )]
    QueryTooCostly { cost: u32, max: u32 },
    #[error("The Shopify connection is misconfigured: {0}")]
    Config(String),
}

impl ShopifyError {
    /// True when a person must act (credentials, scopes, store status) before imports can
    /// work again; the integration should then show "needs attention" and stop scheduling.
    pub fn is_attention_needed(&self) -> bool {
        matches!(
            self,
            ShopifyError::CredentialsRejected
                | ShopifyError::ScopeMissing { .. }
                | ShopifyError::ShopNotFound
                | ShopifyError::ShopUnavailable { .. }
                | ShopifyError::OrderTooLarge { .. }
                | ShopifyError::Config(_)
        )
    }

    /// True when trying again later may succeed by itself.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ShopifyError::RateLimited
                | ShopifyError::Transient { .. }
                | ShopifyError::MalformedResponse { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_errors_into_attention_and_transient() {
        assert!(ShopifyError::CredentialsRejected.is_attention_needed());
        assert!(
            ShopifyError::ScopeMissing {
                scope: "read_orders".into()
            }
            .is_attention_needed()
        );
        assert!(!ShopifyError::RateLimited.is_attention_needed());
        assert!(
            ShopifyError::Transient {
                attempts: 3,
                detail: "503".into()
            }
            .is_transient()
        );
        assert!(
            ShopifyError::ScopeMissing {
                scope: "read_orders".into()
            }
            .to_string()
            .contains("read_orders")
        );
    }
}
