//! Traffic file import benchmark (a documented command, not a test):
//!
//! ```sh
//! cargo bench --bench traffic_import                                   # SQLite in a temporary folder
//! TRAFFIC_BENCH_DATABASE_URL=postgres://… cargo bench --bench traffic_import   # an empty PostgreSQL database
//! ```
//!
//! A year of 12 stores by the hour, cut at 100,000 rows (`TRAFFIC_BENCH_ROWS` changes it), as a
//! CSV file and as an XLSX workbook; prints the time of each step the upload takes: reading
//! the file, checking every row, the preview against what is stored, the all-or-nothing
//! commit, and the same file committed again (nothing to write).

mod support;

use std::time::Instant;

use chrono::{Duration, NaiveDate};
use tmas::db::{self, Db};
use tmas::domain::account::Plan;
use tmas::domain::traffic_rows::{LocationIndex, ReadRows, read_table};

const STORES: usize = 12;

fn csv_file(rows: usize) -> String {
    let first = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let mut out = String::from("location_id,date,hour,traffic,staff_hours\n");
    let mut n = 0;
    'days: for day in 0..366 {
        let date = first + Duration::days(day);
        for store in 0..STORES {
            for hour in 0..24 {
                if n == rows {
                    break 'days;
                }
                let traffic = (store * 7 + hour * 13 + day as usize) % 90;
                out.push_str(&format!(
                    "STORE-{store:02},{date},{hour},{traffic},{}.{}\n",
                    1 + hour % 3,
                    (hour % 2) * 5
                ));
                n += 1;
            }
        }
    }
    out
}

fn xlsx_file(csv: &str) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in csv.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            let (row, col) = (r as u32, c as u16);
            match cell.parse::<f64>() {
                Ok(n) if r > 0 && c >= 2 => sheet.write_number(row, col, n),
                _ => sheet.write_string(row, col, cell),
            }
            .expect("write");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

fn read(bytes: &[u8], locations: &LocationIndex) -> (ReadRows, f64, f64) {
    let started = Instant::now();
    let records = tmas::traffic_file::records(bytes).expect("records");
    let decoded = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let read = read_table(records, locations).expect("rows");
    assert!(
        read.is_clean(),
        "{:?}",
        &read.errors[..read.errors.len().min(3)]
    );
    (read, decoded, started.elapsed().as_secs_f64())
}

async fn run() {
    let rows = support::env_number("TRAFFIC_BENCH_ROWS", 100_000) as usize;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = std::env::var("TRAFFIC_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/tmas.db", dir.path().display()));
    let db = Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let tenant = db::tenants::create(&db, "Bench", Plan::Retail, "America/Toronto")
        .await
        .expect("tenant")
        .tenant_id();
    for store in 0..STORES {
        sqlx::query(
            "INSERT INTO locations (tenant_id, location_id, name, time_zone, status, created_at)
             VALUES ($1, $2, $3, 'America/Toronto', 'active', 0)",
        )
        .bind(tenant.0)
        .bind(format!("STORE-{store:02}"))
        .bind(format!("Store {store}"))
        .execute(&db.pool)
        .await
        .expect("location");
    }
    let list = db::locations::list(&db, tenant).await.expect("locations");
    let locations = LocationIndex::new(list.iter().map(|l| (l.location_id.as_str(), l.id)));

    let csv = csv_file(rows);
    let xlsx = xlsx_file(&csv);
    println!(
        "traffic import: {rows} rows, {STORES} stores, back end {:?}; CSV {:.1} MB, XLSX {:.1} MB",
        db.backend,
        csv.len() as f64 / 1e6,
        xlsx.len() as f64 / 1e6
    );
    let (_, decoded, checked) = read(&xlsx, &locations);
    println!("  XLSX: read {decoded:.2} s, rows checked {checked:.2} s");
    let total = Instant::now();
    let (read_rows, decoded, checked) = read(csv.as_bytes(), &locations);
    println!("  CSV:  read {decoded:.2} s, rows checked {checked:.2} s");

    let started = Instant::now();
    let preview = db::traffic::preview(&db, tenant, &read_rows.rows)
        .await
        .expect("preview");
    println!(
        "  preview against the stored hours: {:.2} s ({} to add)",
        started.elapsed().as_secs_f64(),
        preview.added
    );
    let upload = db::traffic::save_upload(&db, tenant, &bench_upload("first", &csv, preview))
        .await
        .expect("upload");
    let started = Instant::now();
    let stored = db::traffic::commit_upload(&db, tenant, upload, &read_rows.rows)
        .await
        .expect("commit")
        .expect("first commit");
    println!(
        "  commit (all or nothing): {:.2} s ({} added)",
        started.elapsed().as_secs_f64(),
        stored.added
    );
    println!(
        "  CSV checked and stored, preview included: {:.2} s (target: under 10 s)",
        total.elapsed().as_secs_f64()
    );
    let again = db::traffic::save_upload(&db, tenant, &bench_upload("again", &csv, preview))
        .await
        .expect("upload");
    let started = Instant::now();
    let (read_again, _, _) = read(csv.as_bytes(), &locations);
    let counts = db::traffic::commit_upload(&db, tenant, again, &read_again.rows)
        .await
        .expect("commit")
        .expect("second commit");
    println!(
        "  the same file again, read and committed: {:.2} s ({} unchanged, {} written)",
        started.elapsed().as_secs_f64(),
        counts.unchanged,
        counts.added + counts.replaced
    );
    println!("  peak memory: {:.0} MiB", support::vm_hwm_mib());
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run());
}

/// The bench's file as the preview page keeps it, under its own token.
fn bench_upload<'a>(
    token_hash: &'a str,
    csv: &'a str,
    counts: db::traffic::StoreCounts,
) -> db::traffic::NewUpload<'a> {
    db::traffic::NewUpload {
        user_id: 1,
        token_hash,
        file_name: "bench.csv",
        sha256: "x",
        content: csv.as_bytes(),
        rows_read: 0,
        counts,
    }
}
