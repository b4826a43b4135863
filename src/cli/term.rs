//! The terminal conventions chosen by the global flags `--color`, `--quiet` and `-v`.
//!
//! Set once at start-up and read from anywhere that writes to the terminal, so that commands
//! need not thread the flags through. Colour goes through anstream: with `--color auto`, a
//! stream is coloured only when it is a terminal and `NO_COLOR` is unset (`CLICOLOR_FORCE`
//! forces it, as the convention says); `always` and `never` override both.

use std::ffi::OsString;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorWhen {
    /// Only on a terminal, and not when `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

static QUIET: AtomicBool = AtomicBool::new(false);
static VERBOSE: AtomicU8 = AtomicU8::new(0);

/// Applies the global flags.
pub fn init(color: ColorWhen, quiet: bool, verbose: u8) {
    set_color(color);
    QUIET.store(quiet, Ordering::Relaxed);
    VERBOSE.store(verbose, Ordering::Relaxed);
}

fn set_color(color: ColorWhen) {
    anstream::ColorChoice::write_global(match color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::AlwaysAnsi,
        ColorWhen::Never => anstream::ColorChoice::Never,
    });
}

/// Applies `--color` before clap parses the command line, so that clap's own help and usage
/// errors follow it too (clap writes them through anstream, which reads the global choice).
pub fn preparse_color(args: impl IntoIterator<Item = OsString>) {
    let mut args = args.into_iter().skip(1);
    let mut value = None;
    while let Some(arg) = args.next() {
        let Some(arg) = arg.to_str() else { continue };
        if arg == "--" {
            break;
        } else if arg == "--color" {
            value = args.next().and_then(|v| v.into_string().ok());
        } else if let Some(v) = arg.strip_prefix("--color=") {
            value = Some(v.to_string());
        }
    }
    let color = match value.as_deref() {
        Some("always") => ColorWhen::Always,
        Some("never") => ColorWhen::Never,
        _ => ColorWhen::Auto,
    };
    set_color(color);
}

/// Whether writing to stderr should use colour.
pub fn stderr_color() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Whether writing to stdout should use colour.
pub fn stdout_color() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// `--quiet`: informational stderr (progress bars, notes) is suppressed; errors and the
/// primary output are not.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// How many `-v` were given: each adds deterministic detail on stderr.
pub fn verbosity() -> u8 {
    VERBOSE.load(Ordering::Relaxed)
}

/// Prints an informational note on stderr unless `--quiet`.
pub fn note(text: &str) {
    if !quiet() {
        super::io::eprint_line(text);
    }
}
