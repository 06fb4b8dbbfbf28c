//! Carries out a parsed command line: serve, worker, migrate, admin, demo.

use std::io::IsTerminal;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::{AdminCommand, Cli, Command, PlanArg, RoleArg, ServeArgs, Settings};
use crate::db::{self, Db};
use crate::domain::account::{Email, NewPassword, Plan, Role, required_text};
use crate::domain::location::parse_time_zone;
use crate::startup;
use crate::web::audit_details::{Details, Value};
use crate::worker::WorkerConfig;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => {
            let worker = (!args.no_worker).then(|| WorkerConfig::from_args(&args.worker));
            serve(&settings, worker).await
        }
        Command::Worker(args) => {
            let state = startup::prepare(&settings).await?;
            println!(
                "TMAS worker started ({} imports at once)",
                args.concurrent_imports
            );
            crate::worker::run_with(
                state,
                WorkerConfig::from_args(&args),
                startup::shutdown_signal(),
            )
            .await;
            Ok(())
        }
        Command::Migrate => {
            settings.validate().map_err(anyhow::Error::msg)?;
            let db = Db::connect(&settings.database_url()).await?;
            startup::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Admin(command) => admin(&settings, command).await,
        Command::Demo => crate::demo::run(settings).await,
    }
}

async fn serve(settings: &Settings, worker: Option<WorkerConfig>) -> anyhow::Result<()> {
    let state = startup::prepare(settings).await?;
    let listener = TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    startup::serve_with(state, listener, worker, startup::shutdown_signal()).await
}

async fn admin(settings: &Settings, command: AdminCommand) -> anyhow::Result<()> {
    let state = startup::prepare(settings).await?;
    let db = &state.db;
    match command {
        AdminCommand::CreateTenant {
            name,
            plan,
            time_zone,
        } => create_tenant(db, &name, plan, &time_zone).await?,
        AdminCommand::CreateUser {
            email,
            role,
            tenant,
        } => create_user(db, &email, role, tenant).await?,
        AdminCommand::ResetPassword { email } => reset_password(db, &email).await?,
        AdminCommand::SendTestMail { to, language } => {
            send_test_mail(&state, &to, &language).await?;
        }
    }
    Ok(())
}

/// `tmas admin create-tenant`.
async fn create_tenant(db: &Db, name: &str, plan: PlanArg, time_zone: &str) -> anyhow::Result<()> {
    let name = required_text("tenant name", name, 100).map_err(anyhow::Error::msg)?;
    let tz = parse_time_zone(time_zone).map_err(anyhow::Error::msg)?;
    let plan = match plan {
        PlanArg::Basic => Plan::Basic,
        PlanArg::Retail => Plan::Retail,
        PlanArg::Enterprise => Plan::Enterprise,
    };
    let tenant = match db::tenants::create(db, &name, plan, tz.name()).await {
        Err(e) if db::is_unique_violation(&e) => {
            anyhow::bail!("a tenant named {name:?} already exists")
        }
        other => other?,
    };
    println!(
        "tenant {} created (id {}, plan {})",
        tenant.name, tenant.id, tenant.plan
    );
    Ok(())
}

/// `tmas admin create-user`: asks for the password on the terminal.
async fn create_user(
    db: &Db,
    email: &str,
    role: RoleArg,
    tenant: Option<String>,
) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(anyhow::Error::msg)?;
    let role = match role {
        RoleArg::Staff => Role::Staff,
        RoleArg::Admin => Role::Admin,
        RoleArg::Manager => Role::Manager,
    };
    let tenant_id = match (role, tenant) {
        (Role::Staff, None) => None,
        (Role::Staff, Some(_)) => {
            anyhow::bail!("staff users belong to no tenant: leave out --tenant")
        }
        (_, None) => anyhow::bail!("--tenant is required for admin and manager users"),
        (_, Some(name)) => Some(
            db::tenants::find_by_name(db, &name)
                .await?
                .with_context(|| format!("no tenant named {name:?}"))?
                .tenant_id(),
        ),
    };
    // The operator sees every tenant: they may be told why.
    if db::users::address_or_look_alike_exists(db, &email).await? {
        anyhow::bail!(
            "a user with the email {} or one that looks like it already exists",
            email.as_str()
        );
    }
    let password =
        NewPassword::parse_for(&read_password()?, &[email.as_str()]).map_err(anyhow::Error::msg)?;
    let hash = crate::password::hash(password.expose().to_string()).await?;
    let user = match db::users::create(db, email.as_str(), &hash, role, tenant_id, false).await {
        Err(e) if db::is_unique_violation(&e) => {
            anyhow::bail!("a user with the email {} already exists", email.as_str())
        }
        other => other?,
    };
    println!(
        "user {} created (id {}, role {})",
        user.email, user.id, user.role
    );
    Ok(())
}

/// `tmas admin reset-password`: prints a temporary password, once.
async fn reset_password(db: &Db, email: &str) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(anyhow::Error::msg)?;
    let user = db::users::find_by_email(db, email.as_str())
        .await?
        .with_context(|| format!("no user with the email {}", email.as_str()))?;
    let temporary = crate::password::reset_to_temporary(db, user.id).await?;
    let operator = db::audit::Actor {
        user_id: 0,
        email: db::audit::COMMAND_LINE_OPERATOR.into(),
        acting_staff: false,
    };
    db::audit::record(
        db,
        user.tenant_id.map(db::TenantId),
        &operator,
        "user.reset_password",
        &Details::new()
            .subject(Value::Text(user.email.clone()))
            .fact("Role", Value::Word(user.role.clone()))
            .to_stored(),
    )
    .await?;
    println!(
        "password of {} reset; their sessions have ended. Temporary password (shown once; \
         they choose their own at the next sign-in):",
        user.email
    );
    println!("{temporary}");
    Ok(())
}

/// `tmas admin send-test-mail`: one message, sent now (not queued), so the operator learns at
/// once whether the settings work.
async fn send_test_mail(
    state: &crate::state::AppState,
    to: &str,
    language: &str,
) -> anyhow::Result<()> {
    let Some(config) = state.mail.config() else {
        anyhow::bail!(
            "mail is off: set --smtp-url / TMAS_SMTP_URL (with --mail-from and --public-url) to send mail"
        );
    };
    let to = Email::parse(to).map_err(anyhow::Error::msg)?;
    let lang = crate::i18n::Lang::from_code(language)
        .with_context(|| format!("--language must be en or es, got {language:?}"))?;
    let message = crate::mail::compose::test_message(lang)?;
    let server = config.settings.server.describe();
    crate::mail::smtp::send(config, to.as_str(), &message)
        .await
        .with_context(|| format!("the test message to {} was not sent", to.as_str()))?;
    println!(
        "the mail server {server} took the test message for {}",
        to.as_str()
    );
    Ok(())
}

/// The password from TMAS_PASSWORD, else asked on the terminal.
fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("TMAS_PASSWORD") {
        return Ok(password);
    }
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "set TMAS_PASSWORD or run on a terminal to type the password"
    );
    eprint!("Password: ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
