//! `racesim new`: writes a commented starter scenario from a template, ready for `racesim check`.
//!
//! The templates live in src/cli/templates/ and are compiled in, so the binary needs no data files.
//! tests/it/cli.rs checks that every template passes check, run and explore as written.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::exit::{self, Failure};

/// A starter scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Template {
    /// The lost-update lesson: a deposit and a withdrawal race on one account.
    Lesson,
    /// Two transfers under two locks taken in one order (and how the other order deadlocks).
    Transfer,
    /// Three threads increment a counter with atomic adds, repeated.
    Counter,
    /// Semaphore(2): three customers share two tellers, never more than two served at once.
    Semaphore,
    /// A producer and a consumer hand items over through a bounded queue, in order.
    ProducerConsumer,
}

impl Template {
    fn text(self) -> &'static str {
        match self {
            Template::Lesson => include_str!("templates/lesson.toml"),
            Template::Transfer => include_str!("templates/transfer.toml"),
            Template::Counter => include_str!("templates/counter.toml"),
            Template::Semaphore => include_str!("templates/semaphore.toml"),
            Template::ProducerConsumer => include_str!("templates/producer_consumer.toml"),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Template::Lesson => "lesson",
            Template::Transfer => "transfer",
            Template::Counter => "counter",
            Template::Semaphore => "semaphore",
            Template::ProducerConsumer => "producer-consumer",
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The scenario's name. The file is NAME.toml in the current directory unless -o is given;
    /// NAME may also be a path (`scenarios/my_race`), and then the name is its last part.
    pub name: String,
    /// The starter to copy.
    #[arg(short, long, value_enum, default_value_t = Template::Lesson)]
    pub template: Template,
    /// Write the scenario here instead (`-` for standard output). An existing file is never
    /// overwritten.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// The template's text for a scenario called `name`, whose file is shown as `file`.
pub fn render(template: Template, name: &str, file: &str) -> String {
    // A TOML basic string, so that any name (quotes, backslashes, non-ASCII) stays valid TOML.
    let quoted = toml::Value::String(name.to_string()).to_string();
    // The file name only appears in comments, where a line break would end the comment.
    let file: String = file
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    template
        .text()
        .replace("{{name}}", &quoted)
        .replace("{{file}}", &file)
}

pub fn command(args: &NewArgs) -> Result<u8, Failure> {
    let base = args.name.strip_suffix(".toml").unwrap_or(&args.name);
    let name = Path::new(base)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.trim().is_empty() {
        return Err(Failure::Usage(
            "the scenario needs a name, e.g. `racesim new my_race`".into(),
        ));
    }
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{base}.toml")));
    if path.as_os_str() == "-" {
        let text = render(args.template, &name, &format!("{name}.toml"));
        return exit::emit(None, &text, exit::SUCCESS);
    }
    let shown = path.display().to_string();
    let text = render(args.template, &name, &shown);
    // create_new: refusing to overwrite must not race with another writer of the same file.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Failure::Usage(format!(
                "{shown} already exists; racesim new never overwrites a file (choose another NAME or -o FILE)"
            )));
        }
        Err(e) => return Err(Failure::Usage(format!("cannot create {shown}: {e}"))),
    };
    if let Err(e) = file.write_all(text.as_bytes()).and_then(|()| file.sync_all()) {
        drop(file);
        let _ = std::fs::remove_file(&path);
        return Err(Failure::Usage(format!("cannot write {shown}: {e}")));
    }
    super::term::note(&format!(
        "created {shown} from the {} template; try: racesim run {shown}",
        args.template.label()
    ));
    Ok(exit::SUCCESS)
}
