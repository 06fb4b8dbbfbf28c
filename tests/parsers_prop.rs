//! Property tests of the parsers of outside input owned by the foundation: form fields
//! (email, password, location fields, plan, role, schedule), the Accept-Language header,
//! settings, and the translation catalog. None may panic, and what they accept keeps its
//! promises.

use proptest::prelude::*;
use tmas::domain::account::{Email, NewPassword, Plan, Role, required_text};
use tmas::domain::location::{LocationCode, LocationInput, parse_time_zone};
use tmas::domain::schedule::Schedule;
use tmas::i18n::{Lang, format_decimal, translate};

proptest! {
    #[test]
    fn email_parse_never_panics_and_accepts_only_plausible_addresses(raw in ".{0,300}") {
        if let Ok(email) = Email::parse(&raw) {
            let s = email.as_str();
            prop_assert!(s.len() <= Email::MAX_LEN);
            prop_assert_eq!(s.matches('@').count(), 1);
            prop_assert!(!s.chars().any(char::is_whitespace));
            prop_assert_eq!(s.to_lowercase(), s);
        }
    }

    #[test]
    fn generated_addresses_are_accepted(local in "[a-z0-9._]{1,20}", domain in "[a-z0-9]{1,20}", tld in "[a-z]{2,6}") {
        let address = format!("{local}@{domain}.{tld}");
        let parsed = Email::parse(&address.to_uppercase()).unwrap();
        prop_assert_eq!(parsed.as_str(), address.as_str());
    }

    #[test]
    fn passwords_accepted_are_long_and_hard_to_guess(raw in ".{0,200}") {
        if let Ok(p) = NewPassword::parse(&raw) {
            let n = p.expose().chars().count();
            prop_assert!((NewPassword::MIN_LEN..=NewPassword::MAX_LEN).contains(&n));
            // Mixing kinds of characters is no longer the rule (a passphrase of uncommon
            // words is strong); the strength estimate is.
            prop_assert!(zxcvbn::zxcvbn(p.expose(), &[]).score() >= zxcvbn::Score::Three);
            let debug = format!("{:?}", p);
            prop_assert!(!debug.contains(p.expose()));
        }
    }

    #[test]
    fn location_codes_accepted_are_safe(raw in ".{0,80}") {
        if let Ok(code) = LocationCode::parse(&raw) {
            prop_assert!(!code.as_str().is_empty() && code.as_str().len() <= LocationCode::MAX_LEN);
            prop_assert!(code.as_str().chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
        }
    }

    #[test]
    fn location_form_names_every_bad_field(name in ".{0,120}", code in ".{0,50}", tz in ".{0,40}", status in ".{0,10}") {
        match LocationInput::parse(&name, &code, &tz, &status) {
            Ok(input) => {
                prop_assert!(!input.name.is_empty());
                prop_assert!(parse_time_zone(input.time_zone.name()).is_ok());
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for (field, message) in errors {
                    prop_assert!(["name", "location_id", "time_zone", "status"].contains(&field));
                    prop_assert!(!message.is_empty());
                }
            }
        }
    }

    #[test]
    fn required_text_is_trimmed_and_bounded(raw in ".{0,150}", max in 1usize..120) {
        if let Ok(text) = required_text("label", &raw, max) {
            prop_assert_eq!(text.trim(), text.as_str());
            prop_assert!(!text.is_empty() && text.chars().count() <= max);
        }
    }

    #[test]
    fn plans_and_roles_parse_only_their_names(raw in "[a-z]{0,12}") {
        prop_assert_eq!(Plan::parse(&raw).is_ok(), ["basic", "retail", "enterprise"].contains(&raw.as_str()));
        prop_assert_eq!(Role::parse(&raw).is_ok(), ["staff", "admin", "manager"].contains(&raw.as_str()));
    }

    #[test]
    fn schedules_parse_within_bounds(freq in "(hourly|daily|weekly|)", minute in ".{0,4}", hour in ".{0,4}") {
        if let Ok(s) = Schedule::parse(&freq, &minute, &hour) {
            prop_assert!(s.minute() < 60 && s.hour() < 24);
        }
    }

    #[test]
    fn next_run_is_always_in_the_future_and_on_the_minute(
        secs in 1_600_000_000i64..1_900_000_000,
        minute in 0u32..60,
        hour in 0u32..24,
        zone in prop::sample::select(vec!["America/Toronto", "Europe/Madrid", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]),
    ) {
        use chrono::Timelike;
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        let after = chrono::DateTime::from_timestamp(secs, 0).unwrap();
        let hourly = Schedule::Hourly { minute }.next_after(after, tz);
        prop_assert!(hourly > after && hourly - after <= chrono::Duration::hours(1));
        prop_assert_eq!(hourly.with_timezone(&tz).minute(), minute);
        let daily = Schedule::Daily { hour, minute }.next_after(after, tz);
        prop_assert!(daily > after && daily - after <= chrono::Duration::hours(49));
    }

    #[test]
    fn accept_language_never_panics(raw in ".{0,200}") {
        let _ = Lang::from_accept_language(&raw);
    }

    #[test]
    fn translation_of_unknown_text_is_the_text(raw in "[a-zA-Z ]{0,60}") {
        let spanish = translate(Lang::Es, &format!("zz {raw}"));
        prop_assert_eq!(spanish, format!("zz {raw}"));
    }

    #[test]
    fn decimals_round_trip(minor in any::<i32>(), digits in 0u32..4) {
        let text = format_decimal(Lang::En, i64::from(minor), digits).replace(',', "");
        let parsed: f64 = text.parse().unwrap();
        // f64 only to check the printed decimal, never to compute money.
        let expected = f64::from(minor) / 10f64.powi(digits as i32);
        prop_assert!((parsed - expected).abs() < 1e-6);
    }
}

mod setup_and_reports {
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use tmas::config::Settings;
    use tmas::db::locations::Location;
    use tmas::domain::integration_setup::{ShopifyLocationId, parse_backfill};
    use tmas::domain::location::LocationStatus;
    use tmas::domain::store_name::StoreName;
    use tmas::web::reports::params::{EXPORT_RULES, PAGE_RULES, ReportForm, parse};

    fn locations() -> Vec<Location> {
        ["S-01", "S-02"]
            .iter()
            .enumerate()
            .map(|(i, code)| Location {
                id: i as i64 + 1,
                tenant_id: 1,
                location_id: code.to_string(),
                name: format!("Store {i}"),
                time_zone: "America/Toronto".into(),
                status: LocationStatus::Active,
            })
            .collect()
    }

    proptest! {
        #[test]
        fn store_names_accepted_are_bare_shopify_handles(raw in ".{0,80}") {
            if let Ok(name) = StoreName::parse(&raw) {
                let s = name.as_str();
                prop_assert!(!s.is_empty());
                prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
                prop_assert!(!s.contains("myshopify"));
            }
        }

        #[test]
        fn every_accepted_spelling_keeps_the_handle(handle in "[a-z0-9][a-z0-9-]{0,30}[a-z0-9]") {
            for spelling in [
                handle.clone(),
                format!("{handle}.myshopify.com"),
                format!("https://{handle}.myshopify.com/admin/orders"),
            ] {
                let parsed = StoreName::parse(&spelling);
                prop_assert!(parsed.is_ok(), "{spelling:?}: {parsed:?}");
                let name = parsed.unwrap();
                prop_assert_eq!(name.as_str(), handle.as_str());
            }
        }

        #[test]
        fn shopify_location_ids_are_positive_numbers(raw in ".{0,40}", n in 1i64..i64::MAX) {
            if let Ok(id) = ShopifyLocationId::parse(&raw) {
                prop_assert!(id.get() > 0);
            }
            prop_assert_eq!(ShopifyLocationId::parse(&n.to_string()).map(|i| i.get()), Ok(n));
            prop_assert_eq!(ShopifyLocationId::parse(&format!("gid://shopify/Location/{n}")).map(|i| i.get()), Ok(n));
        }

        #[test]
        fn backfill_dates_follow_the_60_day_rule(raw in ".{0,12}", back in 0i64..400, all in any::<bool>()) {
            let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
            if let Ok(date) = parse_backfill(&raw, today, all) {
                prop_assert!(date <= today);
            }
            let date = today - chrono::Duration::days(back);
            let result = parse_backfill(&date.to_string(), today, all);
            prop_assert_eq!(result.is_ok(), all || back <= 60, "{} days back", back);
        }

        #[test]
        fn report_parameters_give_a_request_or_named_problems(
            from in ".{0,12}", to in ".{0,12}", granularity in ".{0,8}", preset in "(|custom|yesterday|last_7_days|this_month|last_month|x)",
            location in prop::collection::vec("(S-01|S-02|S-09|.{0,5})", 0..3),
        ) {
            let mut query = format!(
                "from={}&to={}&granularity={}&preset={}",
                urlencode(&from), urlencode(&to), urlencode(&granularity), preset
            );
            for l in &location {
                query.push_str(&format!("&location={}", urlencode(l)));
            }
            let form = ReportForm::from_query(Some(&query));
            let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
            for rules in [PAGE_RULES, EXPORT_RULES] {
                match parse(&form, today, &locations(), rules) {
                    Ok(request) => {
                        prop_assert!(request.range.from <= request.range.to);
                        prop_assert!(!request.locations.is_empty());
                        prop_assert!(rules.granularities.contains(&request.granularity));
                    }
                    Err(problems) => {
                        prop_assert!(!problems.is_empty());
                        prop_assert!(problems.iter().all(|p| !p.is_empty()));
                    }
                }
            }
        }

        #[test]
        fn settings_validation_names_the_bad_setting(
            url in ".{0,30}",
            shop_url in ".{0,30}",
            version in ".{0,10}",
            smtp_url in proptest::option::of(".{0,30}"),
            public_url in proptest::option::of(".{0,30}"),
        ) {
            let settings = Settings {
                bind: "127.0.0.1:0".parse().unwrap(),
                data_dir: "data".into(),
                database_url: Some(url),
                secret_key_file: None,
                shopify_url: shop_url,
                shopify_api_version: version,
                secure_cookies: false,
                reset_secret_key: false,
                header_read_timeout: 10,
                body_read_timeout: tmas::config::DEFAULT_BODY_READ_TIMEOUT,
                max_connections: tmas::config::DEFAULT_MAX_CONNECTIONS,
                smtp_url,
                smtp_user: None,
                smtp_password_file: None,
                mail_from: Some("TMAS <tmas@example.com>".into()),
                public_url,
            };
            if let Err(message) = settings.validate() {
                prop_assert!(message.starts_with("--"), "{message}");
            }
        }
    }

    fn urlencode(value: &str) -> String {
        value
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'-' {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }
}
