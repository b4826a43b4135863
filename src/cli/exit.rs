//! Exit statuses: the one place where results and failures become the process's status.
//!
//! 0: success, and every `[expect]` holds; 1: an expectation failed; 2: invalid input or usage
//! (a scenario that does not validate, a schedule that does not fit, explore stopping at its
//! limit, a command line clap rejects) or an I/O error (an output that cannot be written).

use std::process::ExitCode;

use racesim::scenario::ScenarioError;

use super::io::{self, WriteError};

/// Everything held and every expectation passed.
pub const SUCCESS: u8 = 0;
/// An `[expect]` check failed (or a golden file differs).
pub const EXPECT_FAILED: u8 = 1;
/// Invalid input or usage, or an I/O error.
pub const INVALID: u8 = 2;

/// Why a command stopped early; reported on stderr with status [`INVALID`].
pub enum Failure {
    /// A scenario that does not validate (or cannot be read), located in its file.
    Scenario(Box<ScenarioError>),
    /// A usage error or a limit, in words.
    Usage(String),
    /// Output that could not be written.
    Write(WriteError),
}

impl From<Box<ScenarioError>> for Failure {
    fn from(e: Box<ScenarioError>) -> Self {
        Failure::Scenario(e)
    }
}

impl From<WriteError> for Failure {
    fn from(e: WriteError) -> Self {
        Failure::Write(e)
    }
}

/// The status of a command that judged expectations: `passed` or not.
pub fn verdict(passed: bool) -> u8 {
    if passed { SUCCESS } else { EXPECT_FAILED }
}

/// Ends a command: its status, or the failure reported on stderr.
pub fn finish(result: Result<u8, Failure>) -> ExitCode {
    ExitCode::from(match result {
        Ok(code) => code,
        Err(failure) => {
            report(&failure);
            INVALID
        }
    })
}

/// Writes a command's output (to stdout, or to `path`) and returns the command's `status`;
/// when the reader closed the pipe, the status stands and nothing more is said.
pub fn emit(path: Option<&std::path::Path>, text: &str, status: u8) -> Result<u8, Failure> {
    match io::emit(path, text) {
        Ok(()) | Err(WriteError::ClosedPipe) => Ok(status),
        Err(e) => Err(Failure::Write(e)),
    }
}

/// Prints a failure on stderr: `error: file:line:col: message` first (for editors and CI),
/// then the source with a caret.
pub fn report(failure: &Failure) {
    match failure {
        Failure::Scenario(e) => io::eprint_text(&e.render(super::term::stderr_color())),
        Failure::Usage(message) | Failure::Write(WriteError::Failed(message)) => {
            io::eprint_line(&format!("error: {message}"));
        }
        Failure::Write(WriteError::ClosedPipe) => {}
    }
}
