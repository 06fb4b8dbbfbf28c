//! Users, roles, plans and the rules for their fields.

use std::fmt;

/// Who a user is in the product.
/// The default is the least privileged role, for a page laid out before anyone signed in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The operator's onboarding staff: no tenant of their own, may act inside any tenant.
    Staff,
    /// Sets up integrations, users and locations of one tenant.
    Admin,
    /// Reads dashboards and reports of one tenant.
    #[default]
    Manager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Admin => "admin",
            Role::Manager => "manager",
        }
    }

    pub fn parse(value: &str) -> Result<Role, String> {
        match value {
            "staff" => Ok(Role::Staff),
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            other => Err(format!("Unknown role {other:?}: choose admin or manager.")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tenant's subscription; only retail and above may connect a POS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Plan {
    Basic,
    Retail,
    Enterprise,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Basic, Plan::Retail, Plan::Enterprise];

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Basic => "basic",
            Plan::Retail => "retail",
            Plan::Enterprise => "enterprise",
        }
    }

    /// The plan's name as people read it, in every language (a product name, not translated).
    pub fn title(self) -> &'static str {
        match self {
            Plan::Basic => "Basic",
            Plan::Retail => "Retail",
            Plan::Enterprise => "Enterprise",
        }
    }

    pub fn parse(value: &str) -> Result<Plan, String> {
        match value {
            "basic" => Ok(Plan::Basic),
            "retail" => Ok(Plan::Retail),
            "enterprise" => Ok(Plan::Enterprise),
            other => Err(format!(
                "Unknown plan {other:?}: choose basic, retail or enterprise."
            )),
        }
    }

    /// Connecting a point-of-sale integration needs the retail plan or higher.
    pub fn allows_pos_integration(self) -> bool {
        self >= Plan::Retail
    }
}

/// A syntactically plausible email address, lower-cased so that sign-in ignores case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(value: &str) -> Result<Email, String> {
        // Invisible characters would make two addresses that read alike, or an address that
        // reads as another in a list; they are refused, not removed.
        if value.chars().any(super::lookalike::is_invisible) {
            return Err(
                "The email address contains an invisible character (such as a zero-width space or a direction mark): type it again."
                    .into(),
            );
        }
        // NFKC folds compatibility forms (full-width letters, ligatures) into the plain ones.
        let value = super::lookalike::nfkc(value.trim()).to_lowercase();
        if value.is_empty() {
            return Err("Enter an email address.".into());
        }
        if value.len() > Self::MAX_LEN {
            return Err(format!(
                "The email address is too long (at most {} characters).",
                Self::MAX_LEN
            ));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(format!("{value:?} is not an email address: it needs an @."));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty()
            || !domain_ok
            || domain.contains('@')
            || value.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(format!(
                "{value:?} is not an email address (expected something like name@example.com)."
            ));
        }
        Ok(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the address looks like to a reader (see [`super::lookalike::skeleton`]): an
    /// address with the skeleton of an existing one can be mistaken for it.
    pub fn skeleton(&self) -> String {
        super::lookalike::skeleton(&self.0)
    }
}

/// A password strong enough to keep: long enough, and rated hard to guess by zxcvbn (Dropbox's
/// estimator, which knows common passwords, words, names, keyboard patterns, dates and
/// substitutions) rather than by a hand-written list.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_LEN: usize = 10;
    pub const MAX_LEN: usize = 128;

    pub fn parse(value: &str) -> Result<NewPassword, String> {
        Self::parse_for(value, &[])
    }

    /// Like `parse`, and a password built from `personal` texts (the user's email) is weak too.
    pub fn parse_for(value: &str, personal: &[&str]) -> Result<NewPassword, String> {
        let chars = value.chars().count();
        if chars < Self::MIN_LEN {
            return Err(format!(
                "The password is too weak: use at least {} characters.",
                Self::MIN_LEN
            ));
        }
        if chars > Self::MAX_LEN {
            return Err(format!(
                "The password is too long (at most {} characters).",
                Self::MAX_LEN
            ));
        }
        // The user's email and its parts are known words to a guesser: the email itself, or
        // a password made of its pieces, is weak.
        let personal: Vec<String> = personal.iter().map(|p| p.to_lowercase()).collect();
        let inputs: Vec<&str> = personal
            .iter()
            .flat_map(|p| p.split(['@', '.', '-', '_', '+']))
            .chain(personal.iter().map(String::as_str))
            .filter(|p| !p.is_empty())
            .collect();
        let estimate = zxcvbn::zxcvbn(value, &inputs);
        if estimate.score() < zxcvbn::Score::Three {
            let feedback = estimate.feedback();
            let reason = feedback
                .and_then(|f| f.warning())
                .map(|w| w.to_string())
                .or_else(|| {
                    feedback
                        .and_then(|f| f.suggestions().first())
                        .map(|s| s.to_string())
                })
                .unwrap_or_else(|| "Add another word or two. Uncommon words are better.".into());
            return Err(format!("The password is too easy to guess: {reason}"));
        }
        Ok(NewPassword(value.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

// Never print a password, even by accident.
impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A required, bounded line of text such as a name or a label.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("Enter the {field}."));
    }
    if value.chars().count() > max {
        return Err(format!(
            "The {field} is too long (at most {max} characters)."
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("The {field} contains control characters."));
    }
    if value.chars().any(super::lookalike::is_format) {
        return Err(format!(
            "The {field} contains an invisible formatting character (such as a zero-width space or a right-to-left override): type it again."
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ana@Shop.EXAMPLE ").unwrap().as_str(),
            "ana@shop.example"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@shop.com",
            "ana@shop",
            "a b@shop.com",
            "a@b@c.com",
            "a@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn emails_refuse_invisible_characters() {
        for bad in [
            "ana\u{200B}@shop.example",
            "\u{FEFF}ana@shop.example",
            "ana@shop\u{200D}.example",
            "ana\u{202E}@shop.example",
            "ana\u{2066}@shop.example",
            "ana\u{00AD}@shop.example",
            "ana\u{0007}@shop.example",
        ] {
            let why = Email::parse(bad).unwrap_err();
            assert!(why.contains("invisible character"), "{bad:?}: {why}");
        }
    }

    #[test]
    fn emails_are_normalised_and_compared_by_skeleton() {
        // Full-width letters fold to plain ones (NFKC), the domain is lower case.
        assert_eq!(
            Email::parse("ＡＮＡ@Shop.EXAMPLE").unwrap().as_str(),
            "ana@shop.example"
        );
        let plain = Email::parse("ana@acme.example").unwrap();
        let cyrillic = Email::parse("\u{0430}na@acme.example").unwrap();
        let greek = Email::parse("ana@acme.ex\u{03B1}mple").unwrap();
        assert_ne!(plain, cyrillic);
        assert_eq!(plain.skeleton(), cyrillic.skeleton());
        assert_eq!(plain.skeleton(), greek.skeleton());
        assert_ne!(
            plain.skeleton(),
            Email::parse("anna@acme.example").unwrap().skeleton()
        );
    }

    #[test]
    fn names_refuse_control_and_format_characters() {
        assert_eq!(
            required_text("location name", " Downtown ", 100).unwrap(),
            "Downtown"
        );
        assert_eq!(
            required_text("location name", "Café Ñandú", 100).unwrap(),
            "Café Ñandú"
        );
        for bad in [
            "Down\u{202E}town",
            "Down\u{200B}town",
            "\u{FEFF}Downtown",
            "Down\u{2067}town",
        ] {
            let why = required_text("location name", bad, 100).unwrap_err();
            assert!(
                why.contains("invisible formatting character"),
                "{bad:?}: {why}"
            );
        }
        let why = required_text("location name", "Down\u{0007}town", 100).unwrap_err();
        assert!(why.contains("control characters"), "{why}");
    }

    #[test]
    fn passwords() {
        assert!(NewPassword::parse("correct-horse-battery-9").is_ok());
        assert_eq!(
            NewPassword::parse("short1").err().unwrap(),
            "The password is too weak: use at least 10 characters."
        );
        // Known-weak and breached patterns, each refused with a reason.
        for weak in [
            "password12",
            "qwerty1234",
            "aaaaaaaaaaaa1",
            "1234567890123",
            "P@ssw0rd2024",
            "iloveyou123",
        ] {
            let why = NewPassword::parse(weak).err();
            assert!(
                why.as_deref()
                    .is_some_and(|w| w.starts_with("The password is too easy to guess: ")
                        && w.len() > "The password is too easy to guess: ".len()),
                "{weak:?}: {why:?}"
            );
        }
        // The user's own email is not a password.
        assert!(NewPassword::parse("ana.perez@acme.example").is_ok());
        assert!(
            NewPassword::parse_for("ana.perez@acme.example", &["Ana.Perez@acme.example"]).is_err()
        );
    }

    #[test]
    fn plans() {
        assert!(!Plan::Basic.allows_pos_integration());
        assert!(Plan::Retail.allows_pos_integration());
        assert!(Plan::Enterprise.allows_pos_integration());
        assert!(Plan::parse("gold").is_err());
    }
}
