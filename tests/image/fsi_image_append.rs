//! The IFileSystemImage flow on emulated discs, end to end: a first session
//! on blank media, then put list → import → edit → create result → write,
//! and a fresh image importing the new session sees every old and new file.

use crate::support::fails_with;
use crate::support::one_line_tests;
use std::fs;
use std::sync::Arc;

use crate::support::discs::*;
use crate::support::trees::{model_of_medium, pattern, random_write_layout, Entry};
use multisession::fsi::{self, FileSystemImage, FileSystems, OnClash, SessionStream};
use multisession::hresult::*;
use multisession::media::{Profile, WriteModel};
use multisession::recorder::Recorder;
use multisession::session::{self, Kind};

fn overwritable(profile: Profile) -> bool {
    profile.write_model() == WriteModel::RandomWrite
}

/// Session 1 on a blank disc the way applications do it: sequential media
/// refuse the list (nothing to import), so the image takes its defaults
/// from the recorder; overwritable media accept it and have nothing to import.
fn first_session(recorder: &Arc<Recorder>, local: &std::path::Path) -> FileSystemImage {
    let list = session::offer(recorder).unwrap();
    let mut image = FileSystemImage::new();
    if overwritable(recorder.media_info().unwrap().profile) {
        image.set_multisession_interfaces(list).unwrap();
        assert_eq!(
            image.identify_file_systems_on_disc(None).unwrap(),
            FileSystems::NONE
        );
        fails_with(image.import_file_system(None), MS_IMAPI_E_EMPTY_DISC);
        assert_eq!(image.imported_volume_name(), None);
    } else {
        fails_with(
            image.set_multisession_interfaces(list),
            MS_IMAPI_E_IMPORT_SEEK_FAILURE,
        );
        image.choose_image_defaults(recorder).unwrap();
        assert_eq!(
            image.free_media_blocks().unwrap(),
            recorder.media_info().unwrap().free_blocks
        );
        // The defaults add UDF (tests/image/udf_build.rs); these sessions are
        // about ISO 9660 and Joliet.
        image
            .set_file_systems(FileSystems::ISO9660 | FileSystems::JOLIET)
            .unwrap();
    }
    image.set_volume_name("Session 1").unwrap();
    image.set_fixed_time(Some(1_700_000_000));
    image.add_tree(local, "/", false, OnClash::Fail).unwrap();
    image
        .add_stream(
            "/streamed.bin",
            5000,
            Box::new(std::io::Cursor::new(pattern(5000, 1))),
            false,
        )
        .unwrap();
    image
}

fn append_flow(profile: Profile) {
    let dir = tempfile::tempdir().unwrap();
    let recorder = blank_disc(dir.path(), profile, None);
    let local = dir.path().join("src");
    fs::create_dir_all(local.join("docs/deep")).unwrap();
    fs::write(local.join("docs/readme.txt"), b"first session\n").unwrap();
    fs::write(local.join("docs/deep/data.bin"), pattern(70_000, 2)).unwrap();
    fs::write(local.join("replace me.txt"), b"old").unwrap();
    fs::write(local.join("remove me.txt"), b"gone later").unwrap();
    fs::write(local.join("empty"), b"").unwrap();

    // Session 1.
    let image = first_session(&recorder, &local);
    let mut result = image.create_result_image().unwrap();
    assert_eq!(result.start_block(), 0);
    assert!(
        result.anchor().is_none(),
        "{profile}: a session at 0 needs no anchor"
    );
    let s1_blocks = result.total_blocks();
    write_result(&recorder, &mut result);
    drop(result);

    // Session 2: put, identify, import, edit, create.
    let list = session::offer(&recorder).unwrap();
    let mut image = FileSystemImage::new();
    // Common applications set the file systems and the name before importing.
    image
        .set_file_systems(FileSystems::ISO9660 | FileSystems::JOLIET)
        .unwrap();
    image.set_volume_name("Session 2").unwrap();
    // An item added before the import wins the clash with the imported one.
    image
        .add_stream("/replace me.txt", 3, Box::new(&b"new"[..]), false)
        .unwrap();
    image.set_multisession_interfaces(list).unwrap();
    let chosen = image.chosen_multisession().unwrap().clone();
    let found = image.identify_file_systems_on_disc(None).unwrap();
    assert_eq!(
        found,
        FileSystems::ISO9660 | FileSystems::JOLIET,
        "{profile}"
    );
    assert_eq!(
        FileSystemImage::default_file_system_for_import(found).unwrap(),
        FileSystems::JOLIET
    );
    let before = image.session_start_block().unwrap();
    assert_eq!(image.import_file_system(None).unwrap(), FileSystems::JOLIET);
    assert_eq!(image.imported_volume_name(), Some("Session 1"));
    assert_eq!(
        image.volume_name(),
        "Session 2",
        "import does not copy the name"
    );
    let start2 = image.session_start_block().unwrap();
    let media = recorder.media_info().unwrap();
    match chosen.kind() {
        Kind::Sequential => {
            let v = chosen.sequential().unwrap();
            assert_eq!(v.start_address_of_previous_session, 0);
            assert_eq!(start2 as i32, v.next_writable_address, "{profile}");
            assert_eq!(
                image.free_media_blocks().unwrap() as i32,
                v.free_sectors_on_media
            );
            assert_eq!(before, start2);
        }
        Kind::RandomWrite => {
            let align = profile.overwrite_session_align();
            assert_eq!(start2, s1_blocks.div_ceil(align) * align, "{profile}");
            assert_eq!(
                image.free_media_blocks().unwrap(),
                media.total_sectors - start2
            );
        }
        Kind::PseudoOverwrite => unreachable!("not offered first on these media"),
    }
    fs::write(
        dir.path().join("new.txt"),
        b"added from a path in session 2\n",
    )
    .unwrap();
    image
        .add_file("/docs/new.txt", &dir.path().join("new.txt"), false)
        .unwrap();
    let add_stream = |image: &mut FileSystemImage| {
        image.add_stream(
            "/more/stream.bin",
            9000,
            Box::new(std::io::Cursor::new(pattern(9000, 3))),
            false,
        )
    };
    add_stream(&mut image).unwrap_err(); // no /more yet
    image.mkdir("/more", false).unwrap();
    add_stream(&mut image).unwrap();
    assert_eq!(
        image
            .add_stream("/docs/readme.txt", 1, Box::new(&b"x"[..]), false)
            .unwrap_err()
            .code(),
        MS_IMAPI_E_DUP_NAME,
        "an imported name is taken"
    );
    image.remove("/remove me.txt", false).unwrap();
    image.rename("/docs/deep", "/docs/deeper").unwrap();
    let mut result = image.create_result_image().unwrap();
    assert_eq!(result.start_block(), start2);
    assert_eq!(
        result.anchor().is_some(),
        overwritable(profile),
        "{profile}"
    );
    assert!(
        u64::from(result.total_blocks()) < 100,
        "old data is not copied"
    );
    write_result(&recorder, &mut result);
    drop(result);

    // A fresh image sees session 2 with every old and new file.
    let image = import_fresh(&recorder);
    assert_eq!(image.imported_volume_name(), Some("Session 2"));
    let got = model_of_medium(image.tree(), &*recorder);
    let mut expected = std::collections::BTreeMap::new();
    for (path, entry) in [
        ("/docs", Entry::Dir),
        ("/docs/readme.txt", Entry::file(b"first session\n")),
        ("/docs/deeper", Entry::Dir),
        ("/docs/deeper/data.bin", Entry::file(&pattern(70_000, 2))),
        (
            "/docs/new.txt",
            Entry::file(b"added from a path in session 2\n"),
        ),
        ("/empty", Entry::file(&[])),
        ("/more", Entry::Dir),
        ("/more/stream.bin", Entry::file(&pattern(9000, 3))),
        ("/replace me.txt", Entry::file(b"new")),
        ("/streamed.bin", Entry::file(&pattern(5000, 1))),
    ] {
        expected.insert(path.to_string(), entry);
    }
    assert_eq!(got, expected, "{profile}");

    // Session 1 is still whole where it was written (on overwritable media
    // its descriptors at 16 now lead to session 2, as with growisofs).
    if !overwritable(profile) {
        let old = fsi::import(&*recorder, 0, None, Default::default()).unwrap();
        assert_eq!(old.volume_name, "Session 1");
        let old = model_of_medium(&old.tree, &*recorder);
        assert_eq!(old["/replace me.txt"], Entry::file(b"old"));
        assert_eq!(old["/remove me.txt"], Entry::file(b"gone later"));
    } else {
        let path = dir.path().join(format!("{}.img", profile.name()));
        let layout = random_write_layout(&path, media.write_unit);
        assert_eq!(layout.newest, Some(start2));
    }
}

one_line_tests! {
    cd_r_first_session_then_an_append_keeps_every_file: append_flow(Profile::CdR);
    dvd_plus_r_first_session_then_an_append_keeps_every_file: append_flow(Profile::DvdPlusR);
    bd_r_first_session_then_an_append_keeps_every_file: append_flow(Profile::BdR);
    dvd_plus_rw_first_session_then_a_growisofs_style_append_keeps_every_file: append_flow(Profile::DvdPlusRw);
    bd_re_first_session_then_a_growisofs_style_append_keeps_every_file: append_flow(Profile::BdRe);
}

/// Another program's aborted write left a newest session with no volume:
/// IMAPI's import refuses it by name instead of letting the next session
/// drop every older file, and the older session can be imported instead.
#[test]
fn a_newest_session_without_a_file_system_is_refused_and_the_older_one_can_be_imported() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = blank_disc(dir.path(), Profile::CdR, None);
    let local = dir.path().join("src");
    fs::create_dir_all(&local).unwrap();
    fs::write(local.join("kept.txt"), b"from session 1\n").unwrap();
    let mut first = first_session(&recorder, &local)
        .create_result_image()
        .unwrap();
    write_result(&recorder, &mut first);
    let session_1 = model_of_medium(import_fresh(&recorder).tree(), &*recorder);
    write_empty_session(&recorder, 300);
    let empty_start = recorder
        .media_info()
        .unwrap()
        .previous_session
        .unwrap()
        .start;
    assert!(empty_start > 0);

    let mut image = FileSystemImage::new();
    image
        .set_multisession_interfaces(session::offer(&recorder).unwrap())
        .unwrap();
    let e = fails_with(
        image.import_file_system(None),
        MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
    );
    assert!(
        e.detail().contains(&format!("at LBA {empty_start}"))
            && e.detail().contains("session 1 at LBA 0"),
        "{e}"
    );
    assert!(image.tree().is_empty(), "a refused import adds nothing");
    let older = image.newest_session_with_file_system().unwrap().unwrap();
    assert_eq!((older.number, older.start), (1, 0));
    assert_eq!(
        older.file_systems,
        FileSystems::ISO9660 | FileSystems::JOLIET
    );
    fails_with(
        image.import_session(empty_start + 1, None),
        MS_IMAPI_E_INVALID_PARAM,
    );

    assert_eq!(image.import_session(0, None).unwrap(), FileSystems::JOLIET);
    assert_eq!(image.imported_session_start(), Some(0));
    let next = recorder.media_info().unwrap().next_writable.unwrap();
    assert_eq!(image.session_start_block().unwrap(), next);
    image
        .add_stream("/new.txt", 4, Box::new(&b"new\n"[..]), false)
        .unwrap();
    let mut result = image.create_result_image().unwrap();
    write_result(&recorder, &mut result);

    let session_3 = model_of_medium(import_fresh(&recorder).tree(), &*recorder);
    for (path, entry) in &session_1 {
        assert_eq!(session_3.get(path), Some(entry), "{path} of session 1");
    }
    assert_eq!(session_3.get("/new.txt"), Some(&Entry::file(b"new\n")));
}

#[test]
fn overwritable_media_have_no_older_session_to_import() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = blank_disc(dir.path(), Profile::DvdPlusRw, None);
    let mut image = FileSystemImage::new();
    image
        .set_multisession_interfaces(session::offer(&recorder).unwrap())
        .unwrap();
    assert_eq!(image.newest_session_with_file_system().unwrap(), None);
    fails_with(image.import_session(0, None), MS_IMAPI_E_INVALID_PARAM);
}
