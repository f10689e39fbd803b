//! `multisession`: inspect optical discs (real drives or emulated discs),
//! append sessions to them, and create emulated discs.

mod disc;
mod progress;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use multisession::burn::{DataWriter, Outcome, Recovery, WriteOptions};
use multisession::mmc::MediaInfo;
use multisession::scsi::emulator::{create_blank, wrap_image};
use multisession::session::{self, Kind};
use multisession::{hresult, Error, Profile, Result};
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
    /// Copy the files of a session into DIR.
    Extract {
        dev: PathBuf,
        dir: PathBuf,
        #[arg(long)]
        session: Option<u16>,
        #[arg(long)]
        json: bool,
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
            eprintln!(
                "multisession: {} ({:#010X}): {}",
                e.name(),
                e.code() as u32,
                e.detail()
            );
            ExitCode::FAILURE
        }
    }
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
        } => extract(&dev, &dir, session, json),
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
            println!("created blank {profile} disc {}", args.disc.display());
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
            println!(
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

fn writer(dev: &Path, options: WriteOptions) -> Result<DataWriter> {
    Ok(DataWriter::new(disc::open(dev)?, options))
}

/// The `cdrecord -msinfo` pair: start of the newest session, next writable address.
fn msinfo(
    recorder: &std::sync::Arc<multisession::recorder::Recorder>,
    info: &MediaInfo,
) -> Result<(u32, Option<u32>)> {
    let newest = disc::newest_session(recorder, info)?.unwrap_or(0);
    let appendable = info.write_model() != multisession::media::WriteModel::Sequential
        || info.next_writable.is_some();
    if !appendable {
        return Ok((newest, None));
    }
    let next = match disc::chosen(recorder, info)? {
        Some((image, _)) => image.session_start_block()?,
        None => info.next_writable.unwrap_or(0),
    };
    Ok((newest, Some(next)))
}

fn info(dev: &Path, as_json: bool) -> Result<()> {
    let recorder = disc::open(dev)?;
    let info = recorder.media_info()?;
    let (start, next) = msinfo(&recorder, &info)?;
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
        let msinfo = next.map(|n| format!("{start},{n}"));
        println!(
            "{}",
            json!({ "msinfo": msinfo, "media": media, "multisession": rows })
        );
        return Ok(());
    }
    match next {
        Some(n) => println!("{start},{n}"),
        None => println!("{start},-1 (disc is closed)"),
    }
    println!();
    if let serde_json::Value::Object(fields) = &media {
        for (key, value) in fields {
            println!("{key:<18} {}", plain(value));
        }
    }
    for row in rows {
        println!();
        println!(
            "{:<18} supported on current media: {}",
            row["kind"].as_str().unwrap_or(""),
            row["supported"]
        );
        if let serde_json::Value::Object(values) = &row["values"] {
            for (key, value) in values {
                println!("  {key:<40} {value}");
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
    let mut session = disc::build_next(writer.recorder(), paths, volume)?;
    let bar = progress::WriteBar::new(std::io::stderr().is_terminal());
    let report = writer
        .write(&mut session, &mut |p| bar.update(p))
        .inspect_err(|_| bar.abandon())?;
    let how = match report.outcome {
        Outcome::SessionClosed(finish) => format!("session closed, disc {finish:?}").to_lowercase(),
        Outcome::Committed { .. } => "committed".into(),
    };
    println!(
        "wrote {} blocks at LBA {} ({how}{})",
        report.sectors,
        report.start_lba,
        if report.verified { ", verified" } else { "" }
    );
    Ok(())
}

fn ls(dev: &Path, number: Option<u16>, as_json: bool) -> Result<()> {
    let recorder = disc::open(dev)?;
    let start = disc::session_start(&recorder, number)?;
    let tree = disc::import_tree(&recorder, start)?;
    let entries = disc::list(&tree);
    if as_json {
        let items: Vec<_> = entries
            .iter()
            .map(|e| json!({"path": e.path, "type": e.kind, "size": e.size, "target": e.target}))
            .collect();
        println!("{}", json!({ "session_start": start, "entries": items }));
        return Ok(());
    }
    println!("session at LBA {start}:");
    for e in entries {
        match (&e.target, e.kind) {
            (Some(t), _) => println!("  {:>12}  {} -> {t}", "link", e.path),
            (None, "dir") => println!("  {:>12}  {}/", "dir", e.path),
            (None, _) => println!("  {:>12}  {}", e.size, e.path),
        }
    }
    Ok(())
}

fn extract(dev: &Path, dir: &Path, number: Option<u16>, as_json: bool) -> Result<()> {
    let recorder = disc::open(dev)?;
    let start = disc::session_start(&recorder, number)?;
    let tree = disc::import_tree(&recorder, start)?;
    let count = disc::extract(&tree, recorder.as_ref(), dir)?;
    if as_json {
        println!(
            "{}",
            json!({ "session_start": start, "extracted": count, "dir": dir })
        );
    } else {
        println!(
            "extracted {count} files of the session at LBA {start} into {}",
            dir.display()
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
    println!("{outcome:?}");
    Ok(())
}

fn demo(dir: Option<PathBuf>) -> Result<()> {
    let temp;
    let root = match dir {
        Some(d) => d,
        None => {
            temp = std::env::temp_dir().join(format!("multisession-demo-{}", std::process::id()));
            temp
        }
    };
    let io = |p: &Path, e: std::io::Error| {
        Error::new(hresult::MS_E_FAIL, format!("{}: {e}", p.display()))
    };
    std::fs::create_dir_all(&root).map_err(|e| io(&root, e))?;
    let disc_path = root.join("demo-cd-r.img");
    let _ = std::fs::remove_file(&disc_path);
    let _ = std::fs::remove_file(multisession::scsi::emulator::sidecar_path(&disc_path));
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
    println!(
        "$ multisession new-disc --profile cd-r {}",
        disc_path.display()
    );
    create_blank(&disc_path, Profile::CdR, None)?;
    for (i, (folder, _)) in folders.iter().enumerate() {
        println!(
            "\n$ multisession append {} {}",
            disc_path.display(),
            root.join(folder).display()
        );
        append(
            &disc_path,
            &[root.join(folder)],
            false,
            true,
            &format!("SESSION_{}", i + 1),
        )?;
    }
    for n in 1..=2 {
        println!("\n$ multisession ls --session {n} {}", disc_path.display());
        ls(&disc_path, Some(n), false)?;
    }
    println!("\n$ multisession info {}", disc_path.display());
    info(&disc_path, false)?;
    println!("\ndemo files are in {}", root.display());
    Ok(())
}
