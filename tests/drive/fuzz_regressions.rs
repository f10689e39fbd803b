//! Replays, in the normal suite, every input the fuzz campaigns found
//! (tests/fuzz-regressions/<target>/) and every seed they start from
//! (fuzz/seeds/<target>/), through the same target bodies libFuzzer runs
//! (fuzz/src/). A campaign that finds a crash copies its input here, so
//! the suite stays red until the bug is fixed; the seeds pin that the
//! peer-made images they were cut from still import.

#[allow(dead_code)]
#[path = "../../fuzz/src/lib.rs"]
mod targets;

use crate::support::one_line_tests;
use std::fs;
use std::path::Path;

/// Each file under `<root>/<target>` through `run`; returns how many.
fn replay(target: &str, run: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in [
        root.join("tests/fuzz-regressions").join(target),
        root.join("fuzz/seeds").join(target),
    ] {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = fs::read(&path).unwrap();
            eprintln!("{target}: {}", path.display());
            run(&data);
            count += 1;
        }
    }
    count
}

#[test]
fn image_import_inputs_import_or_fail_cleanly() {
    // The seeds are checked in: losing them silently would turn this
    // test into one that cannot fail.
    assert!(replay("image_import", targets::image_import::run) >= 6);
}

/// The seeds were cut from images genisoimage, xorriso and mkudffs made:
/// each imports, as the file system IMAPI2's order prefers.
#[test]
fn peer_made_seed_images_import() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/image_import");
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let result = targets::image_import::import_preferred(&fs::read(&path).unwrap());
        let fs = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!fs.is_empty(), "{name}");
        // IMAPI2's order: UDF first wherever a session has it.
        if name.contains("udf") {
            assert_eq!(fs, multisession::fsi::FileSystems::UDF, "{name}");
        }
    }
}

one_line_tests! {
    sidecar_inputs_open_or_fail_cleanly: assert!(replay("sidecar", targets::sidecar::run) >= 5);
    mmc_reply_inputs_parse_or_fail_cleanly: replay("mmc_replies", targets::mmc_replies::run);
    emulator_command_inputs_keep_the_disc_probing: replay("emulator_commands", targets::emulator_commands::run);
    c_abi_call_inputs_never_crash: replay("c_abi_calls", targets::c_abi_calls::run);
}
