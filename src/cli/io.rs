//! Files and streams: reading scenario files safely, writing reports to stdout or a file, and
//! printing to stderr. Nothing here panics on an I/O error: reads and writes report it, a closed
//! pipe ends the output quietly.
//!
//! - A scenario is read from a regular file, from `-` (standard input) or from a pipe such as
//!   `<(...)`, at most [`MAX_SCENARIO_BYTES`]; devices and directories are refused, and a named
//!   pipe with no writer reads as empty instead of blocking forever.
//! - `-o FILE` writes a uniquely named temporary file beside FILE (created exclusively, so a
//!   planted file or link is never followed) and renames it into place, so a failed or
//!   concurrent command never leaves a partial file. A FILE that is a symbolic link is written
//!   through to the file it points to; a FILE that is a device or pipe (`/dev/null`,
//!   `/dev/stdout`) is written directly; a directory is refused.

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use racesim::scenario::{self, Scenario, ScenarioError};

/// The largest scenario file racesim reads: far beyond any hand-written scenario, small enough
/// that validating it takes seconds.
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;

/// A validated scenario with the text it came from.
pub struct Loaded {
    pub scenario: Scenario,
    /// The file's text as read (for pages that show the source).
    pub source: String,
}

/// Reads and validates the scenario at `path` (`-`: standard input).
pub fn load(path: &Path) -> Result<Loaded, Box<ScenarioError>> {
    let shown = path.display().to_string();
    let bytes =
        read_scenario_bytes(path).map_err(|message| Box::new(ScenarioError::file(&shown, message)))?;
    let scenario = scenario::parse_bytes(&shown, &bytes)?;
    Ok(Loaded {
        scenario,
        source: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

fn read_scenario_bytes(path: &Path) -> Result<Vec<u8>, String> {
    if path.as_os_str() == "-" {
        return read_capped(std::io::stdin().lock());
    }
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => "no such file".to_string(),
        _ => format!("cannot read the scenario: {e}"),
    })?;
    if meta.is_dir() {
        return Err("is a directory, not a scenario file".into());
    }
    let pipe = is_pipe(&meta);
    if !meta.is_file() && !pipe {
        return Err("not a regular file (racesim reads scenarios from files, pipes and `-`)".into());
    }
    if meta.is_file() && meta.len() > MAX_SCENARIO_BYTES {
        return Err(too_large());
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    if pipe {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a named pipe with no writer would block forever; non-blocking, it opens at
        // once and reads as empty.
        options.custom_flags(O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| format!("cannot read the scenario: {e}"))?;
    let bytes = read_capped(Patient(file))?;
    if pipe && bytes.is_empty() {
        return Err("the pipe gave no data (nothing was written to it)".into());
    }
    Ok(bytes)
}

#[cfg(target_os = "linux")]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(all(unix, not(target_os = "linux")))]
const O_NONBLOCK: i32 = 0x0004;

#[cfg(unix)]
fn is_pipe(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_fifo()
}

#[cfg(not(unix))]
fn is_pipe(_: &std::fs::Metadata) -> bool {
    false
}

/// A reader that waits (without spinning hard) while a non-blocking pipe has no data yet.
struct Patient<R>(R);

impl<R: Read> Read for Patient<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                other => return other,
            }
        }
    }
}

fn too_large() -> String {
    format!(
        "the file is larger than {} MiB, the most racesim reads",
        MAX_SCENARIO_BYTES >> 20
    )
}

fn read_capped(reader: impl Read) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the scenario: {e}"))?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// How writing a command's output went.
#[derive(Debug)]
pub enum WriteError {
    /// The reader went away (`| head`): not worth a message.
    ClosedPipe,
    /// Any other failure, with a message naming what could not be written.
    Failed(String),
}

/// Writes `text` to stdout, or to `path` (atomically, see the module documentation).
pub fn emit(path: Option<&Path>, text: &str) -> Result<(), WriteError> {
    match path {
        None => stdout(text.as_bytes()),
        Some(path) => write_atomically(path, text.as_bytes())
            .map_err(|e| WriteError::Failed(format!("cannot write {}: {e}", path.display()))),
    }
}

/// Writes bytes to standard output and flushes them.
pub fn stdout(bytes: &[u8]) -> Result<(), WriteError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            ErrorKind::BrokenPipe => WriteError::ClosedPipe,
            _ => WriteError::Failed(format!("cannot write to standard output: {e}")),
        })
}

/// Prints a line to stderr; a failure to do so is ignored (there is nowhere left to say it).
pub fn eprint_line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Prints text to stderr as it is (it carries its own line ends).
pub fn eprint_text(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
}

/// Writes `bytes` to `path` so that readers see the old file or the new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = resolve_target(path)?;
    if let Ok(meta) = std::fs::metadata(&target) {
        if meta.is_dir() {
            return Err(std::io::Error::other("it is a directory"));
        }
        if !meta.is_file() {
            // A device or a pipe: there is nothing to replace, write into it.
            let mut f = std::fs::OpenOptions::new().write(true).open(&target)?;
            return f.write_all(bytes).and_then(|()| f.flush());
        }
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".racesim-tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // Keep the permissions of the file being replaced (the temporary file is private).
    if let Ok(meta) = std::fs::metadata(&target) {
        let _ = tmp.as_file().set_permissions(meta.permissions());
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = tmp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644));
        }
    }
    tmp.persist(&target).map(|_| ()).map_err(|e| e.error)
}

/// The file a write to `path` goes to: `path` itself, or where its symbolic link points.
fn resolve_target(path: &Path) -> std::io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path)
            .map_err(|_| std::io::Error::other("it is a symbolic link to a file that does not exist")),
        _ => Ok(path.to_path_buf()),
    }
}
