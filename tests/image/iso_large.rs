//! A sparse file over 4 GiB becomes a multi-extent file that xorriso reads
//! whole, and it keeps its sections when a later session imports it.

use std::fs;
use std::sync::Arc;

use crate::support::{peers::*, trees::*};
use multisession::fsi::tree::Kind;
use multisession::fsi::{self, BuildOptions, Content, OnClash, SessionStream, Tree};

const SIZE: u64 = (4 << 30) + 4097;
const TAIL: &[u8] = b"the last bytes of a file larger than four gibibytes";

fn xorriso_tail(img: &std::path::Path, sbsector: u32, scratch: &std::path::Path) -> Vec<u8> {
    let out = scratch.join(format!("tail-{sbsector}"));
    let offset = (SIZE - TAIL.len() as u64).to_string();
    let st = tool("xorriso")
        .args(["-osirrox", "on", "-indev"])
        .arg(img)
        .args(["-load", "sbsector", &sbsector.to_string()])
        .args([
            "-extract_cut",
            "/big/huge.bin",
            &offset,
            &TAIL.len().to_string(),
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    fs::read(out).unwrap()
}

#[test]
fn a_sparse_file_over_4_gib_is_written_as_sections_and_survives_the_next_session() {
    let Some(dir) = scratch_with_tools("large") else {
        return;
    };
    let src = dir.join("src");
    fs::create_dir_all(src.join("big")).unwrap();
    let huge = src.join("big/huge.bin");
    sparse_file(&huge, SIZE, b"HEAD", TAIL);
    fs::write(src.join("small.txt"), b"small\n").unwrap();

    let img = dir.join("disc.img");
    let mut tree = Tree::new();
    tree.add_tree(&src, "/", false, OnClash::Fail).unwrap();
    let mut s = fsi::build(
        Arc::new(tree.clone()),
        &BuildOptions {
            write_unit: 16,
            time: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    write_session(&img, &mut s);
    let end1 = s.total_blocks();

    let listed = xorriso_list(&img, Some(0));
    assert_eq!(
        listed["/big/huge.bin"],
        Entry::File {
            size: SIZE,
            hash: 0
        }
    );
    assert_eq!(xorriso_tail(&img, 0, &dir), TAIL);

    let imported = import_image(&img, 0, None).unwrap();
    let sections = |tree: &Tree| match &tree.node(tree.lookup("/big/huge.bin").unwrap()).kind {
        Kind::File(f) => match &f.content {
            Content::OnMedium(e) => (f.size, e.to_vec()),
            Content::New(_) => panic!("not imported"),
        },
        _ => panic!("not a file"),
    };
    let (size, extents) = sections(&imported.tree);
    assert_eq!(size, SIZE);
    assert_eq!(extents.len(), 2);
    assert_eq!(extents[0].len, 0xFFFF_F800);
    assert_eq!(extents[1].lba, extents[0].lba + 0xFFFF_F800 / 2048);

    // Session 2 carries the file by reference.
    let start2 = end1.div_ceil(16) * 16;
    let mut tree = imported.tree;
    let note = dir.join("note.txt");
    fs::write(&note, b"session two\n").unwrap();
    tree.add_local_file("/note.txt", &note, false).unwrap();
    let mut s = fsi::build(
        Arc::new(tree.clone()),
        &BuildOptions {
            start_block: start2,
            write_unit: 16,
            time: Some(2),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(s.total_blocks() < 100, "old data is referenced, not copied");
    write_session(&img, &mut s);
    let again = import_image(&img, start2, None).unwrap();
    assert_eq!(sections(&again.tree), (SIZE, extents));
    let listed = xorriso_list(&img, Some(start2));
    assert_eq!(
        listed["/big/huge.bin"],
        Entry::File {
            size: SIZE,
            hash: 0
        }
    );
    assert_eq!(listed["/note.txt"], Entry::File { size: 12, hash: 0 });
    assert_eq!(xorriso_tail(&img, start2, &dir), TAIL);
    // The image stays sparse: the 4 GiB of zeros were never written.
    let kib = allocated_kib(&img);
    assert!(kib < 10_000, "image uses {kib} KiB");
}
