//! A page rendered once from a tenant's data and served again from memory, with the parts
//! that belong to one request (its CSRF token, the signed-in user's email) filled in each
//! time. The page is rendered with stand-ins in their place: random for each process and
//! never sent to anyone, so no stored text (a location's name, say) can contain one.

use std::sync::LazyLock;

use crate::web::context::Layout;

struct Marks {
    csrf: String,
    email: String,
}

static MARKS: LazyLock<Marks> = LazyLock::new(|| {
    let nonce = crate::crypto::sha256_hex(&crate::crypto::random_token());
    Marks {
        csrf: format!("tmas-csrf-{nonce}"),
        email: format!("tmas-email-{nonce}"),
    }
});

/// `layout` with stand-ins for what one request alone may show: render a page to keep with it.
pub fn shared_layout(layout: &Layout) -> Layout {
    Layout {
        csrf: MARKS.csrf.clone(),
        user_email: MARKS.email.clone(),
        ..layout.clone()
    }
}

enum Part {
    Text(String),
    Csrf,
    Email,
}

/// A rendered page split at its stand-ins.
pub struct CachedPage {
    parts: Vec<Part>,
    bytes: usize,
}

impl CachedPage {
    /// Splits a page rendered with [`shared_layout`].
    pub fn new(html: &str) -> CachedPage {
        let mut parts = Vec::new();
        let mut rest = html;
        loop {
            let csrf = rest.find(&MARKS.csrf);
            let email = rest.find(&MARKS.email);
            let (at, part, len) = match (csrf, email) {
                (Some(c), Some(e)) if e < c => (e, Part::Email, MARKS.email.len()),
                (Some(c), _) => (c, Part::Csrf, MARKS.csrf.len()),
                (None, Some(e)) => (e, Part::Email, MARKS.email.len()),
                (None, None) => break,
            };
            if at > 0 {
                parts.push(Part::Text(rest[..at].to_string()));
            }
            parts.push(part);
            rest = &rest[at + len..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        CachedPage {
            parts,
            bytes: html.len(),
        }
    }

    /// The page's size, for the cache's budget.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The page for one request: its CSRF token and the user's email in their places,
    /// escaped as the template escapes them.
    pub fn fill(&self, layout: &Layout) -> String {
        let csrf = escape(&layout.csrf);
        let email = escape(&layout.user_email);
        let mut out = String::with_capacity(self.bytes + 8 * (csrf.len() + email.len()));
        for part in &self.parts {
            out.push_str(match part {
                Part::Text(text) => text,
                Part::Csrf => &csrf,
                Part::Email => &email,
            });
        }
        out
    }
}

fn escape(text: &str) -> String {
    askama::filters::escape(text, askama::filters::Html)
        .map(|safe| safe.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_each_requests_own_parts_escaped() {
        let shared = shared_layout(&Layout {
            csrf: "theirs".into(),
            user_email: "them@example.com".into(),
            ..Layout::default()
        });
        let html = format!(
            "<p>{}</p><input value=\"{}\"><i>{}</i>{}",
            shared.user_email, shared.csrf, shared.csrf, shared.user_email
        );
        let page = CachedPage::new(&html);
        let mine = Layout {
            csrf: "tok-1_A".into(),
            user_email: "a&b<c>@example.com".into(),
            ..Layout::default()
        };
        assert_eq!(
            page.fill(&mine),
            "<p>a&#38;b&#60;c&#62;@example.com</p><input value=\"tok-1_A\"><i>tok-1_A</i>\
             a&#38;b&#60;c&#62;@example.com"
        );
        assert!(!page.fill(&mine).contains("theirs"));
        assert_eq!(CachedPage::new("plain").fill(&mine), "plain");
    }
}
