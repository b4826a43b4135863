//! Generated documentation of the command line: shell completion scripts and the man page,
//! both built from the clap definitions so they cannot drift from the real flags.

use clap::CommandFactory;

use super::Cli;
use super::exit::{self, Failure};

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "racesim", &mut out);
    out
}

/// The man page in roff: racesim(1), or racesim-SUBCOMMAND(1), which racesim(1) refers to.
pub fn man_page(subcommand: Option<&str>) -> Result<Vec<u8>, String> {
    // Built as clap_mangen::generate_to builds it, so that subcommands get their
    // `racesim-run` titles, `racesim run` synopses and the global flags.
    // `help` is for the terminal; a man page documents the subcommands themselves.
    let mut cmd = Cli::command()
        .disable_help_subcommand(true)
        .mut_subcommand("help", |c| c.hide(true));
    cmd.build();
    let page = match subcommand {
        None => cmd,
        Some(name) => cmd.find_subcommand(name).cloned().ok_or_else(|| {
            let names: Vec<&str> = cmd.get_subcommands().map(clap::Command::get_name).collect();
            format!("no subcommand `{name}` (subcommands: {})", names.join(", "))
        })?,
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("racesim {}", env!("CARGO_PKG_VERSION")))
        .render(&mut out)
        .map_err(|e| format!("cannot render the man page: {e}"))?;
    Ok(out)
}

/// `racesim man [SUBCOMMAND]`.
pub fn man_command(subcommand: Option<&str>) -> Result<u8, Failure> {
    let page = man_page(subcommand).map_err(Failure::Usage)?;
    exit::emit(None, &String::from_utf8_lossy(&page), exit::SUCCESS)
}

/// `racesim completions SHELL`.
pub fn completions_command(shell: clap_complete::Shell) -> Result<u8, Failure> {
    exit::emit(None, &String::from_utf8_lossy(&completions(shell)), exit::SUCCESS)
}

/// `racesim help [SUBCOMMAND]`: the same long help that `--help` prints.
pub fn help_command(subcommand: Option<&str>) -> Result<u8, Failure> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut page = match subcommand {
        None => cmd,
        Some(name) => cmd.find_subcommand(name).cloned().ok_or_else(|| {
            let names: Vec<&str> = cmd.get_subcommands().map(clap::Command::get_name).collect();
            Failure::Usage(format!(
                "no subcommand `{name}` (subcommands: {})",
                names.join(", ")
            ))
        })?,
    };
    let styled = page.render_long_help();
    let help = if super::term::stdout_color() {
        styled.ansi().to_string()
    } else {
        styled.to_string()
    };
    exit::emit(None, &help, exit::SUCCESS)
}
