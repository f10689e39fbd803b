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
mod progress;
mod recorded;

use std::ffi::OsStr;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use multisession::burn::{DataWriter, Outcome, Recovery, WriteOptions};
use multisession::fsi::FileSystemImage;
use multisession::scsi::emulator::{create_blank, sidecar_path, wrap_image};
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
    disc: PathBuf,
}

fn main() -> ExitCode {
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
        } => append(&dev, &paths, close, verify, &volume),
        Command::Ls { dev, session, json } => ls(&dev, session, json),
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

fn new_disc(args: NewDisc) -> Result<()> {
    let io = |p: &Path, e: std::io::Error| {
        Error::new(hresult::MS_E_FAIL, format!("{}: {e}", p.display()))
    };
    match &args.from {
        None => {
            let profile = parse_profile(args.profile.as_deref().unwrap_or("cd-r"))?;
            create_blank(&args.disc, profile, args.capacity)?;
            say!("created blank {profile} disc {}", args.disc.display());
        }
        Some(image) => {
            std::fs::copy(image, &args.disc).map_err(|e| io(image, e))?;
            let blocks = (std::fs::metadata(&args.disc)
                .map_err(|e| io(&args.disc, e))?
                .len()
                / 2048) as u32;
            let profile = match &args.profile {
                Some(name) => parse_profile(name)?,
                None if blocks <= 359_849 => Profile::CdR,
                None if blocks <= 2_295_104 => Profile::DvdPlusR,
                None => Profile::BdR,
            };
            let starts = if args.sessions.is_empty()
                && profile.write_model() != multisession::media::WriteModel::RandomWrite
            {
                detect_sessions(&args.disc)?
            } else {
                args.sessions.clone()
            };
            wrap_image(&args.disc, profile, &starts, false)?;
            say!(
                "wrapped {} as {profile} disc {} with sessions at {starts:?}",
                image.display(),
                args.disc.display()
            );
        }
    }
    Ok(())
}

/// Session starts of a plain image: the first at 0, each next one at the
/// first block after the previous volume's end whose +16 holds a primary
/// volume descriptor.
fn detect_sessions(image: &Path) -> Result<Vec<u32>> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(image)
        .map_err(|e| Error::new(hresult::MS_E_FAIL, format!("{}: {e}", image.display())))?;
    let blocks = (file.metadata().map(|m| m.len()).unwrap_or(0) / 2048) as u32;
    let mut block = [0u8; 2048];
    let pvd_size = |lba: u32, block: &mut [u8; 2048]| -> Option<u32> {
        file.read_exact_at(block, u64::from(lba) * 2048).ok()?;
        (&block[..6] == b"\x01CD001")
            .then(|| u32::from_le_bytes([block[80], block[81], block[82], block[83]]))
    };
    let mut starts = Vec::new();
    let mut candidate = 0u32;
    while candidate + 16 < blocks {
        match pvd_size(candidate + 16, &mut block) {
            Some(size) if size > 16 => {
                starts.push(candidate);
                // Volume sizes of multisession images are absolute ends.
                candidate = size.max(candidate + 17);
            }
            _ => candidate += 1,
        }
    }
    if starts.is_empty() {
        return Err(Error::new(
            hresult::MS_IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND,
            format!(
                "{} holds no ISO 9660 session; give --sessions",
                image.display()
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
/// error says why no session can be appended (blank write-once or closed
/// media, read-only media).
fn msinfo(recorder: &Arc<Recorder>) -> Result<(u32, u32)> {
    let mut image = FileSystemImage::new();
    image.set_multisession_interfaces(session::offer(recorder)?)?;
    let chosen = image.chosen_multisession().ok_or_else(|| {
        Error::new(
            hresult::MS_IMAPI_E_MULTISESSION_NOT_SET,
            "the image chose no multisession object",
        )
    })?;
    let start = match chosen.kind() {
        Kind::Sequential => {
            u32::try_from(chosen.sequential()?.start_address_of_previous_session).unwrap_or(0)
        }
        Kind::RandomWrite | Kind::PseudoOverwrite => 0,
    };
    Ok((start, image.session_start_block()?))
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

fn append(dev: &Path, paths: &[PathBuf], close: bool, verify: bool, volume: &str) -> Result<()> {
    let options = WriteOptions {
        force_media_to_be_closed: close,
        disable_consumer_dvd_compatibility_mode: true,
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
