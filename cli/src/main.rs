//! `multisession`: inspect optical discs (real drives or emulated discs),
//! append sessions to them, bring them up to date with a folder, and
//! create emulated discs.

/// `println!` that returns a failed write (a closed pipe) as an error
/// from the enclosing function instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::write_line(format_args!($($arg)*))?
    };
}

mod append;
mod check;
#[cfg(target_os = "linux")]
mod drive;
mod drives;
mod progress;
mod recorded;
mod report;

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use multisession::burn::{DataWriter, Finish, Outcome, Recovery, WriteOptions};
use multisession::error::short_path;
use multisession::fsi::FileSystemImage;
use multisession::scsi::emulator::{create_blank, sidecar_path, wrap_image, Existing};
use multisession::{hresult, Error, Profile, Recorder, Result};
use serde_json::json;

/// Exit statuses, the same for every command.
const EXIT_CODES: &str = "\
Exit status:
  0  success (also `update` with nothing to write: \"up to date\")
  1  failure: the HRESULT name, value and detail are on stderr (and, with
     --json, a JSON error object on stdout)
  2  usage error (unknown option, missing argument)
  3  info/msinfo: the disc is blank, there is no msinfo (as cdrecord -msinfo)
A closed standard output (`| head -n1`) ends a command quietly with status
141, as a Unix tool killed by SIGPIPE.";

/// Every profile name `--profile` takes, for the help text.
fn profile_list() -> String {
    let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
    format!("The disc's profile: {}", names.join(", "))
}

#[derive(Parser)]
#[command(
    name = "multisession",
    version,
    about = "Multisession CD/DVD/BD discs, real or emulated",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// When to draw the write progress on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProgressWhen {
    /// Only when stderr is a terminal.
    Auto,
    /// Always, even into a file or pipe.
    Always,
    /// Never.
    Never,
}

/// What every command that writes a session takes.
#[derive(Args)]
struct WriteArgs {
    /// Finalize the disc after this session: no more sessions fit.
    #[arg(long)]
    close: bool,
    /// Read the session back after writing it and compare.
    #[arg(long)]
    verify: bool,
    /// Volume name of the new session.
    #[arg(long, default_value = "MULTISESSION")]
    volume: String,
    /// Keep a DVD+R appendable. Without it a DVD+R is finalized after
    /// this session, as IMAPI2 does by default (consumer DVD
    /// compatibility); other media stay appendable unless --close.
    #[arg(long, conflicts_with = "close")]
    keep_appendable: bool,
    /// Store what symbolic links point at instead of the links.
    #[arg(long)]
    follow: bool,
    /// File systems of the session, comma-separated: iso9660, joliet, udf
    /// (default: what the medium's type takes).
    #[arg(long, value_name = "LIST")]
    fs: Option<String>,
    /// Record libisofs session checksums (MD5 of the session and of each
    /// new file) so `xorriso -check_md5` and `multisession check` verify
    /// the session.
    #[arg(long)]
    md5: bool,
    /// Write a UDF 2.50 session's metadata (a 2 KiB entry per item, on
    /// BD) once, its mirror sharing the blocks, instead of twice (IMAPI's
    /// CreateRedundantUdfMetadataFiles off): about 2 GB less on a disc of
    /// a million files, no second copy to read a damaged block from.
    #[arg(long)]
    single_udf_metadata: bool,
    /// Print what would change and the session's size, and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Draw the progress on stderr.
    #[arg(long, value_enum, default_value = "auto")]
    progress: ProgressWhen,
}

#[derive(Subcommand)]
enum Command {
    /// Create an emulated disc: blank, or wrapping an existing image file.
    NewDisc(NewDisc),
    /// The medium in words, its multisession objects, and the `cdrecord
    /// -msinfo` line.
    #[command(after_help = EXIT_CODES)]
    Info {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
        /// Print one JSON object (IMAPI2 property names) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Only the `cdrecord -msinfo` line: the start of the newest session
    /// and where the next one goes (the two numbers `mkisofs -C` takes).
    #[command(after_help = EXIT_CODES)]
    Msinfo {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
    },
    /// Import the newest session, add, remove and move files, write the
    /// next session.
    #[command(after_help = EXIT_CODES)]
    Append {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
        /// SRC[=DEST]: a local file, directory or link to add. DEST (a
        /// disc path from /) is a directory to put SRC into when it
        /// exists or ends with /, else SRC's new path; without it SRC
        /// goes to the root under its own name. SRC/ (trailing slash)
        /// adds the contents of SRC to DEST. Write `\=` for an = in SRC.
        #[arg(value_name = "SRC[=DEST]")]
        sources: Vec<String>,
        /// Remove this disc path (a directory with all below it) from the
        /// new session; the older sessions keep it.
        #[arg(long = "rm", value_name = "PATH")]
        remove: Vec<String>,
        /// Move or rename a disc path in the new session.
        #[arg(long = "mv", value_name = "OLD=NEW")]
        moves: Vec<String>,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Bring the disc up to date with a folder: a session with only what
    /// changed (new, changed, removed files, links, modes and times).
    #[command(after_help = EXIT_CODES)]
    Update {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
        /// DIR[=DEST]: the local folder and the disc directory that
        /// mirrors it (default: /NAME of DIR; DIR/ mirrors the root).
        #[arg(value_name = "DIR[=DEST]")]
        dir: String,
        /// Compare file contents, not only size and modification time.
        #[arg(long)]
        checksum: bool,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Every session: number, start, size, date, volume name, file
    /// systems.
    #[command(after_help = EXIT_CODES)]
    Sessions {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// What changed from session A to session B: added, removed, changed
    /// entries with their sizes.
    #[command(after_help = EXIT_CODES)]
    Diff {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
        /// The older session's number (from 1).
        a: u16,
        /// The newer session's number.
        b: u16,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Make an emulated disc a /dev/srN device for unmodified burning
    /// programs (see docs/virtual-drive.md).
    #[cfg(target_os = "linux")]
    Drive {
        #[command(subcommand)]
        command: drive::DriveCommand,
    },
    /// The machine's optical drives: device, vendor, product, revision and
    /// the medium in each (virtual ones of `drive run` included).
    #[command(after_help = EXIT_CODES)]
    Drives {
        /// Print JSON (IMAPI2 property names) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Open the drive's tray (eject the medium), or close it with --load.
    #[command(after_help = EXIT_CODES)]
    Eject {
        /// The drive (/dev/sr0) or an emulated disc image.
        disc: PathBuf,
        /// Close the tray and wait for the medium instead.
        #[arg(long)]
        load: bool,
    },
    /// List the files of a session (default: the newest).
    #[command(after_help = EXIT_CODES)]
    Ls {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
        /// The session to list, numbered from 1 (default: the newest).
        #[arg(long, value_name = "N")]
        session: Option<u16>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Copy the files of a session, or one path of it, into DEST (never
    /// outside it, never through a link; existing entries are refused
    /// unless --force). Modes and times are restored.
    #[command(after_help = EXIT_CODES)]
    Extract {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
        /// [PATH] DEST: the disc path to extract (default: everything) and
        /// the local directory to extract into.
        #[arg(value_name = "[PATH] DEST", num_args = 1..=2, required = true)]
        targets: Vec<PathBuf>,
        /// The session to extract from, numbered from 1 (default: the
        /// newest).
        #[arg(long, value_name = "N")]
        session: Option<u16>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Replace existing entries (the entry itself, never what a link
        /// points at); an existing directory is reused.
        #[arg(long)]
        force: bool,
        /// Restore owners and groups (root only) and with them set-id bits.
        #[arg(long)]
        owners: bool,
    },
    /// Read every block of a session (or all) and report unreadable
    /// blocks and the files they hit; verify session checksums (--md5).
    #[command(after_help = EXIT_CODES)]
    Check {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
        /// The session to check, numbered from 1 (default: all).
        #[arg(long, value_name = "N")]
        session: Option<u16>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Finalize an appendable disc.
    #[command(after_help = EXIT_CODES)]
    Close {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
    },
    /// Blank a rewritable disc.
    #[command(after_help = EXIT_CODES)]
    Erase {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
        /// Full blank instead of a quick one (CD-RW).
        #[arg(long)]
        full: bool,
    },
    /// Close a session left open by an interrupted write.
    #[command(after_help = EXIT_CODES)]
    Recover {
        /// The disc: an emulated disc image or a drive (/dev/sr0).
        disc: PathBuf,
    },
    /// The main job on an emulated CD-R: two sessions, listed, with msinfo.
    Demo {
        /// Keep the disc and folders here instead of a temporary directory.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Print the man page (roff), generated from these definitions.
    #[command(hide = true)]
    Man,
    /// Print shell completions, generated from these definitions.
    #[command(hide = true)]
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[derive(Args)]
struct NewDisc {
    #[arg(long, help = profile_list())]
    profile: Option<String>,
    /// Capacity in blocks (default: the profile's).
    #[arg(long, conflicts_with = "from")]
    capacity: Option<u32>,
    /// Wrap this image file (copied to DISC).
    #[arg(long)]
    from: Option<PathBuf>,
    /// Session starts of the wrapped image (detected when absent).
    #[arg(long, value_delimiter = ',', requires = "from")]
    sessions: Vec<u32>,
    /// Replace a disc (image or sidecar) already at DISC: its sessions are
    /// lost. Without it an existing DISC is refused and left unchanged.
    #[arg(long)]
    force: bool,
    /// The emulated disc to create. When it is the --from image itself
    /// (the same file through any path or link) the image is wrapped in
    /// place: only the sidecar is written.
    disc: PathBuf,
}

impl Command {
    /// Whether a failure is reported as a JSON object on stdout.
    fn json(&self) -> bool {
        match self {
            Command::Info { json, .. }
            | Command::Sessions { json, .. }
            | Command::Diff { json, .. }
            | Command::Ls { json, .. }
            | Command::Extract { json, .. }
            | Command::Check { json, .. }
            | Command::Drives { json } => *json,
            _ => false,
        }
    }
}

/// How a command that did not fail ends.
#[derive(Debug)]
pub enum Done {
    Ok,
    /// `info`/`msinfo` on a blank disc.
    Blank,
    /// A failure the command's output (its JSON too) already reported:
    /// only the stderr line and status 1 are left.
    Reported(Error),
}

const EXIT_BLANK: u8 = 3;
const EXIT_CLOSED_PIPE: u8 = 141;

/// Set when standard output was closed under us (`| head`).
static CLOSED_PIPE: AtomicBool = AtomicBool::new(false);

fn main() -> ExitCode {
    // Past a file-size limit (ulimit -f) a write must fail with EFBIG,
    // which names the cause, instead of the signal killing us silently.
    // SAFETY: at the start of main, before any thread exists.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = Cli::parse();
    let json = cli.command.json();
    match run(cli) {
        Ok(Done::Ok) => ExitCode::SUCCESS,
        Ok(Done::Blank) => ExitCode::from(EXIT_BLANK),
        Ok(Done::Reported(e)) => {
            eprintln!("multisession: {}", describe(&e));
            ExitCode::FAILURE
        }
        Err(_) if CLOSED_PIPE.load(Ordering::Relaxed) => ExitCode::from(EXIT_CLOSED_PIPE),
        Err(e) => {
            if json {
                let object = json!({ "Error": error_json(&e) });
                let _ = writeln!(std::io::stdout().lock(), "{object}");
            }
            eprintln!("multisession: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// `{"HResult": "0x…", "Name": …, "Message": …}`.
fn error_json(e: &Error) -> serde_json::Value {
    json!({
        "HResult": format!("{:#010X}", e.code() as u32),
        "Name": e.name(),
        "Message": e.detail(),
    })
}

/// A failed write to standard output; a closed pipe is remembered so the
/// command ends quietly.
fn stdout_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CLOSED_PIPE.store(true, Ordering::Relaxed);
    }
    Error::new(
        hresult::MS_E_FAIL,
        format!("writing to standard output: {e}"),
    )
}

fn write_line(line: std::fmt::Arguments<'_>) -> Result<()> {
    writeln!(std::io::stdout().lock(), "{line}").map_err(stdout_error)
}

/// `NAME (0xVALUE): detail`.
fn describe(e: &Error) -> String {
    format!("{} ({:#010X}): {}", e.name(), e.code() as u32, e.detail())
}

fn run(cli: Cli) -> Result<Done> {
    match cli.command {
        Command::NewDisc(args) => new_disc(args)?,
        Command::Info { disc, json } => return report::info(&disc, json),
        Command::Msinfo { disc } => return report::msinfo_line(&disc),
        Command::Append {
            disc,
            sources,
            remove,
            moves,
            write,
        } => append(&disc, &sources, &remove, &moves, &write)?,
        Command::Update {
            disc,
            dir,
            checksum,
            write,
        } => update(&disc, &dir, checksum, &write)?,
        Command::Sessions { disc, json } => report::sessions(&disc, json)?,
        Command::Diff { disc, a, b, json } => report::diff(&disc, a, b, json)?,
        Command::Ls {
            disc,
            session,
            json,
        } => ls(&disc, session, json)?,
        #[cfg(target_os = "linux")]
        Command::Drive { command } => drive::run(command)?,
        Command::Drives { json } => drives::drives(json)?,
        Command::Eject { disc, load } => drives::eject(&disc, load)?,
        Command::Extract {
            disc,
            targets,
            session,
            json,
            force,
            owners,
        } => {
            let (path, dest) = match targets.as_slice() {
                [dest] => (None, dest),
                [path, dest] => (Some(path.to_string_lossy().into_owned()), dest),
                _ => unreachable!("clap takes one or two"),
            };
            extract(
                &disc,
                path.as_deref(),
                dest,
                session,
                json,
                recorded::ExtractOptions { force, owners },
            )?
        }
        Command::Check {
            disc,
            session,
            json,
        } => return check::run(&disc, session, json),
        Command::Close { disc } => writer(&disc, WriteOptions::default())?.close_disc()?,
        Command::Erase { disc, full } => writer(&disc, WriteOptions::default())?.erase(full)?,
        Command::Recover { disc } => recover(&disc)?,
        Command::Demo { dir } => demo(dir)?,
        Command::Man => man()?,
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "multisession", &mut out);
            std::io::stdout().write_all(&out).map_err(stdout_error)?;
        }
    }
    Ok(Done::Ok)
}

/// The man page: the top command (exit statuses included), then for
/// every visible subcommand its synopsis, description and options.
fn man() -> Result<()> {
    let mut command = Cli::command();
    command.build();
    let mut out = Vec::new();
    let failed = |e: std::io::Error| Error::new(hresult::MS_E_FAIL, e.to_string());
    clap_mangen::Man::new(command.clone())
        .render(&mut out)
        .map_err(failed)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        // Built once per run: leaking the names costs nothing.
        let name: &'static str = Box::leak(format!("multisession {}", sub.get_name()).into());
        let sub = sub.clone().name(name).bin_name(name);
        writeln!(out, ".SH \"{}\"", name.to_uppercase()).map_err(failed)?;
        let page = clap_mangen::Man::new(sub);
        page.render_synopsis_section(&mut out).map_err(failed)?;
        page.render_description_section(&mut out).map_err(failed)?;
        page.render_options_section(&mut out).map_err(failed)?;
    }
    std::io::stdout().write_all(&out).map_err(stdout_error)
}

fn parse_profile(name: &str) -> Result<Profile> {
    Profile::from_name(name).ok_or_else(|| {
        Error::new(
            hresult::MS_E_INVALIDARG,
            format!(
                "unknown profile {name:?} ({})",
                Profile::ALL
                    .iter()
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    let code = multisession::error::host_io_code(&e).unwrap_or(hresult::MS_E_FAIL);
    Error::new(code, format!("{}: {e}", short_path(path)))
}

fn new_disc(args: NewDisc) -> Result<()> {
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    match &args.from {
        None => {
            let profile = parse_profile(args.profile.as_deref().unwrap_or("cd-r"))?;
            create_blank(&args.disc, profile, args.capacity, existing)?;
            say!("created blank {profile} disc {}", args.disc.display());
        }
        Some(image) => wrap_from(image, &args, existing)?,
    }
    Ok(())
}

/// `new-disc --from SOURCE DISC`. The source is only ever read: DISC
/// being the source (same device and inode, however it is named) wraps it
/// in place, and a copy goes to a temporary file beside DISC that
/// replaces nothing until it is complete and its sessions are found.
fn wrap_from(source: &Path, args: &NewDisc, existing: Existing) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let disc = &args.disc;
    let src = std::fs::metadata(source).map_err(|e| io_error(source, e))?;
    if !src.is_file() {
        return Err(Error::new(
            hresult::MS_E_INVALIDARG,
            format!("{} is not a regular image file", short_path(source)),
        ));
    }
    let in_place = match std::fs::metadata(disc) {
        Ok(m) => m.dev() == src.dev() && m.ino() == src.ino(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(io_error(disc, e)),
    };
    if in_place {
        let (profile, starts) = wrap_shape(disc, args)?;
        wrap_image(disc, profile, &starts, false, existing)?;
        say!(
            "wrapped {} in place as {profile} disc {} with sessions at {starts:?} (image unchanged, sidecar {} written)",
            source.display(),
            disc.display(),
            sidecar_path(disc).display()
        );
        return Ok(());
    }
    if existing == Existing::Refuse {
        for (path, what) in [(disc.clone(), "image"), (sidecar_path(disc), "sidecar")] {
            match std::fs::symlink_metadata(&path) {
                Ok(_) => {
                    return Err(Error::new(
                        hresult::MS_E_WIN32_FILE_EXISTS,
                        format!(
                            "{} exists (an emulated disc {what}); it was left unchanged: give --force to replace it",
                            short_path(&path)
                        ),
                    ))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(&path, e)),
            }
        }
    }
    let name = disc.file_name().ok_or_else(|| {
        Error::new(
            hresult::MS_E_INVALIDARG,
            format!("{} names no file", short_path(disc)),
        )
    })?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".part-{}", std::process::id()));
    let tmp = disc.with_file_name(tmp_name);
    let copied = copy_new(source, &tmp).and_then(|()| wrap_shape(&tmp, args));
    let (profile, starts) = match copied {
        Ok(shape) => shape,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let published = match existing {
        Existing::Replace => std::fs::rename(&tmp, disc).map_err(|e| io_error(disc, e)),
        // A link fails where a rename would replace a file that appeared
        // since the check.
        Existing::Refuse => std::fs::hard_link(&tmp, disc).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::new(
                    hresult::MS_E_WIN32_FILE_EXISTS,
                    format!(
                        "{} appeared meanwhile; it was left unchanged",
                        short_path(disc)
                    ),
                )
            } else {
                io_error(disc, e)
            }
        }),
    };
    let _ = std::fs::remove_file(&tmp);
    published?;
    if let Err(e) = wrap_image(disc, profile, &starts, false, existing) {
        // The copy is ours: leave no image without its sidecar.
        let _ = std::fs::remove_file(disc);
        return Err(e);
    }
    say!(
        "wrapped {} as {profile} disc {} with sessions at {starts:?}",
        source.display(),
        disc.display()
    );
    Ok(())
}

/// Copies `source` to `to`, a new file, made durable before anyone sees it.
fn copy_new(source: &Path, to: &Path) -> Result<()> {
    let mut from = std::fs::File::open(source).map_err(|e| io_error(source, e))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(|e| io_error(to, e))?;
    std::io::copy(&mut from, &mut file)
        .and_then(|_| file.sync_all())
        .map_err(|e| io_error(to, e))
}

/// The profile (given, or guessed from the size) and session starts
/// (given, or detected) of an image to wrap.
fn wrap_shape(image: &Path, args: &NewDisc) -> Result<(Profile, Vec<u32>)> {
    let blocks = std::fs::metadata(image)
        .map_err(|e| io_error(image, e))?
        .len()
        / 2048;
    let profile = match &args.profile {
        Some(name) => parse_profile(name)?,
        None if blocks <= 359_849 => Profile::CdR,
        None if blocks <= 2_295_104 => Profile::DvdPlusR,
        None => Profile::BdR,
    };
    let starts = if args.sessions.is_empty()
        && profile.write_model() != multisession::media::WriteModel::RandomWrite
    {
        detect_sessions(image)?
    } else {
        args.sessions.clone()
    };
    Ok((profile, starts))
}

/// Session starts of a plain image: the first at 0, each next one at the
/// first block after the previous volume's end whose +16 holds a primary
/// volume descriptor. Every number comes from the image, so all
/// arithmetic is checked: a volume said to end past the image is an
/// error, not a wrap-around.
fn detect_sessions(image: &Path) -> Result<Vec<u32>> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(image).map_err(|e| io_error(image, e))?;
    let len = file.metadata().map_err(|e| io_error(image, e))?.len();
    let blocks = u32::try_from(len / 2048).unwrap_or(u32::MAX);
    let mut block = [0u8; 2048];
    let pvd_size = |lba: u32, block: &mut [u8; 2048]| -> Option<u32> {
        file.read_exact_at(block, u64::from(lba) * 2048).ok()?;
        (&block[..6] == b"\x01CD001")
            .then(|| u32::from_le_bytes([block[80], block[81], block[82], block[83]]))
    };
    let mut starts = Vec::new();
    let mut candidate = 0u32;
    while let Some(pvd) = candidate.checked_add(16).filter(|&lba| lba < blocks) {
        match pvd_size(pvd, &mut block) {
            Some(size) if size > 16 => {
                if size > blocks {
                    return Err(Error::new(
                        hresult::MS_IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND,
                        format!(
                            "{}: the volume descriptor at LBA {pvd} says its volume ends at block {size}, past the image's {blocks} blocks (cut short or damaged); give --sessions to wrap it anyway",
                            short_path(image)
                        ),
                    ));
                }
                starts.push(candidate);
                // Volume sizes of multisession images are absolute ends.
                match candidate.checked_add(17) {
                    Some(next) => candidate = size.max(next),
                    None => break,
                }
            }
            // No overflow: candidate + 16 did not.
            _ => candidate += 1,
        }
    }
    if starts.is_empty() {
        return Err(Error::new(
            hresult::MS_IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND,
            format!(
                "{} holds no ISO 9660 session; give --sessions",
                short_path(image)
            ),
        ));
    }
    Ok(starts)
}

fn open(dev: &Path) -> Result<Arc<Recorder>> {
    Ok(Arc::new(Recorder::open(dev)?))
}

fn writer(dev: &Path, options: WriteOptions) -> Result<DataWriter> {
    Ok(DataWriter::new(open(dev)?, options))
}

fn write_options(write: &WriteArgs) -> WriteOptions {
    // The C API's and IMAPI2's default: DVD+R closes after a session.
    WriteOptions {
        force_media_to_be_closed: write.close,
        disable_consumer_dvd_compatibility_mode: write.keep_appendable,
        verify: write.verify,
        ..WriteOptions::default()
    }
}

fn image_options(write: &WriteArgs) -> Result<append::ImageOptions<'_>> {
    Ok(append::ImageOptions {
        volume: &write.volume,
        file_systems: write
            .fs
            .as_deref()
            .map(append::parse_file_systems)
            .transpose()?,
        md5: write.md5,
        single_udf_metadata: write.single_udf_metadata,
    })
}

/// The writer for a session, after closing a session an interrupted
/// write left open (a dry run only says that it would).
fn session_writer(dev: &Path, write: &WriteArgs, bar: &progress::WriteBar) -> Result<DataWriter> {
    let writer = writer(dev, write_options(write))?;
    if write.dry_run {
        if report::interrupted(writer.recorder(), &writer.recorder().media_info()?) {
            say!("an interrupted write left a session open: the write would first recover it");
        }
        return Ok(writer);
    }
    bar.stage("recovering");
    match writer.recover()? {
        Recovery::NotNeeded => {}
        other => eprintln!(
            "multisession: recovered from an interrupted write: {}",
            report::recovery_words(&other)
        ),
    }
    Ok(writer)
}

fn append(
    dev: &Path,
    sources: &[String],
    remove: &[String],
    moves: &[String],
    write: &WriteArgs,
) -> Result<()> {
    let sources: Vec<append::Source> = sources
        .iter()
        .map(|s| append::parse_source(s))
        .collect::<Result<_>>()?;
    let moves: Vec<(String, String)> = moves
        .iter()
        .map(|m| append::parse_move(m))
        .collect::<Result<_>>()?;
    if sources.is_empty() && remove.is_empty() && moves.is_empty() {
        return Err(Error::new(
            hresult::MS_E_INVALIDARG,
            "nothing to do: give SRC[=DEST], --rm PATH or --mv OLD=NEW",
        ));
    }
    let bar = progress::WriteBar::new(write.progress);
    let writer = session_writer(dev, write, &bar)?;
    bar.stage("importing");
    let mut image = append::open_image(writer.recorder(), &image_options(write)?)?;
    let changes = append::edit(&mut image, &sources, remove, &moves, write.follow)?;
    finish_session(&writer, image, &changes, write, &bar)
}

fn update(dev: &Path, dir: &str, checksum: bool, write: &WriteArgs) -> Result<()> {
    let (local, dest) = append::update_target(dir)?;
    let bar = progress::WriteBar::new(write.progress);
    let writer = session_writer(dev, write, &bar)?;
    bar.stage("importing");
    let mut image = append::open_image(writer.recorder(), &image_options(write)?)?;
    let medium: &Recorder = writer.recorder();
    let changes = append::update(
        &mut image,
        &local,
        &dest,
        write.follow,
        checksum.then_some(medium as &dyn multisession::fsi::BlockSource),
    )?;
    if changes.is_empty() {
        bar.clear();
        say!(
            "up to date: {dest} on the disc equals {}; nothing written",
            local.display()
        );
        return Ok(());
    }
    finish_session(&writer, image, &changes, write, &bar)
}

/// `12.3 MB` (MB = 10^6 bytes, as disc capacities are given).
pub fn megabytes(blocks: u64) -> String {
    let mb = blocks as f64 * 2048.0 / 1e6;
    if mb >= 1000.0 {
        format!("{:.2} GB", mb / 1000.0)
    } else {
        format!("{mb:.1} MB")
    }
}

/// Builds the session and writes it, or with `--dry-run` says what it
/// would write.
fn finish_session(
    writer: &DataWriter,
    image: FileSystemImage,
    changes: &[append::Change],
    write: &WriteArgs,
    bar: &progress::WriteBar,
) -> Result<()> {
    bar.stage("building");
    let mut session = image.create_result_image()?;
    // The process ends after this session, and the image holds only
    // memory (the drive is the writer's): freeing a million nodes one by
    // one took 17 ms at exit.
    std::mem::forget(image);
    if write.dry_run {
        bar.clear();
        use multisession::fsi::SessionStream;
        for c in changes {
            if c.bytes > 0 {
                say!("{:<10} {} ({} bytes)", c.what, c.path, c.bytes);
            } else {
                say!("{:<10} {}", c.what, c.path);
            }
        }
        let blocks = u64::from(session.total_blocks());
        say!(
            "dry run: the session would take {blocks} blocks ({}) at LBA {}; nothing was written",
            megabytes(blocks),
            session.start_block()
        );
        return Ok(());
    }
    let report = writer
        .write(&mut session, &mut |p| bar.update(p))
        .inspect_err(|_| bar.abandon())?;
    bar.clear();
    let how = match report.outcome {
        Outcome::SessionClosed(Finish::Finalized) => "session closed, disc finalized",
        Outcome::SessionClosed(_) => "session closed, disc appendable",
        Outcome::Committed { .. } => "committed",
    };
    if report.outcome == Outcome::SessionClosed(Finish::Finalized)
        && !write.close
        && !write.keep_appendable
        && writer.recorder().media_info()?.profile == Profile::DvdPlusR
    {
        eprintln!("note: the DVD+R is finalized (closed), as IMAPI2 does by default; append --keep-appendable keeps a DVD+R open for more sessions");
    }
    for c in changes {
        eprintln!("{:<10} {}", c.what, c.path);
    }
    say!(
        "wrote {} blocks at LBA {} ({}, {how}{})",
        report.sectors,
        report.start_lba,
        megabytes(u64::from(report.sectors)),
        if report.verified { ", verified" } else { "" }
    );
    Ok(())
}

fn ls(dev: &Path, number: Option<u16>, as_json: bool) -> Result<()> {
    let session = recorded::read(&Recorder::open(dev)?, number)?;
    let start = session.start;
    let failed = stdout_error;
    // One buffered lock for the listing: a million lines, not a million
    // writes.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if as_json {
        // Streamed entry by entry: the listing of a million entries is
        // never a million values in memory.
        write!(out, "{{\"entries\":[").map_err(failed)?;
        let mut first = true;
        session.each_entry(|e| {
            if !std::mem::take(&mut first) {
                out.write_all(b",").map_err(failed)?;
            }
            let item = json!({"path": e.path, "type": e.kind, "size": e.size, "target": e.target});
            serde_json::to_writer(&mut out, &item).map_err(|e| failed(e.into()))
        })?;
        writeln!(out, "],\"session_start\":{start}}}").map_err(failed)?;
        return out.flush().map_err(failed);
    }
    writeln!(out, "session at LBA {start}:").map_err(failed)?;
    session.each_entry(|e| {
        match (e.target, e.kind) {
            (Some(t), _) => writeln!(out, "  {:>12}  {} -> {t}", "link", e.path),
            (None, "dir") => writeln!(out, "  {:>12}  {}/", "dir", e.path),
            (None, _) => writeln!(out, "  {:>12}  {}", e.size, e.path),
        }
        .map_err(failed)
    })?;
    out.flush().map_err(failed)
}

fn extract(
    dev: &Path,
    path: Option<&str>,
    dir: &Path,
    number: Option<u16>,
    as_json: bool,
    options: recorded::ExtractOptions,
) -> Result<()> {
    let recorder = Recorder::open(dev)?;
    let mut session = recorded::read(&recorder, number)?;
    if let Some(path) = path {
        session.select(path)?;
    }
    let start = session.start;
    let done = session.extract(&recorder, dir, options)?;
    let count = done.files + done.symlinks;
    if as_json {
        say!(
            "{}",
            json!({
                "session_start": start,
                "extracted": count,
                "files": done.files,
                "hard_links": done.hard_links,
                "symlinks": done.symlinks,
                "directories": done.directories,
                "bytes": done.bytes,
                "dir": dir,
            })
        );
    } else {
        say!(
            "extracted {count} files of the session at LBA {start} into {} \
             ({} hard links to files of the same extent, {} bytes)",
            dir.display(),
            done.hard_links,
            done.bytes
        );
    }
    Ok(())
}

fn recover(dev: &Path) -> Result<()> {
    let outcome = writer(
        dev,
        WriteOptions {
            disable_consumer_dvd_compatibility_mode: true,
            ..WriteOptions::default()
        },
    )?
    .recover()?;
    say!("{}", report::recovery_words(&outcome));
    Ok(())
}

/// Runs the commands it prints, on an emulated CD-R in `dir` (default: a
/// new directory under the system's temporary directory).
fn demo(dir: Option<PathBuf>) -> Result<()> {
    let root = dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("multisession-demo-{}", std::process::id()))
    });
    let io = |p: &Path, e: std::io::Error| {
        Error::new(hresult::MS_E_FAIL, format!("{}: {e}", p.display()))
    };
    let folders = [
        (
            "photos",
            [
                ("beach.txt", "a day at the beach\n"),
                ("notes.txt", "first session\n"),
            ],
        ),
        (
            "documents",
            [
                ("report.txt", "second session\n"),
                ("todo.txt", "append more sessions\n"),
            ],
        ),
    ];
    for (folder, files) in &folders {
        let d = root.join(folder);
        std::fs::create_dir_all(&d).map_err(|e| io(&d, e))?;
        for (name, text) in files {
            std::fs::write(d.join(name), text).map_err(|e| io(&d, e))?;
        }
    }
    let disc = root.join("demo-cd-r.img");
    for stale in [disc.clone(), sidecar_path(&disc)] {
        match std::fs::remove_file(&stale) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&stale, e)),
            _ => {}
        }
    }

    let disc = disc.as_os_str();
    let mut steps: Vec<Vec<&OsStr>> = vec![vec![
        "new-disc".as_ref(),
        "--profile".as_ref(),
        "cd-r".as_ref(),
        disc,
    ]];
    let folder_paths: Vec<PathBuf> = folders.iter().map(|(f, _)| root.join(f)).collect();
    let volumes = ["SESSION_1", "SESSION_2"];
    for (folder, volume) in folder_paths.iter().zip(volumes) {
        steps.push(vec![
            "append".as_ref(),
            "--verify".as_ref(),
            "--volume".as_ref(),
            volume.as_ref(),
            disc,
            folder.as_os_str(),
        ]);
    }
    for n in ["1", "2"] {
        steps.push(vec!["ls".as_ref(), "--session".as_ref(), n.as_ref(), disc]);
    }
    steps.push(vec!["info".as_ref(), disc]);

    for (i, args) in steps.iter().enumerate() {
        let shown: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
        say!(
            "{}$ multisession {}",
            if i == 0 { "" } else { "\n" },
            shown.join(" ")
        );
        let cli = Cli::try_parse_from(
            std::iter::once(OsStr::new("multisession")).chain(args.iter().copied()),
        )
        .map_err(|e| Error::new(hresult::MS_E_INVALIDARG, e.to_string()))?;
        run(cli)?;
    }
    let (start, next) = report::msinfo(&open(Path::new(disc))?)?;
    say!("");
    say!("The disc holds two sessions; the second one, at LBA {start}, lists the files of both.");
    say!("`{start},{next}` is the msinfo line (mkisofs -C {start},{next}): the newest session starts at {start}, the next may be written at {next}.");
    say!("The demo's files are in {}", root.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_argument_and_option_of_every_command_has_help_text() {
        let mut missing = Vec::new();
        let mut stack = vec![(String::from("multisession"), Cli::command())];
        while let Some((path, command)) = stack.pop() {
            command.clone().debug_assert();
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {} (no about)", sub.get_name()));
                }
                stack.push((format!("{path} {}", sub.get_name()), sub.clone()));
            }
        }
        assert!(missing.is_empty(), "without help text: {missing:?}");
    }

    /// An image of `blocks` zero blocks with a primary volume descriptor
    /// claiming `size` blocks at each `(lba, size)`.
    fn image_with(blocks: u32, pvds: &[(u32, u32)]) -> tempfile::NamedTempFile {
        let mut data = vec![0u8; blocks as usize * 2048];
        for &(lba, size) in pvds {
            let at = lba as usize * 2048;
            if at + 2048 <= data.len() {
                data[at..at + 6].copy_from_slice(b"\x01CD001");
                data[at + 80..at + 84].copy_from_slice(&size.to_le_bytes());
            }
        }
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), data).unwrap();
        file
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever sizes the descriptors claim, detection ends with
        /// increasing starts inside the image or a clear error, never an
        /// overflow panic.
        #[test]
        fn session_detection_survives_any_volume_space_size(
            blocks in 17u32..80,
            pvds in proptest::collection::vec(
                (16u32..80, prop_oneof![
                    any::<u32>(),
                    0u32..100,
                    Just(0xFFFF_FFF0u32),
                    Just(u32::MAX),
                ]),
                0..4,
            ),
        ) {
            let image = image_with(blocks, &pvds);
            match detect_sessions(image.path()) {
                Ok(starts) => {
                    prop_assert!(starts.windows(2).all(|w| w[0] < w[1]));
                    prop_assert!(starts.iter().all(|&s| s + 16 < blocks));
                }
                Err(e) => prop_assert_eq!(
                    e.code(),
                    hresult::MS_IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND
                ),
            }
        }
    }
}
