//! Random sequences of C ABI calls, as a buggy caller makes them: handles
//! that are stale, of the wrong kind or invented, NULL outputs, odd buffer
//! sizes, paths that are not UTF-8. Every call returns a status; none may
//! crash, hang or leave the library unusable for the next caller.

use std::ffi::CString;
use std::ptr;
use std::sync::OnceLock;

use multisession::internals::ffi::*;
use multisession::media::Profile;
use multisession::scsi::emulator::DiscSpec;

/// Two discs the calls may open: one with a recorded session, one blank.
/// No call in this target writes, erases or formats, so they stay as made.
fn discs() -> &'static [CString; 2] {
    static DISCS: OnceLock<[CString; 2]> = OnceLock::new();
    DISCS.get_or_init(|| {
        let dir = super::scratch_dir("abi");
        let recorded = dir.join("recorded.img");
        DiscSpec::new(Profile::CdR)
            .sessions(&[608])
            .create(&recorded)
            .expect("recorded disc");
        let blank = dir.join("blank.img");
        DiscSpec::new(Profile::BdRe)
            .capacity(40_000)
            .create(&blank)
            .expect("blank disc");
        [recorded, blank].map(|p| CString::new(p.into_os_string().into_encoded_bytes()).unwrap())
    })
}

/// The input, consumed byte by byte; zeros once it runs out.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }
    /// A path of up to 40 bytes (NUL ends it early), or None for NULL.
    fn path(&mut self) -> Option<CString> {
        let len = usize::from(self.byte() % 41);
        if len == 40 {
            return None;
        }
        let bytes: Vec<u8> = (0..len)
            .map(|_| self.byte())
            .take_while(|&b| b != 0)
            .collect();
        Some(CString::new(bytes).unwrap())
    }
}

/// Handles seen so far of one kind; picks a live one, a released one or a
/// made-up id.
struct Pool(Vec<u64>);

impl Pool {
    fn pick(&self, input: &mut Input) -> u64 {
        let b = input.byte();
        match (b % 8, self.0.is_empty()) {
            (0, _) => u64::from(input.u32()),
            (1, _) => 0,
            (_, true) => u64::from(b),
            (_, false) => self.0[usize::from(b) % self.0.len()],
        }
    }
}

/// A failed call leaves its message for `ms_last_error_message`: a
/// caller that gets a failure code can always say why.
fn checked(status: i32) {
    if status < 0 {
        let mut needed = 0usize;
        // SAFETY: a NULL buffer of length 0 asks only for the size.
        let _ = unsafe { ms_last_error_message(ptr::null_mut(), 0, &mut needed) };
        assert!(needed > 1, "status {status:#x} without a message");
    }
}

fn c(path: &Option<CString>) -> *const std::ffi::c_char {
    path.as_ref().map_or(ptr::null(), |p| p.as_ptr())
}

/// One input: see the module documentation for what must hold.
pub fn run(data: &[u8]) {
    let discs = discs();
    let mut input = Input(data);
    let (mut images, mut recorders, mut lists, mut objects, mut results) = (
        Pool(vec![]),
        Pool(vec![]),
        Pool(vec![]),
        Pool(vec![]),
        Pool(vec![]),
    );
    for _ in 0..48 {
        if input.0.is_empty() {
            break;
        }
        let op = input.byte();
        // SAFETY: every pointer handed over is NULL or points at a live
        // local of the type the function expects; handles are plain ids.
        unsafe {
            match op % 24 {
                0 => {
                    let mut image = MsImage { id: 0 };
                    if ms_image_new(&mut image) >= 0 {
                        images.0.push(image.id);
                    }
                }
                1 => checked(ms_image_release(MsImage {
                    id: images.pick(&mut input),
                })),
                2 => {
                    let disc = &discs[usize::from(input.byte() % 2)];
                    let mut rec = MsRecorder { id: 0 };
                    if ms_recorder_open(disc.as_ptr(), &mut rec) >= 0 {
                        recorders.0.push(rec.id);
                    }
                }
                3 => checked(ms_recorder_release(MsRecorder {
                    id: recorders.pick(&mut input),
                })),
                4 => {
                    let mut list = MsList { id: 0 };
                    let rec = MsRecorder {
                        id: recorders.pick(&mut input),
                    };
                    if ms_recorder_multisession_interfaces(rec, &mut list) >= 0 {
                        lists.0.push(list.id);
                    }
                }
                5 => {
                    let mut ms = MsMultisession { id: 0 };
                    let list = MsList {
                        id: lists.pick(&mut input),
                    };
                    if ms_list_get(list, usize::from(input.byte() % 4), &mut ms) >= 0 {
                        objects.0.push(ms.id);
                    }
                }
                6 => checked(ms_list_release(MsList {
                    id: lists.pick(&mut input),
                })),
                7 => {
                    let count = usize::from(input.byte() % 4);
                    let array: Vec<MsMultisession> = (0..count)
                        .map(|_| MsMultisession {
                            id: objects.pick(&mut input),
                        })
                        .collect();
                    let image = MsImage {
                        id: images.pick(&mut input),
                    };
                    let at = if input.byte() % 5 == 0 {
                        ptr::null()
                    } else {
                        array.as_ptr()
                    };
                    checked(ms_set_interfaces(image, at, count));
                }
                8 => {
                    let mut imported = 0u32;
                    let image = MsImage {
                        id: images.pick(&mut input),
                    };
                    checked(ms_image_import(image, input.u32() % 16, &mut imported));
                }
                9 => {
                    let path = input.path();
                    checked(ms_image_mkdir(
                        MsImage {
                            id: images.pick(&mut input),
                        },
                        c(&path),
                        input.byte() % 2 == 0,
                    ));
                }
                10 => {
                    let path = input.path();
                    checked(ms_image_remove(
                        MsImage {
                            id: images.pick(&mut input),
                        },
                        c(&path),
                        input.byte() % 2 == 0,
                    ));
                }
                11 => {
                    let (from, to) = (input.path(), input.path());
                    checked(ms_image_rename(
                        MsImage {
                            id: images.pick(&mut input),
                        },
                        c(&from),
                        c(&to),
                    ));
                }
                12 => {
                    let path = input.path();
                    let mut info = std::mem::zeroed::<MsItemInfo>();
                    checked(ms_image_stat(
                        MsImage {
                            id: images.pick(&mut input),
                        },
                        c(&path),
                        &mut info,
                    ));
                }
                13 => {
                    let mut result = MsResult { id: 0 };
                    if ms_image_create_result(
                        MsImage {
                            id: images.pick(&mut input),
                        },
                        &mut result,
                    ) >= 0
                    {
                        results.0.push(result.id);
                    }
                }
                14 => {
                    let len = usize::from(input.byte()) * 97;
                    let mut buf = vec![0u8; len];
                    let first = input.u32() % 64;
                    let at = if len == 0 {
                        ptr::null_mut()
                    } else {
                        buf.as_mut_ptr()
                    };
                    checked(ms_result_read(
                        MsResult {
                            id: results.pick(&mut input),
                        },
                        first,
                        at,
                        len,
                    ));
                }
                15 => checked(ms_result_release(MsResult {
                    id: results.pick(&mut input),
                })),
                16 => {
                    let mut value = 0i32;
                    let out = if input.byte() % 4 == 0 {
                        ptr::null_mut()
                    } else {
                        &mut value
                    };
                    checked(ms_sequential_next_writable_address(
                        MsMultisession {
                            id: objects.pick(&mut input),
                        },
                        out,
                    ));
                }
                17 => checked(ms_multisession_release(MsMultisession {
                    id: objects.pick(&mut input),
                })),
                18 => {
                    let mut buf = [0 as std::ffi::c_char; 16];
                    let mut needed = 0usize;
                    let len = usize::from(input.byte() % 17);
                    let _ = ms_last_error_message(buf.as_mut_ptr(), len, &mut needed);
                }
                19 => checked(ms_image_choose_defaults(
                    MsImage {
                        id: images.pick(&mut input),
                    },
                    MsRecorder {
                        id: recorders.pick(&mut input),
                    },
                )),
                20 => {
                    let name = input.path();
                    checked(ms_image_set_volume_name(
                        MsImage {
                            id: images.pick(&mut input),
                        },
                        c(&name),
                    ));
                }
                21 => {
                    let path = input.path();
                    let local = CString::new("/etc/hostname").unwrap();
                    checked(ms_image_add_file(
                        MsImage {
                            id: images.pick(&mut input),
                        },
                        c(&path),
                        local.as_ptr(),
                        input.byte() % 2 == 0,
                    ));
                }
                22 => {
                    let mut fs = 0u32;
                    checked(ms_image_file_systems(
                        MsImage {
                            id: images.pick(&mut input),
                        },
                        &mut fs,
                    ));
                    checked(ms_image_set_file_systems(
                        MsImage {
                            id: images.pick(&mut input),
                        },
                        input.u32(),
                    ));
                }
                _ => {
                    let mut imported = 0u32;
                    let image = MsImage {
                        id: images.pick(&mut input),
                    };
                    checked(ms_image_import_session(
                        image,
                        input.u32() % 2000,
                        input.u32() % 8,
                        &mut imported,
                    ));
                }
            }
        }
    }
    // Leave no handle behind for the next input: the library's handle
    // limits must not be what ends a long campaign.
    {
        for id in results.0 {
            let _ = ms_result_release(MsResult { id });
        }
        for id in objects.0 {
            let _ = ms_multisession_release(MsMultisession { id });
        }
        for id in lists.0 {
            let _ = ms_list_release(MsList { id });
        }
        for id in images.0 {
            let _ = ms_image_release(MsImage { id });
        }
        for id in recorders.0 {
            let _ = ms_recorder_release(MsRecorder { id });
        }
    }
}
