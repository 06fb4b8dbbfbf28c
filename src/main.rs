//! `tmas`: parse the command line, start logging, dispatch.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "tmas=info,warn".into()),
        )
        .init();
    let cli = tmas::config::Cli::parse();
    match tmas::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tmas: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
