//! Users, roles, plans and the rules for their fields.

use std::fmt;

/// Who a user is in the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The operator's onboarding staff: no tenant of their own, may act inside any tenant.
    Staff,
    /// Sets up integrations, users and locations of one tenant.
    Admin,
    /// Reads dashboards and reports of one tenant.
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
        let value = value.trim().to_lowercase();
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
}

/// A password strong enough to keep: long, not all of one kind, not a known weak one.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_LEN: usize = 10;
    pub const MAX_LEN: usize = 128;

    pub fn parse(value: &str) -> Result<NewPassword, String> {
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
        let has_letter = value.chars().any(char::is_alphabetic);
        let has_other = value.chars().any(|c| !c.is_alphabetic());
        let distinct = value
            .chars()
            .collect::<std::collections::HashSet<_>>()
            .len();
        if !has_letter || !has_other || distinct < 5 {
            return Err(
                "The password is too weak: mix letters with digits or symbols, and avoid repeating characters."
                    .into(),
            );
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
    fn passwords() {
        assert!(NewPassword::parse("correct-horse-7").is_ok());
        for weak in [
            "short1",
            "aaaaaaaaaaaa1",
            "onlyletterswords",
            "1234567890123",
        ] {
            assert!(NewPassword::parse(weak).is_err(), "{weak:?} accepted");
        }
    }

    #[test]
    fn plans() {
        assert!(!Plan::Basic.allows_pos_integration());
        assert!(Plan::Retail.allows_pos_integration());
        assert!(Plan::Enterprise.allows_pos_integration());
        assert!(Plan::parse("gold").is_err());
    }
}
