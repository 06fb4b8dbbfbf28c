//! The flat traffic layout (DESIGN.md "Traffic: the flat file and the API"): rows of cells —
//! from a CSV line, a spreadsheet row or a JSON object — read into counted location-hours,
//! with one error per bad cell naming its line, column and reason. Shared by the file import
//! and the API, so both accept and refuse exactly the same things.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;

use super::traffic::{CountedHour, StaffHours, parse_date, parse_hour, parse_traffic};

/// The columns of the layout, in their order when a file has no header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    LocationId,
    Date,
    Hour,
    Traffic,
    StaffHours,
}

impl Column {
    pub const ORDER: [Column; 5] = [
        Column::LocationId,
        Column::Date,
        Column::Hour,
        Column::Traffic,
        Column::StaffHours,
    ];

    /// The English header name, which is also the JSON field name.
    pub fn name(self) -> &'static str {
        match self {
            Column::LocationId => "location_id",
            Column::Date => "date",
            Column::Hour => "hour",
            Column::Traffic => "traffic",
            Column::StaffHours => "staff_hours",
        }
    }

    /// The Spanish header name (README, "Traffic").
    pub fn spanish_name(self) -> &'static str {
        match self {
            Column::LocationId => "id_tienda",
            Column::Date => "fecha",
            Column::Hour => "hora",
            Column::Traffic => "trafico",
            Column::StaffHours => "horas_personal",
        }
    }

    /// A header cell in either language, whatever its case, accents, spaces or hyphens.
    pub fn from_header(cell: &str) -> Option<Column> {
        let folded: String = cell
            .trim()
            .trim_start_matches('\u{feff}')
            .to_lowercase()
            .chars()
            .map(|c| match c {
                'á' => 'a',
                'é' => 'e',
                'í' => 'i',
                'ó' => 'o',
                'ú' => 'u',
                ' ' | '-' => '_',
                c => c,
            })
            .collect();
        Column::ORDER
            .into_iter()
            .find(|c| c.name() == folded || c.spanish_name() == folded)
    }
}

/// A location-hour read from a row, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficRow {
    /// The location's row id in TMAS (resolved from its TMAS location ID).
    pub location: i64,
    pub date: NaiveDate,
    pub hour: u8,
    pub counted: CountedHour,
}

/// Why one row (or one cell of it) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line of the file (1 is the first), or the JSON row's position (1 is the first).
    pub line: usize,
    /// The column at fault; None when the whole row is (a repeated location-hour).
    pub column: Option<Column>,
    /// English, with the values kept (translated when shown).
    pub message: String,
}

/// Why a whole file was refused before any row was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("The file is empty.")]
    Empty,
    #[error("The file has a header but no rows of traffic.")]
    NoRows,
    #[error("{0}")]
    Header(String),
    #[error("{0}")]
    Unreadable(String),
}

/// What a set of rows holds once read: the good rows, every error, and the unknown location
/// IDs on their own (the admin may have to create those locations first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadRows {
    pub rows: Vec<TrafficRow>,
    pub errors: Vec<RowError>,
    /// Data rows read (good and bad, blank lines aside).
    pub rows_read: usize,
    pub unknown_locations: Vec<String>,
}

impl ReadRows {
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The tenant's locations by TMAS location ID, case-insensitive like the wizard's matching.
#[derive(Debug, Clone, Default)]
pub struct LocationIndex(HashMap<String, i64>);

impl LocationIndex {
    pub fn new<'a>(locations: impl IntoIterator<Item = (&'a str, i64)>) -> LocationIndex {
        LocationIndex(
            locations
                .into_iter()
                .map(|(code, id)| (code.trim().to_lowercase(), id))
                .collect(),
        )
    }

    pub fn find(&self, code: &str) -> Option<i64> {
        self.0.get(&code.trim().to_lowercase()).copied()
    }
}

/// Where each column sits in a row.
#[derive(Debug, Clone, Copy)]
pub struct Layout([Option<usize>; 5]);

impl Layout {
    /// No header: the documented order.
    pub fn positional() -> Layout {
        Layout([Some(0), Some(1), Some(2), Some(3), Some(4)])
    }

    fn position(&self, column: Column) -> Option<usize> {
        self.0[column as usize]
    }

    /// Reads a header row; every cell must name a column, each once, and the four required
    /// columns must be there.
    pub fn from_header(cells: &[String]) -> Result<Layout, FileError> {
        let mut positions = [None; 5];
        for (i, cell) in cells.iter().enumerate() {
            if cell.trim().is_empty() {
                continue;
            }
            let column = Column::from_header(cell).ok_or_else(|| {
                FileError::Header(format!(
                    "The header has an unknown column \"{}\"; the columns are location_id, date, hour, traffic and staff_hours (or id_tienda, fecha, hora, trafico and horas_personal).",
                    cell.trim()
                ))
            })?;
            if positions[column as usize].replace(i).is_some() {
                return Err(FileError::Header(format!(
                    "The header names the column \"{}\" twice.",
                    column.name()
                )));
            }
        }
        for column in &Column::ORDER[..4] {
            if positions[*column as usize].is_none() {
                return Err(FileError::Header(format!(
                    "The header has no column \"{}\".",
                    column.name()
                )));
            }
        }
        Ok(Layout(positions))
    }
}

/// True when the first row is a header rather than data: no cell after the first reads as a
/// date or a number (a data row has a date and numbers there), and it names some column.
pub fn looks_like_header(cells: &[String]) -> bool {
    let numeric = |s: &str| {
        let s = s.trim();
        !s.is_empty() && s.parse::<f64>().is_ok()
    };
    let dated = |s: &str| parse_date(s).is_ok();
    let data_like = cells.iter().skip(1).any(|c| numeric(c) || dated(c));
    !data_like
        && (cells.iter().any(|c| Column::from_header(c).is_some())
            || cells.iter().skip(1).any(|c| !c.trim().is_empty()))
}

/// Reads a whole table: an optional header, then one row per location-hour. `records` are
/// (line, cells) with blank lines already left out or kept empty.
pub fn read_table(
    records: impl IntoIterator<Item = (usize, Vec<String>)>,
    locations: &LocationIndex,
) -> Result<ReadRows, FileError> {
    let mut records = records
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .peekable();
    let Some((_, first)) = records.peek() else {
        return Err(FileError::Empty);
    };
    let layout = if looks_like_header(first) {
        let layout = Layout::from_header(first)?;
        records.next();
        if records.peek().is_none() {
            return Err(FileError::NoRows);
        }
        layout
    } else {
        Layout::positional()
    };
    let mut reader = RowReader::new(locations);
    for (line, cells) in records {
        reader.read(line, |column| {
            layout
                .position(column)
                .and_then(|i| cells.get(i))
                .map(String::as_str)
        });
    }
    Ok(reader.finish())
}

/// Reads rows one at a time, keeping the errors, the unknown locations and the location-hours
/// seen (a location-hour given twice in one file is a mistake, never "the last one wins").
pub struct RowReader<'a> {
    locations: &'a LocationIndex,
    seen: HashMap<(i64, NaiveDate, u8), usize>,
    unknown: BTreeSet<String>,
    out: ReadRows,
}

impl<'a> RowReader<'a> {
    pub fn new(locations: &'a LocationIndex) -> RowReader<'a> {
        RowReader {
            locations,
            seen: HashMap::new(),
            unknown: BTreeSet::new(),
            out: ReadRows::default(),
        }
    }

    /// Reads one row; `cell` gives a column's text (None: the row has no such cell).
    pub fn read<'c>(&mut self, line: usize, cell: impl Fn(Column) -> Option<&'c str>) {
        self.out.rows_read += 1;
        let errors_before = self.out.errors.len();
        let mut fail = |column: Column, message: String| {
            self.out.errors.push(RowError {
                line,
                column: Some(column),
                message,
            });
        };
        let text = |column: Column| cell(column).map(str::trim).unwrap_or_default();

        let code = text(Column::LocationId);
        let location = if code.is_empty() {
            fail(Column::LocationId, "The location ID is empty.".into());
            None
        } else {
            let found = self.locations.find(code);
            if found.is_none() {
                fail(
                    Column::LocationId,
                    format!("No location has the TMAS location ID \"{code}\"."),
                );
                self.unknown.insert(code.to_string());
            }
            found
        };
        let date = parse_date(text(Column::Date))
            .map_err(|e| fail(Column::Date, e))
            .ok();
        let hour = parse_hour(text(Column::Hour))
            .map_err(|e| fail(Column::Hour, e))
            .ok();
        let traffic = parse_traffic(text(Column::Traffic))
            .map_err(|e| fail(Column::Traffic, e))
            .ok();
        let staff = match text(Column::StaffHours) {
            "" => Some(None),
            given => StaffHours::parse(given)
                .map(Some)
                .map_err(|e| fail(Column::StaffHours, e))
                .ok(),
        };
        if self.out.errors.len() > errors_before {
            return;
        }
        let (Some(location), Some(date), Some(hour), Some(traffic), Some(staff)) =
            (location, date, hour, traffic, staff)
        else {
            return;
        };
        if let Some(first) = self.seen.insert((location, date, hour), line) {
            self.out.errors.push(RowError {
                line,
                column: None,
                message: format!(
                    "This row repeats the location, date and hour of line {first} ({code}, {date}, hour {hour})."
                ),
            });
            return;
        }
        self.out.rows.push(TrafficRow {
            location,
            date,
            hour,
            counted: CountedHour { traffic, staff },
        });
    }

    pub fn finish(mut self) -> ReadRows {
        self.out.unknown_locations = self.unknown.into_iter().collect();
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locations() -> LocationIndex {
        LocationIndex::new([("STORE-01", 1), ("store-02", 2)])
    }

    fn table(lines: &[&str]) -> Result<ReadRows, FileError> {
        let records = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i + 1, l.split(',').map(str::to_string).collect()));
        read_table(records, &locations())
    }

    #[test]
    fn reads_with_an_english_or_spanish_header_or_none() {
        for header in [
            "location_id,date,hour,traffic,staff_hours",
            "ID_Tienda,Fecha,Hora,Tráfico,Horas personal",
        ] {
            let read = table(&[header, "store-01,2026-03-02,10,40,2.5"]).expect("read");
            assert!(read.is_clean(), "{:?}", read.errors);
            assert_eq!(read.rows.len(), 1);
            assert_eq!(read.rows[0].location, 1);
            assert_eq!(
                read.rows[0].counted.staff.map(StaffHours::centihours),
                Some(250)
            );
        }
        let read = table(&["STORE-02,2026-03-02,23,0"]).expect("read");
        assert_eq!(read.rows[0].location, 2);
        assert_eq!(
            read.rows[0].counted,
            CountedHour {
                traffic: 0,
                staff: None
            }
        );
        // Columns in another order, by their names.
        let read =
            table(&["traffic,hour,date,location_id", "7,9,2026-03-02,STORE-01"]).expect("read");
        assert_eq!(read.rows[0].hour, 9);
        assert_eq!(read.rows[0].counted.traffic, 7);
    }

    #[test]
    fn refuses_a_wrong_header_whole() {
        let err = table(&["store,day,hour,visitors", "STORE-01,2026-03-02,10,40"]).unwrap_err();
        assert!(
            err.to_string().contains("unknown column \"store\""),
            "{err}"
        );
        let err = table(&["location_id,date,traffic", "STORE-01,2026-03-02,40"]).unwrap_err();
        assert!(err.to_string().contains("no column \"hour\""), "{err}");
        assert_eq!(table(&[]).unwrap_err(), FileError::Empty);
        assert_eq!(table(&["", " "]).unwrap_err(), FileError::Empty);
        assert_eq!(
            table(&["location_id,date,hour,traffic"]).unwrap_err(),
            FileError::NoRows
        );
    }

    #[test]
    fn names_line_column_and_reason_of_each_bad_cell() {
        let read = table(&[
            "location_id,date,hour,traffic,staff_hours",
            "STORE-01,2026-02-30,10,40,",
            "STORE-01,2026-03-02,24,40,",
            "STORE-01,2026-03-02,10,-1,",
            "STORE-01,2026-03-02,11,2.5,",
            "STORE-99,2026-03-02,10,4,",
            "STORE-01,2026-03-02,12,4,x",
            "STORE-01,2026-03-02,13,4,",
            "store-01,2026-03-02,13,5,",
        ])
        .expect("read");
        let found: Vec<(usize, Option<&str>)> = read
            .errors
            .iter()
            .map(|e| (e.line, e.column.map(Column::name)))
            .collect();
        assert_eq!(
            found,
            vec![
                (2, Some("date")),
                (3, Some("hour")),
                (4, Some("traffic")),
                (5, Some("traffic")),
                (6, Some("location_id")),
                (7, Some("staff_hours")),
                (9, None),
            ]
        );
        assert!(read.errors[6].message.contains("line 8"));
        assert_eq!(read.unknown_locations, vec!["STORE-99".to_string()]);
        assert_eq!(read.rows_read, 8);
        assert_eq!(read.rows.len(), 1);
    }

    #[test]
    fn a_short_row_says_what_is_missing() {
        let read = table(&["STORE-01,2026-03-02"]).expect("read");
        let columns: Vec<_> = read.errors.iter().map(|e| e.column).collect();
        assert_eq!(columns, vec![Some(Column::Hour), Some(Column::Traffic)]);
    }
}
