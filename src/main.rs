//! The `scpm` command: logging, the command line, and one call into [`cli::run`]; the
//! subcommands are in `cli/`, each over the library.

use clap::Parser;

mod cli;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let logs = tracing_subscriber::fmt().with_env_filter(cli::log_filter("")).with_writer(std::io::stderr);
    // The filter can be changed while running (`server.log`, on SIGHUP).
    let set_log: cli::SetLog = match args.log_format {
        cli::LogFormat::Text => {
            let logs = logs.with_filter_reloading();
            let handle = logs.reload_handle();
            logs.init();
            std::sync::Arc::new(move |filter| handle.reload(cli::log_filter(filter)).map_err(|e| e.to_string()))
        }
        cli::LogFormat::Json => {
            let logs = logs.json().flatten_event(true).with_current_span(false).with_filter_reloading();
            let handle = logs.reload_handle();
            logs.init();
            std::sync::Arc::new(move |filter| handle.reload(cli::log_filter(filter)).map_err(|e| e.to_string()))
        }
    };
    let format = args.log_format;
    match cli::run(args, set_log) {
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
