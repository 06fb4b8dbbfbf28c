//! Settings of the `tmas` command line: every flag has an environment variable and a default
//! that makes the first run work with no setup (see DESIGN.md).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::db::redact_url;

/// The default Shopify API version: the pinned release whose schema is compiled into TMAS.
pub const DEFAULT_SHOPIFY_API_VERSION: &str = crate::shopify::schema::API_VERSION;
/// Shopify's own shop URL; `{shop}` is replaced by the store name.
pub const DEFAULT_SHOPIFY_URL: &str = "https://{shop}.myshopify.com";

#[derive(Debug, Parser)]
#[command(
    name = "tmas",
    version,
    about = "TMAS: imports Shopify POS sales into retail analytics (web server, import worker and admin tools in one binary)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web pages and, unless --no-worker, run the import worker in the same process (default).
    Serve(ServeArgs),
    /// Run only the import worker; any number of workers share the work through the database.
    Worker(WorkerArgs),
    /// Apply the database migrations and exit.
    Migrate,
    /// Administration from the terminal: create tenants and users.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Serve a demo tenant whose Shopify store is played by an embedded simulator.
    Demo,
}

#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Serve pages only (for several web processes behind a load balancer).
    #[arg(long)]
    pub no_worker: bool,
    #[command(flatten)]
    pub worker: WorkerArgs,
}

/// The most imports one worker may run at once.
pub const MAX_CONCURRENT_IMPORTS: usize = 256;
/// Imports one worker runs at once unless told otherwise.
pub const DEFAULT_CONCURRENT_IMPORTS: usize = 4;

/// How the import worker (of `tmas worker`, or embedded in `tmas serve`) runs.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Imports this worker runs at once (1 to 256). An import mostly waits on Shopify, which
    /// costs almost no CPU, and holds a database connection only while it writes a batch.
    #[arg(
        long,
        env = "TMAS_CONCURRENT_IMPORTS",
        value_name = "N",
        default_value_t = DEFAULT_CONCURRENT_IMPORTS,
        value_parser = parse_concurrent_imports
    )]
    pub concurrent_imports: usize,
}

impl Default for WorkerArgs {
    fn default() -> Self {
        WorkerArgs {
            concurrent_imports: DEFAULT_CONCURRENT_IMPORTS,
        }
    }
}

/// clap prints the option's name before this message, and the process does not start.
fn parse_concurrent_imports(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_CONCURRENT_IMPORTS).contains(&n) => Ok(n),
        _ => Err(format!(
            "--concurrent-imports / TMAS_CONCURRENT_IMPORTS must be a whole number from 1 to \
             {MAX_CONCURRENT_IMPORTS} (imports one worker runs at once), got {value:?}"
        )),
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a tenant (a retail company).
    CreateTenant {
        /// The company's name, unique.
        #[arg(long)]
        name: String,
        /// The tenant's plan: only retail and enterprise may connect Shopify.
        #[arg(long, value_enum)]
        plan: PlanArg,
        /// IANA time zone of the tenant (default for its locations and schedules).
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
    /// Create a user; the password comes from TMAS_PASSWORD or is asked on the terminal.
    CreateUser {
        /// The user's email, used to sign in.
        #[arg(long)]
        email: String,
        /// staff (onboarding staff, no tenant), admin or manager (of one tenant).
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The tenant's name (required for admin and manager).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Reset a user's password: prints a temporary password once, ends the user's sessions,
    /// and makes them choose their own password at the next sign-in.
    ResetPassword {
        /// The user's email.
        #[arg(long)]
        email: String,
    },
    /// Send one test message through the mail server of --smtp-url, now, and say whether the
    /// server took it.
    SendTestMail {
        /// The address to send it to.
        #[arg(long)]
        to: String,
        /// The message's language: en or es.
        #[arg(long, default_value = "en")]
        language: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlanArg {
    Basic,
    Retail,
    Enterprise,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Staff,
    Admin,
    Manager,
}

/// Settings shared by every subcommand.
#[derive(Clone, Args)]
pub struct Settings {
    /// Address the web server listens on (port 0 picks a free port).
    #[arg(
        long,
        env = "TMAS_BIND",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub bind: SocketAddr,
    /// Folder for the SQLite file and the generated secret key.
    #[arg(long, env = "TMAS_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// Database: sqlite://<data-dir>/tmas.db by default; postgres://… for PostgreSQL.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Key that encrypts Shopify credentials (generated on first start, mode 0600).
    #[arg(long, env = "TMAS_SECRET_KEY_FILE", global = true)]
    pub secret_key_file: Option<PathBuf>,
    /// Shopify shop URL template; {shop} is replaced by the store name.
    #[arg(long, env = "TMAS_SHOPIFY_URL", default_value = DEFAULT_SHOPIFY_URL, global = true)]
    pub shopify_url: String,
    /// Shopify Admin API version (YYYY-MM).
    #[arg(long, env = "TMAS_SHOPIFY_API_VERSION", default_value = DEFAULT_SHOPIFY_API_VERSION, global = true)]
    pub shopify_api_version: String,
    /// Mark cookies Secure (turn on behind HTTPS).
    #[arg(long, env = "TMAS_SECURE_COOKIES", global = true)]
    pub secure_cookies: bool,
    /// Start with a new secret key although stored Shopify credentials were encrypted with
    /// another one: those integrations then need their credentials entered again.
    #[arg(long, env = "TMAS_RESET_SECRET_KEY", global = true)]
    pub reset_secret_key: bool,
    /// Seconds a client may take to send a request's headers (and an idle connection may stay
    /// open) before the connection is closed.
    #[arg(
        long,
        env = "TMAS_HEADER_READ_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub header_read_timeout: u64,
    /// Seconds a client may take to send a request's body, counted from its headers; past
    /// them the answer is 408 and the connection is closed.
    #[arg(
        long,
        env = "TMAS_BODY_READ_TIMEOUT",
        default_value_t = DEFAULT_BODY_READ_TIMEOUT,
        global = true
    )]
    pub body_read_timeout: u64,
    /// Connections served at once; more wait until one closes. Keep it below the process's
    /// file-descriptor limit less the database pools.
    #[arg(
        long,
        env = "TMAS_MAX_CONNECTIONS",
        default_value_t = DEFAULT_MAX_CONNECTIONS,
        global = true
    )]
    pub max_connections: usize,
    /// Mail server: smtp://host:port (STARTTLS when offered), smtp://host:port?tls=none (a
    /// local relay), smtp://host:port?tls=starttls (STARTTLS or nothing), smtps://host:port
    /// (TLS from the start). Without it mail is off and the pages that would send mail say so.
    #[arg(long, env = "TMAS_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// User name at the mail server; its password is read from TMAS_SMTP_PASSWORD_FILE.
    #[arg(long, env = "TMAS_SMTP_USER", global = true)]
    pub smtp_user: Option<String>,
    /// A file holding the mail server's password (never the password itself on the command
    /// line, where other users of the machine could read it).
    #[arg(long, env = "TMAS_SMTP_PASSWORD_FILE", global = true)]
    pub smtp_password_file: Option<PathBuf>,
    /// The address mail is sent from, e.g. "TMAS <tmas@example.com>".
    #[arg(long, env = "TMAS_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// The address users reach TMAS at (behind a proxy, its https address); links in mail are
    /// made from it.
    #[arg(long, env = "TMAS_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
}

/// Seconds a request's body may take to arrive unless told otherwise.
pub const DEFAULT_BODY_READ_TIMEOUT: u64 = 30;
/// Connections served at once unless told otherwise (a common descriptor limit is 1,024).
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

impl Settings {
    /// The database URL in force: the flag, else a SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}/tmas.db", self.data_dir.display()),
        }
    }

    pub fn secret_key_path(&self) -> PathBuf {
        self.secret_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("secret.key"))
    }

    /// Checks what clap cannot: a clear message for each bad setting.
    pub fn validate(&self) -> Result<(), String> {
        let url = self.database_url();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(format!(
                "--database-url / DATABASE_URL must start with sqlite:// or postgres://, got {:?}",
                redact_url(&url)
            ));
        }
        if !self.shopify_url.contains("{shop}") {
            return Err(format!(
                "--shopify-url / TMAS_SHOPIFY_URL must contain {{shop}} (replaced by the store name), got {:?}",
                self.shopify_url
            ));
        }
        if !(self.shopify_url.starts_with("https://") || self.shopify_url.starts_with("http://")) {
            return Err(format!(
                "--shopify-url / TMAS_SHOPIFY_URL must be an http(s) URL, got {:?}",
                self.shopify_url
            ));
        }
        if self.header_read_timeout == 0 || self.header_read_timeout > 3600 {
            return Err(format!(
                "--header-read-timeout / TMAS_HEADER_READ_TIMEOUT must be 1 to 3600 seconds, got {}",
                self.header_read_timeout
            ));
        }
        if self.body_read_timeout == 0 || self.body_read_timeout > 3600 {
            return Err(format!(
                "--body-read-timeout / TMAS_BODY_READ_TIMEOUT must be 1 to 3600 seconds, got {}",
                self.body_read_timeout
            ));
        }
        if self.max_connections == 0 || self.max_connections > 1_000_000 {
            return Err(format!(
                "--max-connections / TMAS_MAX_CONNECTIONS must be 1 to 1000000, got {}",
                self.max_connections
            ));
        }
        if !is_api_version(&self.shopify_api_version) {
            return Err(format!(
                "--shopify-api-version / TMAS_SHOPIFY_API_VERSION must look like YYYY-MM (e.g. {DEFAULT_SHOPIFY_API_VERSION}), got {:?}",
                self.shopify_api_version
            ));
        }
        self.mail_settings()?;
        Ok(())
    }

    /// The mail settings, checked together; `None` when mail is off (no `--smtp-url`).
    pub fn mail_settings(&self) -> Result<Option<crate::mail::settings::MailSettings>, String> {
        crate::mail::settings::MailSettings::parse(crate::mail::settings::Typed {
            smtp_url: self.smtp_url.as_deref(),
            smtp_user: self.smtp_user.as_deref(),
            smtp_password_file: self.smtp_password_file.as_deref(),
            mail_from: self.mail_from.as_deref(),
            public_url: self.public_url.as_deref(),
        })
    }
}

/// `YYYY-MM` with a real month.
fn is_api_version(version: &str) -> bool {
    let bytes = version.as_bytes();
    if bytes.len() != 7 || bytes[4] != b'-' {
        return false;
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (year, month) = (&version[..4], &version[5..]);
    digits(year) && digits(month) && matches!(month.parse::<u8>(), Ok(1..=12))
}

// Hand-written so that a password inside DATABASE_URL never reaches a log line.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url()))
            .field("secret_key_file", &self.secret_key_path())
            .field("shopify_url", &self.shopify_url)
            .field("shopify_api_version", &self.shopify_api_version)
            .field("secure_cookies", &self.secure_cookies)
            .field("reset_secret_key", &self.reset_secret_key)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("max_connections", &self.max_connections)
            .field("smtp_url", &self.smtp_url)
            .field("smtp_user", &self.smtp_user)
            .field("smtp_password_file", &self.smtp_password_file)
            .field("mail_from", &self.mail_from)
            .field("public_url", &self.public_url)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions() {
        assert!(is_api_version("2026-01"));
        assert!(!is_api_version("2026-13"));
        assert!(!is_api_version("2026-1"));
        assert!(!is_api_version("latest"));
    }

    #[test]
    fn concurrent_imports_range() {
        assert_eq!(parse_concurrent_imports("1"), Ok(1));
        assert_eq!(parse_concurrent_imports("256"), Ok(256));
        for bad in ["0", "257", "-1", "four", ""] {
            let message = parse_concurrent_imports(bad).unwrap_err();
            assert!(message.contains("from 1 to 256"), "{bad:?}: {message}");
        }
    }
}
