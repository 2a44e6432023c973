//! The `scpm` command: logging, the command line, and one call into [`cli::run`]; the
//! subcommands are in `cli/`, each over the library.

use clap::Parser;

mod cli;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| cli::QUIET_LIBRARIES.into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match args.log_format {
        cli::LogFormat::Text => logs.init(),
        cli::LogFormat::Json => logs.json().flatten_event(true).with_current_span(false).init(),
    }
    let format = args.log_format;
    match cli::run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // A log collector reads the last word as a JSON line like the others.
            match format {
                cli::LogFormat::Text => eprintln!("error: {e:#}"),
                cli::LogFormat::Json => tracing::error!(error = format!("{e:#}"), "scpm stopped"),
            }
            std::process::ExitCode::FAILURE
        }
    }
}
