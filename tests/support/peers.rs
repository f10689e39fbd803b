//! Other programs' views and images: xorriso, isoinfo, genisoimage,
//! pycdlib, mkudffs and udfinfo run on image files, each view turned into
//! the content model of [`super::trees`] so it compares with ours.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub use super::tools::Scratch;
use super::tools::{installed, scratch_with};
use super::trees::*;
use multisession::fsi::BLOCK_SIZE;

/// An external tool, killed if it hangs (a test must fail, not stall).
pub fn tool(name: &str) -> Command {
    let mut c = Command::new("timeout");
    c.arg("300").arg(name);
    c
}

/// Runs a tool, failing with its stderr unless it exits 0; its stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The peer readers every peer test runs.
const PEER_TOOLS: [&str; 3] = ["xorriso", "isoinfo", "genisoimage"];

/// A fresh scratch directory for a test that needs the peer tools, or
/// `None` (the test returns) where [`tools_present`] says to skip.
pub fn scratch_with_tools(name: &str) -> Option<Scratch> {
    scratch_with(name, &PEER_TOOLS)
}

/// As [`scratch_with_tools`], with [`make_source_tree`] made in its
/// `src`.
pub fn source_tree_with_tools(name: &str) -> Option<(Scratch, PathBuf)> {
    let dir = scratch_with_tools(name)?;
    let src = dir.join("src");
    make_source_tree(&src);
    Some((dir, src))
}

/// Whether xorriso, isoinfo and genisoimage are installed (see
/// [`installed`]).
pub fn tools_present() -> bool {
    installed(&PEER_TOOLS)
}

/// As [`tools_present`], for the ACL and xattr tools too (packages `acl`
/// and `attr`).
pub fn acl_tools_present() -> bool {
    installed(&[
        "xorriso", "isoinfo", "setfacl", "getfacl", "setfattr", "getfattr",
    ])
}

fn xorriso_load(sbsector: Option<u32>) -> Vec<String> {
    match sbsector {
        Some(s) => vec!["-load".into(), "sbsector".into(), s.to_string()],
        None => vec![],
    }
}

/// xorriso's listing (`-find / -exec lsdl`): kinds, sizes, link targets
/// (file hashes 0).
pub fn xorriso_list(img: &Path, sbsector: Option<u32>) -> Model {
    let listed = run(tool("xorriso")
        .args(["-abort_on", "FAILURE", "-indev"])
        .arg(img)
        .args(xorriso_load(sbsector))
        .args(["-find", "/", "-exec", "lsdl"]));
    let mut m = Model::new();
    for line in listed.lines() {
        let Some((head, rest)) = line.split_once(" '") else {
            continue;
        };
        let fields: Vec<&str> = head.split_whitespace().collect();
        let (path, target) = match rest.split_once("' -> '") {
            Some((p, t)) => (p.to_owned(), Some(t.trim_end_matches('\'').to_owned())),
            None => (rest.trim_end_matches('\'').to_owned(), None),
        };
        if path == "/" {
            continue;
        }
        let e = match fields[0].chars().next() {
            Some('d') => Entry::Dir,
            Some('l') => Entry::Link(target.unwrap()),
            _ => Entry::File {
                size: fields[4].parse().unwrap(),
                hash: 0,
            },
        };
        m.insert(path, e);
    }
    m
}

/// xorriso's view: the listing, and `-extract` of the whole tree whose copy
/// is hashed (the two must agree).
pub fn model_by_xorriso(img: &Path, sbsector: Option<u32>, scratch: &Path) -> Model {
    let listed = xorriso_list(img, sbsector);
    let out = scratch.join(format!(
        "xorriso-{}",
        sbsector.map_or("auto".into(), |s| s.to_string())
    ));
    let _ = fs::remove_dir_all(&out);
    run(tool("xorriso")
        .args(["-abort_on", "FAILURE", "-osirrox", "on", "-indev"])
        .arg(img)
        .args(xorriso_load(sbsector))
        .args(["-extract", "/"])
        .arg(&out));
    let m = model_of_dir(&out);
    let _ = fs::remove_dir_all(&out);
    assert_same("xorriso -find vs -extract", &listed, &sizes_only(&m));
    m
}

/// isoinfo's view of the session at `start` (`None`: the descriptors at 16):
/// the Rock Ridge listing for kinds, sizes and link targets, `-x` for content.
pub fn model_by_isoinfo(img: &Path, start: Option<u32>, hash_limit: u64) -> Model {
    isoinfo_model(IsoinfoTree::RockRidge, img, start, hash_limit)
}

/// isoinfo's view of the Joliet tree of the session at `start` (`None`: the
/// descriptors at 16). isoinfo prints Joliet names in ISO 8859-1 with `_`
/// for every character outside it (it knows no UTF-8), and Joliet has no
/// symlinks: compare with a model mapped the same way.
pub fn model_by_isoinfo_joliet(img: &Path, start: Option<u32>, hash_limit: u64) -> Model {
    isoinfo_model(IsoinfoTree::Joliet, img, start, hash_limit)
}

/// A name as isoinfo shows it in a Joliet listing.
pub fn isoinfo_joliet_name(name: &str) -> String {
    name.chars()
        .map(|c| if u32::from(c) <= 0xFF { c } else { '_' })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum IsoinfoTree {
    RockRidge,
    Joliet,
}

fn isoinfo_model(tree: IsoinfoTree, img: &Path, start: Option<u32>, hash_limit: u64) -> Model {
    use std::os::unix::ffi::OsStrExt;
    let joliet = tree == IsoinfoTree::Joliet;
    let mut base: Vec<std::ffi::OsString> = vec![
        if joliet { "-J" } else { "-R" }.into(),
        "-i".into(),
        img.into(),
    ];
    if let Some(s) = start {
        base.push("-T".into());
        base.push(s.to_string().into());
    }
    let out = tool("isoinfo").args(&base).arg("-l").output().unwrap();
    assert!(out.status.success(), "isoinfo -l: {}", out.status);
    let listing: String = if joliet {
        out.stdout.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8(out.stdout).unwrap()
    };
    let mut m = Model::new();
    // Path in the model → the path `-x` takes (Joliet names keep `;1`).
    let mut raw = BTreeMap::new();
    let mut dir = String::new();
    for line in listing.lines() {
        if let Some(d) = line.strip_prefix("Directory listing of ") {
            dir = d.trim_end_matches('/').to_owned();
            continue;
        }
        let Some((head, name)) = line.split_once("]  ") else {
            continue;
        };
        let fields: Vec<&str> = head.split_whitespace().collect();
        let kind = fields[0].chars().next().unwrap();
        let size: u64 = fields[4].parse().unwrap();
        let listed = name.strip_suffix(' ').unwrap_or(name);
        let (name, entry) = match kind {
            'l' => {
                let (n, t) = name.split_once(" -> ").unwrap();
                (n.to_owned(), Entry::Link(t.to_owned()))
            }
            'd' => (listed.to_owned(), Entry::Dir),
            _ if joliet => (
                listed.strip_suffix(";1").unwrap_or(listed).to_owned(),
                Entry::File { size, hash: 0 },
            ),
            _ => (listed.to_owned(), Entry::File { size, hash: 0 }),
        };
        if name == "." || name == ".." {
            continue;
        }
        raw.insert(format!("{dir}/{name}"), format!("{dir}/{listed}"));
        m.insert(format!("{dir}/{name}"), entry);
    }
    for (path, e) in m.iter_mut() {
        if let Entry::File { size, hash } = e {
            if *size <= hash_limit {
                let asked = &raw[path];
                let asked: std::ffi::OsString = if joliet {
                    let bytes: Vec<u8> = asked.chars().map(|c| c as u8).collect();
                    std::ffi::OsStr::from_bytes(&bytes).to_owned()
                } else {
                    asked.into()
                };
                let out = tool("isoinfo")
                    .args(&base)
                    .arg("-x")
                    .arg(asked)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "isoinfo -x {path}");
                assert_eq!(out.stdout.len() as u64, *size, "isoinfo -x {path} size");
                *hash = hash_bytes(&out.stdout);
            }
        }
    }
    m
}

/// The Python that has pycdlib (Debian's python3-pycdlib), if any. Like
/// the other readers, its absence fails in CI.
pub fn pycdlib_python() -> Option<&'static str> {
    let found = ["/usr/bin/python3", "python3"].into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import pycdlib"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    });
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "pycdlib missing in CI");
        eprintln!("skipped: pycdlib not installed");
    }
    found
}

const PYCDLIB_WALK: &str = r#"
import io, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
for top, dirs, files in iso.walk(rr_path='/'):
    for d in dirs:
        print('D', top.rstrip('/') + '/' + d, sep='\t')
    for f in files:
        p = top.rstrip('/') + '/' + f
        rec = iso.get_record(rr_path=p)
        if rec.rock_ridge is not None and rec.rock_ridge.is_symlink():
            print('L', p, rec.rock_ridge.symlink_path().decode('utf-8'), sep='\t')
        else:
            out = io.BytesIO()
            iso.get_file_from_iso_fp(out, rr_path=p)
            print('F', p, out.getvalue().hex(), sep='\t')
iso.close()
"#;

/// pycdlib's view (a strict parser; it reads the descriptors at LBA 16).
pub fn model_by_pycdlib(python: &str, img: &Path) -> Model {
    let out = run(tool(python).args(["-c", PYCDLIB_WALK]).arg(img));
    let mut m = Model::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let e = match f[0] {
            "D" => Entry::Dir,
            "L" => Entry::Link(f[2].to_owned()),
            _ => {
                let bytes: Vec<u8> = (0..f[2].len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&f[2][i..i + 2], 16).unwrap())
                    .collect();
                Entry::File {
                    size: bytes.len() as u64,
                    hash: hash_bytes(&bytes),
                }
            }
        };
        m.insert(f[1].to_owned(), e);
    }
    m
}

/// Copies the contents of `from` into `to` (links as links).
pub fn copy_into(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    run(Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to));
}

/// Copies a single-session image file into the disc image `img` at `lba`;
/// returns the session's length in blocks.
pub fn place(img: &Path, session: &Path, lba: u32) -> u32 {
    let data = std::fs::read(session).unwrap();
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(img)
        .unwrap();
    std::os::unix::fs::FileExt::write_all_at(&f, &data, u64::from(lba) * 2048).unwrap();
    (data.len() / 2048) as u32
}

/// `genisoimage -R -J -joliet-long` of `src` into `out`, with `extra`
/// options (`-C a,b -M prev` for a later session).
pub fn genisoimage(extra: &[&str], out: &Path, src: &Path) {
    run(tool("genisoimage")
        .args([
            "-quiet",
            "-R",
            "-J",
            "-joliet-long",
            "-input-charset",
            "utf-8",
        ])
        .args(extra)
        .arg("-o")
        .arg(out)
        .arg(src));
}

/// One `xorriso -dev IMG … -commit` run (xorriso's random-write style,
/// sessions from LBA 32 with a 64 KiB header).
pub fn xorriso_commit(img: &Path, args: &[&str]) {
    run(tool("xorriso")
        .args(["-return_with", "FAILURE", "32", "-dev"])
        .arg(img)
        .args(["-joliet", "on"])
        .args(args)
        .arg("-commit"));
}

/// Two xorriso sessions in `img`: the source tree of [`make_source_tree`],
/// then `/added/by xorriso.txt` with `/empty` removed. Returns the local
/// mirror (under `dir`) of the newest session's tree.
pub fn xorriso_two_sessions(img: &Path, dir: &Path) -> PathBuf {
    let (m1, m2, mirror) = (dir.join("m1"), dir.join("m2"), dir.join("mirror"));
    make_source_tree(&m1);
    std::fs::create_dir_all(&m2).unwrap();
    std::fs::write(m2.join("by xorriso.txt"), b"second session\n").unwrap();
    xorriso_commit(img, &["-map", m1.to_str().unwrap(), "/"]);
    xorriso_commit(
        img,
        &["-map", m2.to_str().unwrap(), "/added", "-rm", "/empty"],
    );
    copy_into(&m1, &mirror);
    copy_into(&m2, &mirror.join("added"));
    std::fs::remove_file(mirror.join("empty")).unwrap();
    mirror
}

/// `genisoimage -udf -R -J` of `src` (a UDF 1.02 bridge).
pub fn genisoimage_udf(out: &Path, src: &Path) {
    genisoimage(&["-udf"], out, src);
}

/// A pycdlib UDF bridge of `src` (pycdlib's "2.60" writes UDF 1.02
/// structures) with Rock Ridge and Joliet.
pub fn pycdlib_udf(python: &str, out: &Path, src: &Path) {
    const SCRIPT: &str = r#"
import os, sys, pycdlib
src, out = sys.argv[1], sys.argv[2]
iso = pycdlib.PyCdlib()
iso.new(interchange_level=4, rock_ridge='1.09', joliet=3, udf='2.60')
n = [0]
def iso_name(is_dir):
    n[0] += 1
    return ('D%06d' % n[0]) if is_dir else ('F%06d.;1' % n[0])
def walk(local, iso_dir, udf_dir):
    for name in sorted(os.listdir(local)):
        p = os.path.join(local, name)
        ip = iso_dir.rstrip('/') + '/' + iso_name(os.path.isdir(p) and not os.path.islink(p))
        up = udf_dir.rstrip('/') + '/' + name
        jp = up
        if os.path.islink(p):
            iso.add_symlink(ip, rr_symlink_name=name, rr_path=os.readlink(p), udf_symlink_path=up, udf_target=os.readlink(p))
        elif os.path.isdir(p):
            iso.add_directory(ip, rr_name=name, udf_path=up)
            walk(p, ip, up)
        else:
            iso.add_file(p, ip, rr_name=name, udf_path=up)
walk(src, '/', '/')
iso.write(out)
iso.close()
"#;
    run(tool(python).args(["-c", SCRIPT]).arg(src).arg(out));
}

/// `mkudffs` of an empty volume on a `blocks`-block image file.
pub fn mkudffs(img: &Path, blocks: u64, args: &[&str]) {
    let f = fs::File::create(img).unwrap();
    f.set_len(blocks * BLOCK_SIZE as u64).unwrap();
    drop(f);
    run(tool("mkudffs")
        .args(["-b", "2048", "--label=EmptyUDF"])
        .args(args)
        .arg(img));
}

/// [`mkudffs`] of an empty volume for `--media-type=media`, revision
/// `rev` ("0x0201"), with an `extra` option; on a disc type the image
/// ends after its last recorded block, where readers look for a VAT.
pub fn mkudffs_media(img: &Path, blocks: u64, media: &str, rev: &str, extra: Option<&str>) {
    let mut args = vec![format!("--media-type={media}"), format!("-r{rev}")];
    args.extend(extra.map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    mkudffs(img, blocks, &args);
    if media != "hd" {
        super::udf::trim_to_recorded(img);
    }
}

/// `udfinfo`'s key=value report of the volume at `start`.
pub fn udfinfo(img: &Path, start: u32) -> std::collections::BTreeMap<String, String> {
    let out = run(tool("udfinfo")
        .arg(format!("--startblock={start}"))
        .arg(img));
    out.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A two-session disc in `dir`: ISO 9660 by genisoimage at 0 (holding
/// `/first.txt`), then an empty UDF volume labelled `label` by
/// `mkudffs --startblock` (UDF 2.01 with a VAT, as on a CD-R); the image
/// and the second session's start.
pub fn iso_then_udf_disc(dir: &Path, label: &str) -> (PathBuf, u32) {
    let src = dir.join("first");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("first.txt"), b"first session\n").unwrap();
    let first = dir.join("s1.iso");
    genisoimage(&[], &first, &src);
    let img = dir.join("disc.img");
    let second = place(&img, &first, 0).div_ceil(16) * 16 + 16;
    fs::OpenOptions::new()
        .write(true)
        .open(&img)
        .unwrap()
        .set_len(u64::from(second + 4096) * BLOCK_SIZE as u64)
        .unwrap();
    run(tool("mkudffs")
        .args(["-b", "2048", "--media-type=cdr", "--bootarea=preserve"])
        .arg(format!("--label={label}"))
        .arg(format!("--startblock={second}"))
        .arg(&img));
    super::udf::trim_to_recorded(&img);
    (img, second)
}
