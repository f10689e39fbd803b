//! `multisession drive`: run an unmodified burning program against an
//! emulated disc through the preload library of the `vdev` crate, which
//! makes a device name such as `/dev/sr7` answer like an sr drive.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use multisession::error::short_path;
use multisession::hresult::{MS_E_FAIL, MS_E_INVALIDARG, MS_E_WIN32_DEV_NOT_EXIST};
use multisession::scsi::emulator::is_emulated_disc;
use multisession::{Error, Result};

/// The preload library's file name, looked for beside the binary.
const LIBRARY: &str = "libmultisession_vdev.so";
/// Overrides where the preload library is (an installed layout, a test).
const LIBRARY_VAR: &str = "MULTISESSION_VDEV_LIB";

#[derive(Subcommand)]
pub enum DriveCommand {
    /// Run PROGRAM with DISC as the device (default /dev/sr7) for it and
    /// all its children.
    Run {
        #[command(flatten)]
        device: Device,
        /// The program and its arguments, after `--`.
        #[arg(last = true, required = true)]
        program: Vec<OsString>,
    },
    /// Print the variables that make DISC the device, for `eval` in a shell.
    Env {
        #[command(flatten)]
        device: Device,
    },
}

#[derive(Args)]
pub struct Device {
    /// The device name programs are given.
    #[arg(long, default_value = "/dev/sr7")]
    dev: PathBuf,
    /// Append one line per CDB (with status and sense) to FILE.
    #[arg(long)]
    trace: Option<PathBuf>,
    /// The emulated disc (see `new-disc`).
    disc: PathBuf,
}

pub fn run(command: DriveCommand) -> Result<()> {
    match command {
        DriveCommand::Run { device, program } => {
            let vars = variables(&device)?;
            let mut child = std::process::Command::new(&program[0]);
            child.args(&program[1..]).envs(vars);
            // exec only returns on failure; on success the program's exit
            // status is ours.
            let e = child.exec();
            Err(Error::new(
                MS_E_FAIL,
                format!("cannot run {}: {e}", Path::new(&program[0]).display()),
            ))
        }
        DriveCommand::Env { device } => {
            for (name, value) in variables(&device)? {
                say!("export {name}={}", shell_quote(&value));
            }
            Ok(())
        }
    }
}

/// LD_PRELOAD (ours first, any earlier ones kept), the device mapping and
/// the trace file, all with absolute paths: the program may change
/// directory before it opens the device.
fn variables(device: &Device) -> Result<Vec<(&'static str, OsString)>> {
    let name = device.dev.as_os_str().as_bytes();
    if !name.starts_with(b"/") || name.contains(&b':') || name.contains(&b'=') {
        return Err(Error::new(
            MS_E_INVALIDARG,
            format!(
                "--dev {}: give an absolute device name without ':' or '=' (e.g. /dev/sr7)",
                device.dev.display()
            ),
        ));
    }
    if !is_emulated_disc(&device.disc) {
        return Err(Error::new(
            MS_E_INVALIDARG,
            format!(
                "{} is not an emulated disc (create one with `multisession new-disc`)",
                short_path(&device.disc)
            ),
        ));
    }
    let disc = absolute(&device.disc)?;
    if disc.as_os_str().as_bytes().contains(&b':') {
        return Err(Error::new(
            MS_E_INVALIDARG,
            format!("{}: the disc path must not contain ':'", disc.display()),
        ));
    }
    let mut preload = library()?.into_os_string();
    if let Some(earlier) = std::env::var_os("LD_PRELOAD").filter(|v| !v.is_empty()) {
        preload.push(" ");
        preload.push(earlier);
    }
    let mut mapping = device.dev.clone().into_os_string();
    mapping.push("=");
    mapping.push(&disc);
    let mut vars = vec![("LD_PRELOAD", preload), ("MULTISESSION_VDEV", mapping)];
    if let Some(trace) = &device.trace {
        vars.push(("MULTISESSION_VDEV_TRACE", absolute(trace)?.into_os_string()));
    }
    Ok(vars)
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path)
        .map_err(|e| Error::new(MS_E_INVALIDARG, format!("{}: {e}", path.display())))
}

/// `$MULTISESSION_VDEV_LIB`, else the library beside this binary (cargo's
/// target dir) or in `../lib/multisession/` (an installed layout).
fn library() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(LIBRARY_VAR).filter(|v| !v.is_empty()) {
        let path = absolute(Path::new(&path))?;
        if path.is_file() {
            return Ok(path);
        }
        return Err(Error::new(
            MS_E_WIN32_DEV_NOT_EXIST,
            format!("{LIBRARY_VAR}={}: no such file", path.display()),
        ));
    }
    let exe = std::env::current_exe()
        .map_err(|e| Error::new(MS_E_FAIL, format!("cannot find this program: {e}")))?;
    let dir = exe.parent().unwrap_or(Path::new("/"));
    let candidates = [
        dir.join(LIBRARY),
        dir.join("../lib/multisession").join(LIBRARY),
    ];
    // Canonical, so `drive env` prints /usr/lib/multisession/… rather
    // than /usr/bin/../lib/multisession/….
    candidates
        .iter()
        .find(|p| p.is_file())
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .ok_or_else(|| {
            Error::new(
                MS_E_WIN32_DEV_NOT_EXIST,
                format!(
                    "the virtual drive library {LIBRARY} is neither beside {} nor in \
                     ../lib/multisession/ (build it with `cargo build --release -p \
                     multisession-vdev`, install with scripts/install, or set {LIBRARY_VAR})",
                    exe.display()
                ),
            )
        })
}

/// Single-quoted for a POSIX shell.
fn shell_quote(value: &OsStr) -> String {
    let text = value.to_string_lossy();
    format!("'{}'", text.replace('\'', r"'\''"))
}
