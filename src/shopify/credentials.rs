//! How the app authenticates: a fixed Admin API token, or a client ID and secret exchanged
//! for expiring tokens. Secrets never appear in Debug output or logs.

use std::fmt;
use std::time::{Duration, Instant};

#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// An Admin API access token of a custom app, sent as `X-Shopify-Access-Token`.
    AccessToken(String),
    /// A Dev Dashboard app's client ID and secret (client credentials grant).
    ClientCredentials {
        client_id: String,
        client_secret: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::AccessToken(_) => f.write_str("AccessToken(<redacted>)"),
            Credentials::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &"<redacted>")
                .finish(),
        }
    }
}

/// A token obtained with client credentials, kept until shortly before it expires.
#[derive(Clone)]
pub(crate) struct CachedToken {
    pub token: String,
    pub renew_at: Instant,
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("token", &"<redacted>")
            .field("renew_at", &self.renew_at)
            .finish()
    }
}

impl CachedToken {
    /// Renews at 90% of the lifetime, and at least 5 s (or half a short lifetime) early, so
    /// that a request in flight never carries a token that expires on the way.
    pub fn new(token: String, expires_in: Duration, now: Instant) -> Self {
        let margin = (expires_in / 10).max(Duration::from_secs(5).min(expires_in / 2));
        CachedToken {
            token,
            renew_at: now + expires_in - margin,
        }
    }

    pub fn is_fresh(&self, now: Instant) -> bool {
        now < self.renew_at
    }
}

/// The answer of `POST /admin/oauth/access_token`.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    #[allow(dead_code)] // Shopify sends it; scopes are checked through access_scopes.json.
    pub scope: Option<String>,
    pub expires_in: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let a = format!("{:?}", Credentials::AccessToken("shpat_secret".into()));
        assert!(!a.contains("shpat_secret"));
        let c = format!(
            "{:?}",
            Credentials::ClientCredentials {
                client_id: "id1".into(),
                client_secret: "s3cret".into()
            }
        );
        assert!(c.contains("id1") && !c.contains("s3cret"));
        let t = CachedToken::new("tok".into(), Duration::from_secs(100), Instant::now());
        assert!(!format!("{t:?}").contains("tok\""));
    }

    #[test]
    fn renews_before_expiry() {
        let now = Instant::now();
        let t = CachedToken::new("t".into(), Duration::from_secs(100), now);
        assert!(t.is_fresh(now + Duration::from_secs(89)));
        assert!(!t.is_fresh(now + Duration::from_secs(91)));
    }
}
