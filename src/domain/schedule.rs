//! An integration's import schedule: hourly at a minute, or daily at a time, in the tenant's
//! time zone, and the next instant it is due (right across daylight-saving changes).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::integration::{UnknownState, by_word};

/// The minute past the hour of the default hourly import.
pub const DEFAULT_MINUTE: u32 = 2;

/// How often imports run: the schedule form's choice and `schedule_frequency`'s word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    Hourly,
    Daily,
}

impl Frequency {
    pub const ALL: [Frequency; 2] = [Frequency::Hourly, Frequency::Daily];

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Hourly => "hourly",
            Frequency::Daily => "daily",
        }
    }

    /// The form's choice, with the message the form shows for anything else.
    pub fn parse(value: &str) -> Result<Frequency, String> {
        Self::decode(value).map_err(|_| format!("Choose hourly or daily imports, not {value:?}."))
    }

    /// The stored word.
    pub fn decode(value: &str) -> Result<Frequency, UnknownState> {
        by_word(&Self::ALL, Self::as_str, "schedule frequency", value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    Hourly { minute: u32 },
    Daily { hour: u32, minute: u32 },
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::Hourly {
            minute: DEFAULT_MINUTE,
        }
    }
}

impl Schedule {
    /// Parses the schedule form (`frequency`, `minute`, `hour`), naming each bad field.
    pub fn parse(
        frequency: &str,
        minute: &str,
        hour: &str,
    ) -> Result<Schedule, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let minute_value = match minute.trim().parse::<u32>() {
            Ok(m) if m < 60 => Some(m),
            _ => {
                errors.push((
                    "minute",
                    format!(
                        "The minute must be a whole number from 0 to 59, not {:?}.",
                        minute.trim()
                    ),
                ));
                None
            }
        };
        let schedule = match Frequency::parse(frequency) {
            // An hourly schedule has no hour: the form may leave it out or hold anything.
            Ok(Frequency::Hourly) => minute_value.map(|minute| Schedule::Hourly { minute }),
            Ok(Frequency::Daily) => {
                let hour_value = match hour.trim().parse::<u32>() {
                    Ok(h) if h < 24 => Some(h),
                    _ => {
                        errors.push((
                            "hour",
                            format!(
                                "The hour must be a whole number from 0 to 23, not {:?}.",
                                hour.trim()
                            ),
                        ));
                        None
                    }
                };
                match (hour_value, minute_value) {
                    (Some(hour), Some(minute)) => Some(Schedule::Daily { hour, minute }),
                    _ => None,
                }
            }
            Err(message) => {
                errors.push(("frequency", message));
                None
            }
        };
        match schedule {
            Some(s) if errors.is_empty() => Ok(s),
            _ => Err(errors),
        }
    }

    /// From the stored columns (`schedule_frequency`, `schedule_minute`, `schedule_hour`); an
    /// unknown frequency is an error, a minute or hour out of range is brought into it.
    pub fn from_columns(frequency: &str, minute: i64, hour: i64) -> Result<Schedule, UnknownState> {
        let minute = u32::try_from(minute).unwrap_or(DEFAULT_MINUTE).min(59);
        let hour = u32::try_from(hour).unwrap_or(0).min(23);
        Ok(match Frequency::decode(frequency)? {
            Frequency::Daily => Schedule::Daily { hour, minute },
            Frequency::Hourly => Schedule::Hourly { minute },
        })
    }

    pub fn frequency(&self) -> Frequency {
        match self {
            Schedule::Hourly { .. } => Frequency::Hourly,
            Schedule::Daily { .. } => Frequency::Daily,
        }
    }

    pub fn minute(&self) -> u32 {
        match *self {
            Schedule::Hourly { minute } | Schedule::Daily { minute, .. } => minute,
        }
    }

    pub fn hour(&self) -> u32 {
        match *self {
            Schedule::Hourly { .. } => 0,
            Schedule::Daily { hour, .. } => hour,
        }
    }

    /// A sentence for pages: "Every hour at minute 02" / "Every day at 06:30".
    pub fn describe(&self) -> String {
        match *self {
            Schedule::Hourly { minute } => format!("Every hour at minute {minute:02}"),
            Schedule::Daily { hour, minute } => format!("Every day at {hour:02}:{minute:02}"),
        }
    }

    /// The first due instant strictly after `after`, in the time zone `tz`.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        match *self {
            // Every UTC hour holds exactly one local "minute m" (offsets are whole or half
            // hours; for the rare 30/45-minute zones local minute m is still once an hour).
            Schedule::Hourly { minute } => {
                let local = after.with_timezone(&tz);
                let offset_minutes = (local.naive_local() - after.naive_utc()).num_minutes();
                let mut candidate = truncate_to_hour(after)
                    + Duration::minutes(i64::from(minute) - offset_minutes.rem_euclid(60));
                while candidate <= after {
                    candidate += Duration::hours(1);
                }
                while candidate - Duration::hours(1) > after {
                    candidate -= Duration::hours(1);
                }
                candidate
            }
            Schedule::Daily { hour, minute } => {
                let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN);
                let mut day = after.with_timezone(&tz).date_naive();
                loop {
                    if let Some(due) = local_instant(tz, day, time)
                        && due > after
                    {
                        return due;
                    }
                    day = day.succ_opt().unwrap_or(day);
                }
            }
        }
    }
}

fn truncate_to_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = at.timestamp();
    DateTime::from_timestamp(seconds - seconds.rem_euclid(3600), 0).unwrap_or(at)
}

/// The instant of a local date and time: the earlier one when the clock repeats it, and the
/// first instant after the gap when the clock skips it.
fn local_instant(tz: Tz, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let naive = day.and_time(time);
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(early, _) => Some(early.with_timezone(&Utc)),
        chrono::LocalResult::None => (1..=180).find_map(|m| {
            tz.from_local_datetime(&(naive + Duration::minutes(m)))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn parses_forms() {
        assert_eq!(
            Schedule::parse("hourly", "2", "").unwrap(),
            Schedule::Hourly { minute: 2 }
        );
        assert_eq!(
            Schedule::parse("daily", "30", "6").unwrap(),
            Schedule::Daily {
                hour: 6,
                minute: 30
            }
        );
        let errors = Schedule::parse("hourly", "60", "").unwrap_err();
        assert_eq!(errors[0].0, "minute");
        assert!(Schedule::parse("hourly", "two", "").is_err());
        assert_eq!(
            Schedule::parse("daily", "0", "24").unwrap_err()[0].0,
            "hour"
        );
        assert_eq!(
            Schedule::parse("weekly", "0", "0").unwrap_err(),
            vec![(
                "frequency",
                "Choose hourly or daily imports, not \"weekly\".".to_string()
            )]
        );
        // An hourly form's hour is not read: the page may send anything there.
        assert_eq!(
            Schedule::parse("hourly", "5", "noon"),
            Ok(Schedule::Hourly { minute: 5 })
        );
    }

    #[test]
    fn frequencies_read_their_stored_words() {
        for frequency in Frequency::ALL {
            assert_eq!(Frequency::decode(frequency.as_str()), Ok(frequency));
            assert_eq!(Frequency::parse(frequency.as_str()), Ok(frequency));
        }
        let unknown = Frequency::decode("weekly").unwrap_err();
        assert_eq!(unknown.to_string(), "unknown schedule frequency \"weekly\"");
        assert_eq!(
            Frequency::parse("Daily").unwrap_err(),
            "Choose hourly or daily imports, not \"Daily\"."
        );
    }

    #[test]
    fn reads_stored_columns() {
        assert_eq!(
            Schedule::from_columns("daily", 30, 6),
            Ok(Schedule::Daily {
                hour: 6,
                minute: 30
            })
        );
        assert_eq!(
            Schedule::from_columns("hourly", 2, 9),
            Ok(Schedule::Hourly { minute: 2 })
        );
        // Out of range numbers are brought into range; only the word can be unknown.
        assert_eq!(
            Schedule::from_columns("hourly", 75, 0),
            Ok(Schedule::Hourly { minute: 59 })
        );
        let unknown = Schedule::from_columns("", 2, 0).unwrap_err();
        assert_eq!(unknown.to_string(), "unknown schedule frequency \"\"");
        for schedule in [
            Schedule::Hourly { minute: 7 },
            Schedule::Daily {
                hour: 23,
                minute: 0,
            },
        ] {
            let stored = schedule.frequency().as_str();
            let minute = i64::from(schedule.minute());
            let hour = i64::from(schedule.hour());
            assert_eq!(Schedule::from_columns(stored, minute, hour), Ok(schedule));
        }
    }

    #[test]
    fn hourly_next() {
        let tz: Tz = "America/Toronto".parse().unwrap();
        let s = Schedule::Hourly { minute: 2 };
        assert_eq!(
            s.next_after(utc("2026-03-02T15:00:00Z"), tz),
            utc("2026-03-02T15:02:00Z")
        );
        assert_eq!(
            s.next_after(utc("2026-03-02T15:02:00Z"), tz),
            utc("2026-03-02T16:02:00Z")
        );
        let kolkata: Tz = "Asia/Kolkata".parse().unwrap();
        // 02 past the local hour is 32 past the UTC hour in a +05:30 zone.
        assert_eq!(
            s.next_after(utc("2026-03-02T15:00:00Z"), kolkata),
            utc("2026-03-02T15:32:00Z")
        );
    }

    #[test]
    fn daily_next_across_dst() {
        let tz: Tz = "America/Toronto".parse().unwrap();
        let s = Schedule::Daily { hour: 6, minute: 0 };
        // Before and after the fall-back night the local 06:00 stays 06:00.
        assert_eq!(
            s.next_after(utc("2026-10-31T12:00:00Z"), tz),
            utc("2026-11-01T11:00:00Z")
        );
        assert_eq!(
            s.next_after(utc("2026-10-30T12:00:00Z"), tz),
            utc("2026-10-31T10:00:00Z")
        );
        // 02:30 does not exist on the spring-forward night: run at 03:00 instead.
        let s = Schedule::Daily {
            hour: 2,
            minute: 30,
        };
        assert_eq!(
            s.next_after(utc("2026-03-08T00:00:00Z"), tz),
            utc("2026-03-08T07:00:00Z")
        );
        // 01:30 happens twice on the fall-back night: run once, at the first.
        let s = Schedule::Daily {
            hour: 1,
            minute: 30,
        };
        assert_eq!(
            s.next_after(utc("2026-11-01T00:00:00Z"), tz),
            utc("2026-11-01T05:30:00Z")
        );
        assert_eq!(
            s.next_after(utc("2026-11-01T05:30:00Z"), tz),
            utc("2026-11-02T06:30:00Z")
        );
    }
}
