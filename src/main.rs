//! The `racesim` binary: the command-line layer over the library (argument parsing, files,
//! the terminal, exit statuses). Everything it computes comes from `racesim`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
