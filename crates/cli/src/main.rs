//! The `kehu` binary: parses the command line, runs the command, decides the exit code.
// The binary is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod backtest_cmd;
mod check_cmd;
mod demo_cmd;
mod diff_cmd;
mod exit;
mod gen_cmd;
mod init_cmd;
mod learn_cmd;
mod progress;
mod read_options;
mod run_cmd;

use clap::Parser;
use exit::Outcome;
use kehu_domain::Lang;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let lang: Lang = cli.lang.parse().unwrap_or_default();
    let result = match &cli.command {
        args::Command::Check(a) => check_cmd::run(a, lang),
        args::Command::Run(a) => run_cmd::run(a, lang),
        args::Command::Backtest(a) => backtest_cmd::run(a, lang),
        args::Command::Cluster(a) => learn_cmd::cluster(a, lang),
        args::Command::Tree(a) => learn_cmd::tree(a, lang),
        args::Command::Compare(a) => learn_cmd::compare(a, lang),
        args::Command::Diff(a) => diff_cmd::run(a, lang),
        args::Command::Report(a) => diff_cmd::report(a, lang),
        args::Command::Init(a) => init_cmd::run(a, lang),
        args::Command::Demo(a) => demo_cmd::run(a, lang),
        args::Command::Gen(a) => gen_cmd::run(a, lang),
    };
    match result {
        Ok(outcome) => outcome.code(),
        Err(err) => {
            if let Some(usage) = err.downcast_ref::<UsageError>() {
                eprintln!("{}: {}", lang.pick("error", "错误"), usage.0);
                return ExitCode::from(2);
            }
            eprintln!("{}: {err:#}", lang.pick("error", "错误"));
            Outcome::Failure.code()
        }
    }
}

/// A wrong command-line value found after parsing (exit code 2, like clap's own).
#[derive(Debug)]
pub struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Wraps a message as a usage error.
pub fn usage_error(message: String) -> anyhow::Error {
    anyhow::Error::new(UsageError(message))
}
