//! SG_IO: the `sg_io_hdr` layout the kernel expects, and clear errors for
//! paths that are not SG-capable optical drives.
#![cfg(target_os = "linux")]

use crate::support::fails_naming;
use multisession::hresult::MS_E_WIN32_DEV_NOT_EXIST;
use multisession::internals::sg::SgDevice;

#[cfg(target_arch = "x86_64")]
#[test]
fn sg_io_hdr_matches_the_kernel_layout_on_x86_64() {
    use multisession::internals::sg::SgIoHdr;
    use std::mem::{offset_of, size_of};
    assert_eq!(size_of::<SgIoHdr>(), 88);
    let offsets = [
        ("interface_id", offset_of!(SgIoHdr, interface_id), 0),
        ("dxfer_direction", offset_of!(SgIoHdr, dxfer_direction), 4),
        ("cmd_len", offset_of!(SgIoHdr, cmd_len), 8),
        ("mx_sb_len", offset_of!(SgIoHdr, mx_sb_len), 9),
        ("iovec_count", offset_of!(SgIoHdr, iovec_count), 10),
        ("dxfer_len", offset_of!(SgIoHdr, dxfer_len), 12),
        ("dxferp", offset_of!(SgIoHdr, dxferp), 16),
        ("cmdp", offset_of!(SgIoHdr, cmdp), 24),
        ("sbp", offset_of!(SgIoHdr, sbp), 32),
        ("timeout", offset_of!(SgIoHdr, timeout), 40),
        ("flags", offset_of!(SgIoHdr, flags), 44),
        ("pack_id", offset_of!(SgIoHdr, pack_id), 48),
        ("usr_ptr", offset_of!(SgIoHdr, usr_ptr), 56),
        ("status", offset_of!(SgIoHdr, status), 64),
        ("masked_status", offset_of!(SgIoHdr, masked_status), 65),
        ("msg_status", offset_of!(SgIoHdr, msg_status), 66),
        ("sb_len_wr", offset_of!(SgIoHdr, sb_len_wr), 67),
        ("host_status", offset_of!(SgIoHdr, host_status), 68),
        ("driver_status", offset_of!(SgIoHdr, driver_status), 70),
        ("resid", offset_of!(SgIoHdr, resid), 72),
        ("duration", offset_of!(SgIoHdr, duration), 76),
        ("info", offset_of!(SgIoHdr, info), 80),
    ];
    for (field, actual, expected) in offsets {
        assert_eq!(actual, expected, "offset of {field}");
    }
}

#[test]
fn opening_a_regular_file_says_it_is_not_a_drive() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let e = fails_naming(
        SgDevice::open(file.path()),
        MS_E_WIN32_DEV_NOT_EXIST,
        "a regular file",
    );
    assert!(
        e.detail().contains("not an SG-capable optical drive"),
        "{}",
        e.detail()
    );
}

#[test]
fn opening_dev_null_says_it_does_not_take_sg_io() {
    fails_naming(
        SgDevice::open(std::path::Path::new("/dev/null")),
        MS_E_WIN32_DEV_NOT_EXIST,
        "does not take SG_IO",
    );
}

#[test]
fn opening_a_missing_path_names_it() {
    fails_naming(
        SgDevice::open(std::path::Path::new("/dev/does-not-exist-sr9")),
        MS_E_WIN32_DEV_NOT_EXIST,
        "/dev/does-not-exist-sr9",
    );
}

#[test]
fn opening_a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fails_naming(
        SgDevice::open(dir.path()),
        MS_E_WIN32_DEV_NOT_EXIST,
        "a directory",
    );
}
