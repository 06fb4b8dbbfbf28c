//! A Shopify store name (the `mystore` of `mystore.myshopify.com`), parsed from whatever an
//! admin pastes: the bare name, the myshopify domain, or an admin URL.

use std::fmt;

/// A Shopify store handle: lowercase letters, digits and dashes, starting with a letter or
/// digit, at most 60 characters (Shopify's own limit for `*.myshopify.com` names).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreName(String);

/// What a valid store name looks like, for error messages.
/// Plain text: it is shown as it is, so it holds no markup.
pub const STORE_NAME_HELP: &str = "A store name looks like mystore (from mystore.myshopify.com): \
     lowercase letters, digits and dashes. You can also paste mystore.myshopify.com or the \
     address of the store's admin, such as https://admin.shopify.com/store/mystore.";

impl StoreName {
    pub const MAX_LEN: usize = 60;

    /// Accepts `mystore`, `mystore.myshopify.com` and `https://mystore.myshopify.com/admin…`
    /// (any case, surrounding spaces ignored) and keeps `mystore`.
    pub fn parse(value: &str) -> Result<StoreName, String> {
        let raw = value.trim();
        if raw.is_empty() {
            return Err(format!("Enter the store name. {STORE_NAME_HELP}"));
        }
        let lower = raw.to_ascii_lowercase();
        let without_scheme = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .unwrap_or(&lower);
        // The host part ends at the first '/', '?' or '#'; a bare name has no path.
        let host_end = without_scheme
            .find(['/', '?', '#'])
            .unwrap_or(without_scheme.len());
        let (host, rest) = without_scheme.split_at(host_end);
        let had_scheme = without_scheme.len() != lower.len();
        // Today's Shopify admin lives at admin.shopify.com/store/<name>/…
        let unified = (host == "admin.shopify.com")
            .then(|| rest.strip_prefix("/store/"))
            .flatten()
            .map(|path| path.split(['/', '?', '#']).next().unwrap_or_default());
        let (name, rest) = match (unified, host.strip_suffix(".myshopify.com")) {
            (Some(name), _) => (name, ""),
            (None, Some(name)) => (name, rest),
            (None, None) if !had_scheme && rest.is_empty() => (host, rest),
            (None, None) => return Err(refusal(raw)),
        };
        // A path is only accepted after a myshopify host, and only an admin path.
        if !(rest.is_empty() || rest.starts_with("/admin") || rest == "/") {
            return Err(refusal(raw));
        }
        let valid = !name.is_empty()
            && name.len() <= Self::MAX_LEN
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !name.starts_with('-')
            && !name.ends_with('-');
        if valid {
            Ok(StoreName(name.to_string()))
        } else {
            Err(refusal(raw))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn refusal(raw: &str) -> String {
    match suggestion(raw) {
        Some(name) => format!(
            "{raw:?} is not a Shopify store name. If the store's address is \
             {name}.myshopify.com, enter {name:?}. {STORE_NAME_HELP}"
        ),
        None => format!("{raw:?} is not a Shopify store name. {STORE_NAME_HELP}"),
    }
}

/// The store name a shop's display name most likely has ("My Store" → `my-store`, as Shopify
/// makes it from the shop's name): only for a bare name, never an address.
fn suggestion(raw: &str) -> Option<String> {
    if raw.contains(['.', '/', ':']) {
        return None;
    }
    let words: Vec<String> = raw
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let name = words.join("-");
    // Only when the display name is all there is: "mystöre" loses a letter, no guess.
    let kept: usize = words.iter().map(String::len).sum();
    let letters = raw.chars().filter(|c| c.is_alphanumeric()).count();
    (kept == letters && !name.is_empty() && name.len() <= StoreName::MAX_LEN && name != raw)
        .then_some(name)
}

impl TryFrom<&str> for StoreName {
    type Error = String;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        StoreName::parse(value)
    }
}

impl TryFrom<String> for StoreName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        StoreName::parse(&value)
    }
}

impl fmt::Display for StoreName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for StoreName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        StoreName::parse(input)
            .unwrap_or_else(|e| panic!("{input:?} should parse: {e}"))
            .as_str()
            .to_string()
    }

    #[test]
    fn accepts_every_form_an_admin_pastes() {
        assert_eq!(ok("mystore"), "mystore");
        assert_eq!(ok("  my-store-2  "), "my-store-2");
        assert_eq!(ok("MyStore"), "mystore");
        assert_eq!(ok("mystore.myshopify.com"), "mystore");
        assert_eq!(ok("MYSTORE.MYSHOPIFY.COM"), "mystore");
        assert_eq!(ok("https://mystore.myshopify.com"), "mystore");
        assert_eq!(ok("https://mystore.myshopify.com/"), "mystore");
        assert_eq!(ok("https://mystore.myshopify.com/admin"), "mystore");
        assert_eq!(
            ok("https://mystore.myshopify.com/admin/orders?x=1"),
            "mystore"
        );
        assert_eq!(ok("http://mystore.myshopify.com/admin/settings"), "mystore");
        // The address today's Shopify admin shows.
        assert_eq!(ok("https://admin.shopify.com/store/my-store"), "my-store");
        assert_eq!(ok("admin.shopify.com/store/MyStore/orders?x=1"), "mystore");
        assert!(StoreName::parse("https://admin.shopify.com/store/").is_err());
        assert!(StoreName::parse("https://admin.shopify.com/settings").is_err());
        assert!(!StoreName::parse("x y").unwrap_err().contains('`'));
        assert_eq!(ok("mystore.myshopify.com/admin"), "mystore");
        assert_eq!(
            StoreName::try_from("alpha").map(|s| s.to_string()),
            Ok("alpha".into())
        );
    }

    #[test]
    fn refuses_anything_else_saying_what_a_name_looks_like() {
        for bad in [
            "",
            "   ",
            "my store",
            "my_store",
            "mystore.com",
            "www.mystore.com",
            "https://mystore.com/admin",
            "https://admin.shopify.com/mystore",
            "https://mystore.myshopify.com/products/x",
            ".myshopify.com",
            "-mystore",
            "mystore-",
            "my/store",
            "mystöre",
            "ftp://mystore.myshopify.com",
            &"a".repeat(61),
        ] {
            let err = StoreName::parse(bad).expect_err(bad);
            assert!(
                err.contains("A store name looks like mystore (from"),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn a_display_name_is_answered_with_the_store_name_it_likely_has() {
        let err = StoreName::parse("My Store").unwrap_err();
        assert!(
            err.contains("If the store's address is my-store.myshopify.com, enter \"my-store\"."),
            "{err}"
        );
        assert!(
            StoreName::parse("my_store")
                .unwrap_err()
                .contains("enter \"my-store\"")
        );
        for no_guess in ["mystore.com", "mystöre", "-", "https://mystore.com/admin"] {
            let err = StoreName::parse(no_guess).unwrap_err();
            assert!(!err.contains("If the store's address"), "{no_guess}: {err}");
        }
        assert_eq!(
            crate::i18n::translate(crate::i18n::Lang::Es, &err),
            "\"My Store\" no es un nombre de tienda Shopify. Si la dirección de la tienda Shopify \
             es my-store.myshopify.com, escriba \"my-store\". Un nombre de tienda Shopify tiene la \
             forma mystore (de mystore.myshopify.com): letras minúsculas, dígitos y guiones. También \
             puede pegar mystore.myshopify.com o la dirección del panel de administración de la \
             tienda Shopify, como https://admin.shopify.com/store/mystore."
        );
    }

    #[test]
    fn longest_name_is_accepted() {
        assert_eq!(ok(&"a".repeat(60)).len(), 60);
    }
}
