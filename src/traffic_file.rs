//! A traffic file's bytes as rows of cells: CSV (UTF-8, comma or semicolon separated) or the
//! first sheet of an XLSX workbook. What the cells mean is `domain::traffic_rows`'s business.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::domain::traffic_rows::FileError;

/// The largest traffic file or API body accepted: a year of 12 stores by the hour (100,000
/// rows) is about 4 MB as CSV, so 10 MB leaves room and refuses anything unreasonable.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

impl FileKind {
    /// By content, not by name: an XLSX is a ZIP archive; a CSV is text. Anything else (an old
    /// binary XLS, a PDF, an image) is refused with the reason.
    pub fn detect(bytes: &[u8]) -> Result<FileKind, FileError> {
        if bytes.starts_with(b"PK\x03\x04") {
            return Ok(FileKind::Xlsx);
        }
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Err(FileError::Unreadable(
                "This is an old Excel (.xls) file: save it as .xlsx or .csv and upload it again."
                    .into(),
            ));
        }
        if bytes.contains(&0) || std::str::from_utf8(bytes).is_err() {
            return Err(FileError::Unreadable(
                "The file is neither a CSV file (UTF-8 text) nor an XLSX workbook.".into(),
            ));
        }
        Ok(FileKind::Csv)
    }
}

/// The rows of a file, each with its line (CSV) or row number (spreadsheet), 1 first.
pub fn records(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    match FileKind::detect(bytes)? {
        FileKind::Csv => csv_records(bytes),
        FileKind::Xlsx => xlsx_records(bytes),
    }
}

/// CSV text. Spreadsheets in Spanish (and other languages with a decimal comma) save CSV with
/// semicolons: the separator is the one the first line uses.
pub fn csv_records(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, FileError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if !first_line.contains(&b',') && first_line.contains(&b';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text);
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    let (mut counted_to, mut newlines) = (0, 0);
    loop {
        // Where the next record starts: its line, counted from the byte offset (a quoted cell
        // may hold line breaks, so records and lines can differ).
        let start = usize::try_from(reader.position().byte())
            .unwrap_or(usize::MAX)
            .min(text.len());
        // The reader stops before the previous record's line break: the record starts after
        // the breaks (and blank lines) that follow.
        let breaks = text[start..]
            .iter()
            .take_while(|b| matches!(**b, b'\r' | b'\n'))
            .filter(|b| **b == b'\n')
            .count();
        // Counted on from the previous record, so a long file is read once.
        newlines += text[counted_to..start.max(counted_to)]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted_to = start.max(counted_to);
        let line = 1 + breaks + newlines;
        match reader.read_record(&mut record) {
            Ok(true) => out.push((line, record.iter().map(str::to_string).collect())),
            Ok(false) => break,
            Err(_) => {
                return Err(FileError::Unreadable(format!(
                    "Line {line} of the file cannot be read as CSV."
                )));
            }
        }
    }
    Ok(out)
}

/// The first sheet of a workbook. Numbers come as the spreadsheet holds them (`40` or `2.5`),
/// and a cell formatted as a date as `YYYY-MM-DD`.
pub fn xlsx_records(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, FileError> {
    let unreadable =
        || FileError::Unreadable("The XLSX workbook cannot be read (is it damaged?).".into());
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let range = match workbook.worksheet_range_at(0) {
        Some(range) => range.map_err(|_| unreadable())?,
        None => return Err(FileError::Empty),
    };
    let Some((first_row, first_column)) = range.start() else {
        return Err(FileError::Empty);
    };
    let lead = first_column as usize;
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            let mut cells = vec![String::new(); lead];
            cells.extend(row.iter().map(cell_text));
            (first_row as usize + i + 1, cells)
        })
        .collect())
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        // `{}` writes the shortest text that reads back as the same number: 40, 2.5.
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|dt| dt.date().format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| d.as_f64().to_string()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_csv_with_commas_or_semicolons_and_a_bom() {
        let rows = records(b"\xEF\xBB\xBFlocation_id,date\r\nA,2026-03-02\n").expect("csv");
        assert_eq!(rows[0].1, vec!["location_id", "date"]);
        assert_eq!(
            rows[1],
            (2, vec!["A".to_string(), "2026-03-02".to_string()])
        );
        let rows = records(b"id_tienda;fecha\nA;2026-03-02\n").expect("csv");
        assert_eq!(rows[1].1, vec!["A", "2026-03-02"]);
    }

    #[test]
    fn refuses_what_is_not_csv_or_xlsx() {
        assert_eq!(records(b"").unwrap_err(), FileError::Empty);
        assert!(matches!(
            records(b"%PDF-1.4\x00\x01"),
            Err(FileError::Unreadable(_))
        ));
        assert!(matches!(
            records(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0]),
            Err(FileError::Unreadable(m)) if m.contains(".xls")
        ));
        assert!(matches!(
            records(b"PK\x03\x04garbage"),
            Err(FileError::Unreadable(m)) if m.contains("XLSX")
        ));
    }

    #[test]
    fn reads_the_first_sheet_of_a_workbook() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["location_id", "date", "hour", "traffic", "staff_hours"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, c as u16, *h).expect("write");
        }
        sheet.write_string(1, 0, "STORE-01").expect("write");
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 3, 2).expect("date");
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet
            .write_datetime_with_format(1, 1, &date, &format)
            .expect("write");
        sheet.write_number(1, 2, 10.0).expect("write");
        sheet.write_number(1, 3, 40.0).expect("write");
        sheet.write_number(1, 4, 2.5).expect("write");
        let bytes = book.save_to_buffer().expect("save");
        let rows = records(&bytes).expect("xlsx");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1],
            (
                2,
                vec!["STORE-01", "2026-03-02", "10", "40", "2.5"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            )
        );
    }
}
