//! `multisession`: inspect optical discs (real drives or emulated discs),
//! append sessions to them, and create emulated discs.

/// `println!` that returns a failed write (a closed pipe) as an error
/// from the enclosing function instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::write_line(format_args!($($arg)*))?
    };
}

mod append;
#[cfg(target_os = "linux")]
mod drive;
mod progress;
mod recorded;

use std::ffi::OsStr;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use multisession::burn::{DataWriter, Finish, Outcome, Recovery, WriteOptions};
use multisession::error::short_path;
use multisession::fsi::FileSystemImage;
use multisession::scsi::emulator::{create_blank, sidecar_path, wrap_image, Existing};
use multisession::session::{self, Kind};
use multisession::{hresult, Error, Profile, Recorder, Result};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "multisession",
    version,
    about = "Multisession CD/DVD/BD discs, real or emulated"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an emulated disc: blank, or wrapping an existing image file.
    NewDisc(NewDisc),
    /// The `cdrecord -msinfo` line, the medium and its multisession objects.
    Info {
        dev: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Import the newest session, add PATHs, write the next session.
    Append {
        dev: PathBuf,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Finalize the disc after this session.
        #[arg(long)]
        close: bool,
        /// Read the session back and compare.
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
    },
    /// Make an emulated disc a /dev/srN device for unmodified burning
    /// programs (see docs/virtual-drive.md).
    #[cfg(target_os = "linux")]
    Drive {
        #[command(subcommand)]
        command: drive::DriveCommand,
    },
    /// List the files of a session (default: the newest).
    Ls {
        dev: PathBuf,
        #[arg(long)]
        session: Option<u16>,
        #[arg(long)]
        json: bool,
    },
    /// Copy the files of a session into DIR (never outside it, never
    /// through a link; existing entries are refused unless --force).
    Extract {
        dev: PathBuf,
        dir: PathBuf,
        #[arg(long)]
        session: Option<u16>,
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
    /// Finalize an appendable disc.
    Close { dev: PathBuf },
    /// Blank a rewritable disc.
    Erase {
        dev: PathBuf,
        /// Full blank instead of a quick one (CD-RW).
        #[arg(long)]
        full: bool,
    },
    /// Close a session left open by an interrupted write.
    Recover { dev: PathBuf },
    /// The main job on an emulated CD-R: two sessions, listed, with msinfo.
    Demo {
        /// Keep the disc and folders here instead of a temporary directory.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Args)]
struct NewDisc {
    /// cd-r, cd-rw, dvd-r, dvd-rw, dvd+r, dvd+rw, bd-r, bd-re, …
    #[arg(long)]
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

fn main() -> ExitCode {
    // Past a file-size limit (ulimit -f) a write must fail with EFBIG,
    // which names the cause, instead of the signal killing us silently.
    // SAFETY: at the start of main, before any thread exists.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("multisession: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

fn write_line(line: std::fmt::Arguments<'_>) -> Result<()> {
    writeln!(std::io::stdout().lock(), "{line}").map_err(|e| {
        Error::new(
            hresult::MS_E_FAIL,
            format!("writing to standard output: {e}"),
        )
    })
}

/// `NAME (0xVALUE): detail`.
fn describe(e: &Error) -> String {
    format!("{} ({:#010X}): {}", e.name(), e.code() as u32, e.detail())
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::NewDisc(args) => new_disc(args),
        Command::Info { dev, json } => info(&dev, json),
        Command::Append {
            dev,
            paths,
            close,
            verify,
            volume,
            keep_appendable,
        } => append(&dev, &paths, close, verify, keep_appendable, &volume),
        Command::Ls { dev, session, json } => ls(&dev, session, json),
        #[cfg(target_os = "linux")]
        Command::Drive { command } => drive::run(command),
        Command::Extract {
            dev,
            dir,
            session,
            json,
            force,
            owners,
        } => extract(
            &dev,
            &dir,
            session,
            json,
            recorded::ExtractOptions { force, owners },
        ),
        Command::Close { dev } => writer(&dev, WriteOptions::default())?.close_disc(),
        Command::Erase { dev, full } => writer(&dev, WriteOptions::default())?.erase(full),
        Command::Recover { dev } => recover(&dev),
        Command::Demo { dir } => demo(dir),
    }
}

fn parse_profile(name: &str) -> Result<Profile> {
    Profile::from_name(name).ok_or_else(|| {
        Error::new(
            hresult::MS_E_INVALIDARG,
            format!("unknown profile {name:?} (cd-r, dvd+rw, bd-r, …)"),
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

/// The `cdrecord -msinfo` pair (the two numbers `mkisofs -C` takes), as a
/// file-system image sees the medium: the start of the previous session
/// from the multisession object it chose — 0 on overwritable media, whose
/// one growing volume starts there — and its `SessionStartBlock`. An
/// error says why there is no pair: blank media (write-once, or
/// overwritable without a volume), closed or read-only media.
fn msinfo(recorder: &Arc<Recorder>) -> Result<(u32, u32)> {
    let mut image = FileSystemImage::new();
    image.set_multisession_interfaces(session::offer(recorder)?)?;
    let chosen = image.chosen_multisession().ok_or_else(|| {
        Error::new(
            hresult::MS_IMAPI_E_MULTISESSION_NOT_SET,
            "the image chose no multisession object",
        )
    })?;
    let next = image.session_start_block()?;
    let start = match chosen.kind() {
        Kind::Sequential => {
            u32::try_from(chosen.sequential()?.start_address_of_previous_session).unwrap_or(0)
        }
        // Nothing before the next session: a first session, not a
        // continuation; `0,0` would tell mkisofs -C to continue a volume
        // that is not there.
        Kind::RandomWrite | Kind::PseudoOverwrite if next == 0 => {
            return Err(Error::new(
                hresult::MS_IMAPI_E_IMPORT_SEEK_FAILURE,
                format!(
                    "the {} medium is blank (no ISO 9660 volume at LBA 16): there is no previous session to import",
                    recorder.media_info()?.profile
                ),
            ))
        }
        Kind::RandomWrite | Kind::PseudoOverwrite => 0,
    };
    Ok((start, next))
}

fn info(dev: &Path, as_json: bool) -> Result<()> {
    let recorder = open(dev)?;
    let info = recorder.media_info()?;
    let msinfo = msinfo(&recorder);
    let objects = session::offer(&recorder).unwrap_or_default();
    let mut rows = Vec::new();
    for object in &objects {
        let supported = object.is_supported_on_current_media_state()?;
        let values = match object.kind() {
            Kind::Sequential => {
                let v = object.sequential()?;
                json!({
                    "is_first_data_session": v.is_first_data_session,
                    "start_address_of_previous_session": v.start_address_of_previous_session,
                    "last_written_address_of_previous_session": v.last_written_address_of_previous_session,
                    "next_writable_address": v.next_writable_address,
                    "free_sectors_on_media": v.free_sectors_on_media,
                    "write_unit_size": v.write_unit_size,
                })
            }
            Kind::RandomWrite => {
                let v = object.random_write()?;
                json!({
                    "last_written_address": v.last_written_address,
                    "total_sectors_on_media": v.total_sectors_on_media,
                    "write_unit_size": v.write_unit_size,
                })
            }
            Kind::PseudoOverwrite => {
                let v = object.pseudo_overwrite()?;
                json!({
                    "next_writable_address": v.next_writable_address,
                    "last_recorded_address": v.last_recorded_address,
                    "total_sectors_on_media": v.total_sectors_on_media,
                    "write_unit_size": v.write_unit_size,
                })
            }
        };
        rows.push(
            json!({ "kind": object.kind().to_string(), "supported": supported, "values": values }),
        );
    }
    let media = json!({
        "device": recorder.describe(),
        "profile": info.profile.name(),
        "disc_status": format!("{:?}", info.disc_status),
        "last_session": format!("{:?}", info.last_session),
        "sessions": info.sessions,
        "tracks": info.tracks,
        "previous_session": info.previous_session.map(|s| json!({"start": s.start, "last_written": s.last_written})),
        "next_writable": info.next_writable,
        "free_blocks": info.free_blocks,
        "total_sectors": info.total_sectors,
        "write_unit": info.write_unit,
        "media_state": info.media_state().0,
        "format": format!("{:?}", info.format),
    });
    if as_json {
        let (line, reason) = match &msinfo {
            Ok((start, next)) => (Some(format!("{start},{next}")), None),
            Err(e) => (None, Some(describe(e))),
        };
        say!(
            "{}",
            json!({ "msinfo": line, "msinfo_error": reason, "media": media, "multisession": rows })
        );
        return Ok(());
    }
    match &msinfo {
        Ok((start, next)) => say!("{start},{next}"),
        Err(e) => say!("no msinfo: {}", describe(e)),
    }
    say!("");
    if let serde_json::Value::Object(fields) = &media {
        for (key, value) in fields {
            say!("{key:<18} {}", plain(value));
        }
    }
    for row in rows {
        say!("");
        say!(
            "{:<18} supported on current media: {}",
            row["kind"].as_str().unwrap_or(""),
            row["supported"]
        );
        if let serde_json::Value::Object(values) = &row["values"] {
            for (key, value) in values {
                say!("  {key:<40} {value}");
            }
        }
    }
    Ok(())
}

fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn append(
    dev: &Path,
    paths: &[PathBuf],
    close: bool,
    verify: bool,
    keep_appendable: bool,
    volume: &str,
) -> Result<()> {
    // The C API's and IMAPI2's default: DVD+R closes after a session.
    let options = WriteOptions {
        force_media_to_be_closed: close,
        disable_consumer_dvd_compatibility_mode: keep_appendable,
        verify,
        ..WriteOptions::default()
    };
    let writer = writer(dev, options)?;
    match writer.recover()? {
        Recovery::NotNeeded => {}
        other => eprintln!("recovered from an interrupted write: {other:?}"),
    }
    let mut session = append::next_session(writer.recorder(), paths, volume)?;
    let bar = progress::WriteBar::new(std::io::stderr().is_terminal());
    let report = writer
        .write(&mut session, &mut |p| bar.update(p))
        .inspect_err(|_| bar.abandon())?;
    let how = match report.outcome {
        Outcome::SessionClosed(finish) => format!("session closed, disc {finish:?}").to_lowercase(),
        Outcome::Committed { .. } => "committed".into(),
    };
    if report.outcome == Outcome::SessionClosed(Finish::Finalized)
        && !close
        && !keep_appendable
        && writer.recorder().media_info()?.profile == Profile::DvdPlusR
    {
        eprintln!("note: the DVD+R is finalized (closed), as IMAPI2 does by default; append --keep-appendable keeps a DVD+R open for more sessions");
    }
    say!(
        "wrote {} blocks at LBA {} ({how}{})",
        report.sectors,
        report.start_lba,
        if report.verified { ", verified" } else { "" }
    );
    Ok(())
}

fn ls(dev: &Path, number: Option<u16>, as_json: bool) -> Result<()> {
    let session = recorded::read(&Recorder::open(dev)?, number)?;
    let start = session.start;
    let failed = |e: std::io::Error| {
        Error::new(
            hresult::MS_E_FAIL,
            format!("writing to standard output: {e}"),
        )
    };
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
    dir: &Path,
    number: Option<u16>,
    as_json: bool,
    options: recorded::ExtractOptions,
) -> Result<()> {
    let recorder = Recorder::open(dev)?;
    let session = recorded::read(&recorder, number)?;
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
    say!("{outcome:?}");
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
    let (start, next) = msinfo(&open(Path::new(disc))?)?;
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
