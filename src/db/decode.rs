//! Reading stored words into domain values: one place turns a value no type knows into
//! sqlx's error for its column, so a bad row names the column and the value it holds.

use chrono::NaiveDate;

use crate::domain::integration::RunRequest;
use crate::domain::schedule::Schedule;

/// The decoded value, or sqlx's column error carrying why `column` could not be read.
pub fn column<T, E>(column: &str, decoded: Result<T, E>) -> sqlx::Result<T>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    decoded.map_err(|e| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: e.into(),
    })
}

/// A stored local date (`YYYY-MM-DD`); empty or NULL is no date.
pub fn optional_date(name: &str, value: Option<&str>) -> sqlx::Result<Option<NaiveDate>> {
    match value {
        None | Some("") => Ok(None),
        Some(day) => column(
            name,
            NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("not a date (YYYY-MM-DD): {day:?}")),
        ),
    }
}

/// `integrations.run_requested`: NULL when no run is asked for.
pub fn run_request(value: Option<&str>) -> sqlx::Result<Option<RunRequest>> {
    value
        .map(|word| column("run_requested", RunRequest::parse(word)))
        .transpose()
}

/// The schedule stored in `schedule_frequency`, `schedule_minute` and `schedule_hour`.
pub fn schedule(frequency: &str, minute: i64, hour: i64) -> sqlx::Result<Schedule> {
    column(
        "schedule_frequency",
        Schedule::from_columns(frequency, minute, hour),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_word_names_its_column_and_value() {
        let error = run_request(Some("nightly")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "error occurred while decoding column run_requested: unknown run request \"nightly\""
        );
        let error = schedule("weekly", 0, 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "error occurred while decoding column schedule_frequency: \
             unknown schedule frequency \"weekly\""
        );
        let error = optional_date("backfill_from", Some("2026-13-01")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "error occurred while decoding column backfill_from: \
             not a date (YYYY-MM-DD): \"2026-13-01\""
        );
    }

    #[test]
    fn known_words_and_empty_values() {
        assert_eq!(run_request(None).unwrap(), None);
        for request in RunRequest::ALL {
            assert_eq!(run_request(Some(request.as_str())).unwrap(), Some(request));
        }
        assert_eq!(optional_date("backfill_from", Some("")).unwrap(), None);
        assert_eq!(optional_date("backfill_from", None).unwrap(), None);
        assert_eq!(
            optional_date("backfill_from", Some("2026-02-28")).unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 28)
        );
        assert_eq!(
            schedule("daily", 5, 7).unwrap(),
            Schedule::Daily { hour: 7, minute: 5 }
        );
    }
}
