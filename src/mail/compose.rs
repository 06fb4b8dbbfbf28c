//! The messages TMAS sends, each made of a plain-text and an HTML template in the recipient's
//! language, with the tenant's name, and nothing secret but what the message is for (a
//! password-reset link). A composed message is what the outbox stores (encrypted).

use askama::Template;
use serde::{Deserialize, Serialize};

use crate::i18n::{self, Lang};

/// A message ready to send: subject and both bodies, in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Composed {
    #[serde(with = "lang_code")]
    pub lang: Lang,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What every mail template reads: its language (fixed, unlike a page's, which follows the
/// request) and the tenant the message is about.
#[derive(Debug, Clone)]
pub struct MailLayout {
    pub lang: Lang,
    /// Empty for onboarding staff, who belong to no tenant.
    pub tenant_name: String,
}

impl MailLayout {
    pub fn t(&self, english: &str) -> String {
        i18n::translate(self.lang, english)
    }
    pub fn t1(&self, pattern: &str, a: impl std::fmt::Display) -> String {
        i18n::fill(self.lang, pattern, &[a.to_string()])
    }
    pub fn lang(&self) -> &'static str {
        self.lang.code()
    }
    /// "Acme · " before a subject, so a reader of several tenants' mail tells them apart.
    fn subject(&self, english: &str) -> String {
        if self.tenant_name.is_empty() {
            self.t(english)
        } else {
            format!("{} · {}", self.tenant_name, self.t(english))
        }
    }
}

#[derive(Template)]
#[template(path = "mail_test.txt")]
struct TestText<'a> {
    layout: &'a MailLayout,
}

#[derive(Template)]
#[template(path = "mail_test.html")]
struct TestHtml<'a> {
    layout: &'a MailLayout,
}

/// `tmas admin send-test-mail`: proof that mail leaves TMAS and arrives.
pub fn test_message(lang: Lang) -> Result<Composed, askama::Error> {
    let layout = MailLayout {
        lang,
        tenant_name: String::new(),
    };
    Ok(Composed {
        lang,
        subject: layout.subject("TMAS test message"),
        text: TestText { layout: &layout }.render()?,
        html: TestHtml { layout: &layout }.render()?,
    })
}

#[derive(Template)]
#[template(path = "mail_password_reset.txt")]
struct ResetText<'a> {
    layout: &'a MailLayout,
    email: &'a str,
    link: &'a str,
    minutes: i64,
}

#[derive(Template)]
#[template(path = "mail_password_reset.html")]
struct ResetHtml<'a> {
    layout: &'a MailLayout,
    email: &'a str,
    link: &'a str,
    minutes: i64,
}

/// "Forgot your password?": the single-use link to choose a new one.
pub fn password_reset(
    layout: &MailLayout,
    email: &str,
    link: &str,
    minutes: i64,
) -> Result<Composed, askama::Error> {
    Ok(Composed {
        lang: layout.lang,
        subject: layout.subject("Choose a new TMAS password"),
        text: ResetText {
            layout,
            email,
            link,
            minutes,
        }
        .render()?,
        html: ResetHtml {
            layout,
            email,
            link,
            minutes,
        }
        .render()?,
    })
}

mod lang_code {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::i18n::Lang;

    pub fn serialize<S: Serializer>(lang: &Lang, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(lang.code())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Lang, D::Error> {
        let code = String::deserialize(d)?;
        Ok(Lang::from_code(&code).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_mail_in_both_languages_with_the_tenant_and_escaped_html() {
        let link = "https://tmas.example.com/password/reset?token=abc&x=1";
        for (lang, words) in [(Lang::En, "new password"), (Lang::Es, "nueva contraseña")] {
            let layout = MailLayout {
                lang,
                tenant_name: "Acme <Retail>".into(),
            };
            let mail = password_reset(&layout, "ana@acme.example", link, 30).unwrap();
            assert!(
                mail.subject.starts_with("Acme <Retail> · "),
                "{}",
                mail.subject
            );
            assert!(mail.text.contains(link), "{}", mail.text);
            assert!(mail.text.to_lowercase().contains(words), "{}", mail.text);
            assert!(mail.text.contains("30"), "{}", mail.text);
            assert!(mail.html.contains("token=abc&#38;x=1"), "{}", mail.html);
            assert!(mail.html.contains("Acme &#60;Retail&#62;"), "{}", mail.html);
            assert!(mail.html.contains(&format!("lang=\"{}\"", lang.code())));
        }
    }

    #[test]
    fn composed_messages_round_trip_through_json() {
        let mail = test_message(Lang::Es).unwrap();
        let json = serde_json::to_string(&mail).unwrap();
        assert_eq!(serde_json::from_str::<Composed>(&json).unwrap(), mail);
    }
}
