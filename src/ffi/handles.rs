//! Generation-counted handle tables: the only way a C caller refers to a
//! Rust object.
//!
//! A handle is 64 bits: kind (8) · slot index (24) · generation (32).
//! Zero is never issued. Releasing a handle bumps its slot's generation, so
//! a released, double-released or stale handle no longer matches and is
//! answered with `MS_E_HANDLE`, as is a handle of another kind.
//!
//! Lookups take no lock and write no shared memory, so getters on many
//! threads scale (a table behind an `RwLock` made eight threads together
//! slower than one: every lookup wrote the lock word and the object's
//! reference count, and those cache lines bounced between cores):
//! - slots live in segments that are allocated once and never move or
//!   shrink, so a slot found by its index stays valid for the program's life;
//! - each slot is an [`ArcSwapOption`] of an immutable [`Entry`] that pairs
//!   the object with the generation of the handle naming it, so the
//!   generation check and the object come from one atomic load;
//! - that load's guard keeps the entry (and so the object) alive, even if
//!   another thread releases the handle meanwhile: a release racing a call
//!   ends the object only after that call is done;
//! - inserts and releases are serialised by one mutex per table.
//!
//! Objects C callers change ([`Guarded`]) are reached only through [`edit`]
//! and [`read`]. A panic that unwinds through an [`edit`] marks the entry
//! broken: the change may have stopped half-way, so every later call on
//! that handle fails with `MS_E_UNEXPECTED` naming the export that
//! panicked, and only its release still works. The mark is one flag in the
//! entry the lookup loads anyway, so getters pay one more read, no write.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwapOption;
use parking_lot::Mutex;

use crate::error::{Error, Result};
use crate::hresult::{MS_E_HANDLE, MS_E_OUTOFMEMORY, MS_E_UNEXPECTED};

const INDEX_BITS: u32 = 24;
const MAX_SLOTS: usize = 1 << INDEX_BITS;
/// The most handles of one kind that can be alive at once (2^24): a list
/// of distinct handles is never longer.
pub(crate) const MAX_HANDLES: usize = MAX_SLOTS;
/// Segment `k` holds `FIRST_SEGMENT << k` slots: the table doubles as it
/// grows, and a program with a few handles allocates a few hundred bytes.
const FIRST_SEGMENT_BITS: u32 = 5;
const FIRST_SEGMENT: usize = 1 << FIRST_SEGMENT_BITS;
/// Enough segments for every index a handle can carry.
const SEGMENTS: usize = (INDEX_BITS - FIRST_SEGMENT_BITS + 1) as usize;

/// One C handle type: a `#[repr(C)]` struct holding only the id.
pub(crate) trait Handle: Copy {
    /// Tag in the top byte of the id; unique per kind, never 0.
    const KIND: u8;
    /// The C type name, for messages.
    const NAME: &'static str;
    type Target: Send + Sync + 'static;

    fn id(self) -> u64;
    fn from_id(id: u64) -> Self;
    fn table() -> &'static HandleTable<Self::Target>;
}

/// A live object and the generation of the one handle that names it.
struct Entry<T> {
    generation: u32,
    /// A panic unwound through an [`edit`] of the object: it may be
    /// half-changed, and no call but the release may use it.
    broken: AtomicBool,
    /// The export that panicked, filled in once the boundary caught it.
    broken_in: OnceLock<&'static str>,
    value: Arc<T>,
}

/// An entry marked broken during an unwind, waiting for the boundary to
/// name the export that panicked.
trait Blame {
    fn blame(&self, export: &'static str);
}

impl<T> Blame for Entry<T> {
    fn blame(&self, export: &'static str) {
        let _ = self.broken_in.set(export);
    }
}

thread_local! {
    /// Entries this thread marked broken since the boundary last caught a
    /// panic. Touched only while unwinding, never on a successful call.
    static UNWOUND: RefCell<Vec<Arc<dyn Blame>>> = const { RefCell::new(Vec::new()) };
}

/// Names `export` as the cause in every entry a panic marked broken on
/// this thread since the last call; the boundary calls it when it catches a
/// panic (`None` when it has no export name to give).
#[cold]
pub(crate) fn blame_unwound(export: Option<&'static str>) {
    let marked = UNWOUND.with(|unwound| std::mem::take(&mut *unwound.borrow_mut()));
    if let Some(export) = export {
        for entry in marked {
            entry.blame(export);
        }
    }
}

/// An object that C calls change. Its lock is private to this module, so
/// every change goes through [`edit`] and so under the guard that marks the
/// handle broken if the change panics; no export needs code of its own for
/// that.
pub(crate) struct Guarded<T>(Mutex<T>);

impl<T> Guarded<T> {
    pub(crate) fn new(value: T) -> Guarded<T> {
        Guarded(Mutex::new(value))
    }
}

/// Marks its entry broken when dropped by an unwinding panic.
struct BreakOnUnwind<T: Send + Sync + 'static>(Arc<Entry<T>>);

impl<T: Send + Sync + 'static> Drop for BreakOnUnwind<T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.broken.store(true, Ordering::Relaxed);
            let entry: Arc<dyn Blame> = self.0.clone();
            UNWOUND.with(|unwound| unwound.borrow_mut().push(entry));
        }
    }
}

/// Empty while the slot is free.
type Slot<T> = ArcSwapOption<Entry<T>>;

/// What only inserts and releases touch.
struct Issuer {
    /// The last generation issued in each slot ever used.
    generations: Vec<u32>,
    /// Released slots, reused oldest first so generations wrap slowly.
    free: VecDeque<u32>,
}

/// The live objects of one handle kind.
pub(crate) struct HandleTable<T> {
    segments: [OnceLock<Box<[Slot<T>]>>; SEGMENTS],
    issuer: Mutex<Issuer>,
}

impl<T> HandleTable<T> {
    pub(crate) const fn new() -> HandleTable<T> {
        HandleTable {
            segments: [const { OnceLock::new() }; SEGMENTS],
            issuer: parking_lot::const_mutex(Issuer {
                generations: Vec::new(),
                free: VecDeque::new(),
            }),
        }
    }

    /// The slot at `index`, `None` when its segment was never allocated
    /// (no handle with that index was ever issued).
    fn slot(&self, index: u32) -> Option<&Slot<T>> {
        let (segment, offset) = locate(index);
        self.segments[segment].get().map(|slots| &slots[offset])
    }

    /// The slot at `index`, allocating its segment; only under the issuer lock.
    fn slot_or_grow(&self, _issuer: &mut Issuer, index: u32) -> &Slot<T> {
        let (segment, offset) = locate(index);
        let slots = self.segments[segment].get_or_init(|| {
            (0..FIRST_SEGMENT << segment)
                .map(|_| ArcSwapOption::empty())
                .collect()
        });
        &slots[offset]
    }
}

/// Segment and offset of slot `index`: segment `k` starts at
/// `FIRST_SEGMENT * (2^k - 1)`.
fn locate(index: u32) -> (usize, usize) {
    let biased = index as usize + FIRST_SEGMENT;
    let segment = (biased.ilog2() - FIRST_SEGMENT_BITS) as usize;
    (segment, biased - (FIRST_SEGMENT << segment))
}

struct Parts {
    kind: u8,
    index: u32,
    generation: u32,
}

fn split(id: u64) -> Parts {
    Parts {
        kind: (id >> 56) as u8,
        index: ((id >> 32) as u32) & ((1 << INDEX_BITS) - 1),
        generation: id as u32,
    }
}

fn join(kind: u8, index: u32, generation: u32) -> u64 {
    (u64::from(kind) << 56) | (u64::from(index) << 32) | u64::from(generation)
}

/// Stores `value` and returns a new handle to it.
pub(crate) fn insert<H: Handle>(value: Arc<H::Target>) -> Result<H> {
    let table = H::table();
    let mut issuer = table.issuer.lock();
    let index = match issuer.free.pop_front() {
        Some(index) => index,
        None => {
            if issuer.generations.len() >= MAX_SLOTS {
                return Err(Error::new(
                    MS_E_OUTOFMEMORY,
                    format!("all {MAX_SLOTS} {} handles are in use", H::NAME),
                ));
            }
            issuer.generations.push(0);
            (issuer.generations.len() - 1) as u32
        }
    };
    let generation = issuer.generations[index as usize] + 1;
    issuer.generations[index as usize] = generation;
    let slot = table.slot_or_grow(&mut issuer, index);
    slot.store(Some(Arc::new(Entry {
        generation,
        broken: AtomicBool::new(false),
        broken_in: OnceLock::new(),
        value,
    })));
    Ok(H::from_id(join(H::KIND, index, generation)))
}

/// The object behind `handle`, or `MS_E_HANDLE` saying why there is none.
/// An owned reference, for calls that keep the object, run long (a write,
/// a build) or lock it anyway (images, results): there one more shared
/// write per call costs nothing that matters.
pub(crate) fn get<H: Handle>(handle: H) -> Result<Arc<H::Target>> {
    lookup(handle, |entry| Arc::clone(&entry.value))
}

/// Runs `f` on the object behind `handle` without touching its reference
/// count, which every thread calling on a shared handle would otherwise
/// write: for the getters of objects read without a lock (multisessions,
/// lists, recorders). The lookup guard is held while `f` runs; `f` may use
/// any handle, even release this one, but a guard pins one of the thread's
/// few fast slots, so calls that run long take [`get`] instead.
pub(crate) fn with<H: Handle, R>(handle: H, f: impl FnOnce(&H::Target) -> R) -> Result<R> {
    lookup(handle, |entry| f(&entry.value))
}

/// Runs `f` on the object behind `handle` with its lock held and the right
/// to change it. A panic in `f` marks the handle broken (see the module
/// comment) on its way to the boundary.
pub(crate) fn edit<H, T, R>(handle: H, f: impl FnOnce(&mut T) -> R) -> Result<R>
where
    H: Handle<Target = Guarded<T>>,
    T: Send + 'static,
{
    let entry = lookup(handle, Arc::clone)?;
    let mut value = entry.value.0.lock();
    // Declared after the lock guard, so dropped first: the mark is set
    // while the lock is still held, before another call can take it.
    let _mark = BreakOnUnwind(Arc::clone(&entry));
    // Another thread's edit may have broken the object while this one
    // waited for the lock.
    check_intact::<H>(handle.id(), &entry)?;
    Ok(f(&mut value))
}

/// Runs `f` on the object behind `handle` with its lock held, for calls
/// that only look: they cannot leave it half-changed, so a panic in `f`
/// does not mark the handle.
pub(crate) fn read<H, T, R>(handle: H, f: impl FnOnce(&T) -> R) -> Result<R>
where
    H: Handle<Target = Guarded<T>>,
    T: Send + 'static,
{
    let entry = lookup(handle, Arc::clone)?;
    let value = entry.value.0.lock();
    check_intact::<H>(handle.id(), &entry)?;
    Ok(f(&value))
}

fn lookup<H: Handle, R>(handle: H, f: impl FnOnce(&Arc<Entry<H::Target>>) -> R) -> Result<R> {
    let id = handle.id();
    let parts = check_kind::<H>(id)?;
    let Some(slot) = H::table().slot(parts.index) else {
        return Err(stale::<H>(id));
    };
    let entry = slot.load();
    match &*entry {
        Some(entry) if entry.generation == parts.generation => {
            check_intact::<H>(id, entry)?;
            Ok(f(entry))
        }
        _ => Err(stale::<H>(id)),
    }
}

#[inline(always)]
fn check_intact<H: Handle>(id: u64, entry: &Entry<H::Target>) -> Result<()> {
    if entry.broken.load(Ordering::Relaxed) {
        return Err(broken::<H>(id, entry));
    }
    Ok(())
}

/// Ends `handle`. The object lives on while other handles or running calls
/// hold it.
pub(crate) fn remove<H: Handle>(handle: H) -> Result<()> {
    let id = handle.id();
    let parts = check_kind::<H>(id)?;
    let table = H::table();
    let released = {
        let mut issuer = table.issuer.lock();
        let named = table.slot(parts.index).filter(
            |slot| matches!(&*slot.load(), Some(entry) if entry.generation == parts.generation),
        );
        named.map(|slot| {
            // A slot whose generation would wrap is retired, never reused.
            if parts.generation < u32::MAX {
                issuer.free.push_back(parts.index);
            }
            slot.swap(None)
        })
    };
    // The object (possibly the last reference) is dropped outside the lock.
    match released {
        Some(_) => Ok(()),
        None => Err(stale::<H>(id)),
    }
}

/// The parts of `id` when it is a nonzero handle of kind `H`.
fn check_kind<H: Handle>(id: u64) -> Result<Parts> {
    let parts = split(id);
    if id == 0 || parts.kind != H::KIND {
        return Err(wrong_kind::<H>(id));
    }
    Ok(parts)
}

/// Messages are built out of line: the lookup every getter runs stays a
/// few instructions with its values in registers.
#[cold]
#[inline(never)]
fn wrong_kind<H: Handle>(id: u64) -> Error {
    let detail = if id == 0 {
        format!(
            "the {} handle is zero (never set, or already cleared)",
            H::NAME
        )
    } else {
        format!(
            "handle {id:#018x} is not an {} (kind tag {}, expected {})",
            H::NAME,
            split(id).kind,
            H::KIND
        )
    };
    Error::new(MS_E_HANDLE, detail)
}

#[cold]
#[inline(never)]
fn broken<H: Handle>(id: u64, entry: &Entry<H::Target>) -> Error {
    let export = entry.broken_in.get().copied().unwrap_or("an earlier call");
    Error::new(
        MS_E_UNEXPECTED,
        format!(
            "{} handle {id:#018x} was left inconsistent by an internal error in {export}; \
             only its release works now",
            H::NAME
        ),
    )
}

#[cold]
#[inline(never)]
fn stale<H: Handle>(id: u64) -> Error {
    Error::new(
        MS_E_HANDLE,
        format!("{} handle {id:#018x} was released or never issued", H::NAME),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    struct TestHandle(u64);
    #[derive(Clone, Copy)]
    struct OtherHandle(u64);

    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

    static TESTS: HandleTable<String> = HandleTable::new();
    static CANARIES: HandleTable<Canary> = HandleTable::new();

    /// Objects of the race test, and which of them have ended.
    const RACE_OBJECTS: usize = 20_000;
    static RACE_DROPPED: [AtomicBool; RACE_OBJECTS] =
        [const { AtomicBool::new(false) }; RACE_OBJECTS];

    /// An object that records its end in a side table outside itself, so a
    /// test can tell it ended without reading its (possibly freed) memory.
    struct Canary {
        serial: usize,
        drops: &'static AtomicUsize,
    }

    impl Canary {
        fn new(serial: usize, drops: &'static AtomicUsize) -> Canary {
            Canary { serial, drops }
        }
    }

    impl Drop for Canary {
        fn drop(&mut self) {
            if let Some(dropped) = RACE_DROPPED.get(self.serial) {
                assert!(!dropped.swap(true, Ordering::SeqCst), "dropped twice");
            }
            self.drops.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[derive(Clone, Copy)]
    struct CanaryHandle(u64);

    impl Handle for CanaryHandle {
        const KIND: u8 = 0xF2;
        const NAME: &'static str = "canary";
        type Target = Canary;
        fn id(self) -> u64 {
            self.0
        }
        fn from_id(id: u64) -> Self {
            CanaryHandle(id)
        }
        fn table() -> &'static HandleTable<Canary> {
            &CANARIES
        }
    }
    static OTHERS: HandleTable<String> = HandleTable::new();

    impl Handle for TestHandle {
        const KIND: u8 = 0xF0;
        const NAME: &'static str = "test";
        type Target = String;
        fn id(self) -> u64 {
            self.0
        }
        fn from_id(id: u64) -> Self {
            TestHandle(id)
        }
        fn table() -> &'static HandleTable<String> {
            &TESTS
        }
    }

    impl Handle for OtherHandle {
        const KIND: u8 = 0xF1;
        const NAME: &'static str = "other";
        type Target = String;
        fn id(self) -> u64 {
            self.0
        }
        fn from_id(id: u64) -> Self {
            OtherHandle(id)
        }
        fn table() -> &'static HandleTable<String> {
            &OTHERS
        }
    }

    #[test]
    fn a_handle_resolves_until_released_and_then_never_again() {
        let h: TestHandle = insert(Arc::new("a".to_string())).unwrap();
        assert_ne!(h.0, 0);
        assert_eq!(*get(h).unwrap(), "a");
        remove(h).unwrap();
        assert_eq!(get(h).unwrap_err().code(), MS_E_HANDLE);
        assert_eq!(remove(h).unwrap_err().code(), MS_E_HANDLE);
        // The slot is reused with a new generation; the old handle stays dead.
        let again: TestHandle = insert(Arc::new("b".to_string())).unwrap();
        assert_ne!(again, h);
        assert_eq!(get(h).unwrap_err().code(), MS_E_HANDLE);
        assert_eq!(*get(again).unwrap(), "b");
        remove(again).unwrap();
    }

    #[test]
    fn zero_foreign_and_garbage_handles_are_rejected() {
        assert_eq!(get(TestHandle(0)).unwrap_err().code(), MS_E_HANDLE);
        let other: OtherHandle = insert(Arc::new("x".to_string())).unwrap();
        let err = get(TestHandle(other.0)).unwrap_err();
        assert_eq!(err.code(), MS_E_HANDLE);
        assert!(err.detail().contains("not an test"), "{}", err.detail());
        assert_eq!(
            get(TestHandle(join(0xF0, 0xFF_FFFF, 7)))
                .unwrap_err()
                .code(),
            MS_E_HANDLE
        );
        remove(other).unwrap();
    }

    static GUARDED: HandleTable<Guarded<String>> = HandleTable::new();

    #[derive(Clone, Copy)]
    struct GuardedHandle(u64);

    impl Handle for GuardedHandle {
        const KIND: u8 = 0xF3;
        const NAME: &'static str = "guarded";
        type Target = Guarded<String>;
        fn id(self) -> u64 {
            self.0
        }
        fn from_id(id: u64) -> Self {
            GuardedHandle(id)
        }
        fn table() -> &'static HandleTable<Guarded<String>> {
            &GUARDED
        }
    }

    fn caught(f: impl FnOnce()) {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        assert!(caught.is_err(), "the body was meant to panic");
    }

    #[test]
    fn a_panic_inside_an_edit_breaks_the_handle_but_not_a_panic_inside_a_read() {
        let h: GuardedHandle = insert(Arc::new(Guarded::new("a".to_string()))).unwrap();
        caught(|| {
            let _ = read(h, |_| panic!("while looking"));
        });
        assert_eq!(
            read(h, |s| s.clone()).unwrap(),
            "a",
            "a read changes nothing"
        );
        caught(|| {
            let _ = edit(h, |s| {
                s.push_str("half");
                panic!("while changing")
            });
        });
        blame_unwound(Some("ms_test_edit"));
        for err in [
            read(h, |_| ()).unwrap_err(),
            edit(h, |_| ()).unwrap_err(),
            with(h, |_| ()).unwrap_err(),
            get(h).map(drop).unwrap_err(),
        ] {
            assert_eq!(err.code(), MS_E_UNEXPECTED);
            assert!(
                err.detail().contains("internal error in ms_test_edit"),
                "{}",
                err.detail()
            );
        }
        remove(h).unwrap();
        assert_eq!(read(h, |_| ()).unwrap_err().code(), MS_E_HANDLE);
    }

    #[test]
    fn a_release_does_not_end_an_object_a_caller_still_holds() {
        let h: TestHandle = insert(Arc::new("held".to_string())).unwrap();
        let held = get(h).unwrap();
        remove(h).unwrap();
        assert_eq!(*held, "held");
    }
    #[test]
    fn slots_map_onto_doubling_segments_without_gaps() {
        let mut expected = (0, 0);
        for index in 0..(FIRST_SEGMENT as u32 * 15) {
            assert_eq!(locate(index), expected, "index {index}");
            expected.1 += 1;
            if expected.1 == FIRST_SEGMENT << expected.0 {
                expected = (expected.0 + 1, 0);
            }
        }
        let (segment, offset) = locate((MAX_SLOTS - 1) as u32);
        assert!(segment < SEGMENTS);
        assert!(offset < FIRST_SEGMENT << segment);
    }

    #[test]
    fn handles_resolve_across_segment_boundaries_and_unallocated_slots_are_stale() {
        let many: Vec<(TestHandle, String)> = (0..3 * FIRST_SEGMENT + 5)
            .map(|i| {
                let text = format!("object {i}");
                (insert(Arc::new(text.clone())).unwrap(), text)
            })
            .collect();
        for (handle, text) in &many {
            assert_eq!(with(*handle, |s| s.clone()).unwrap(), *text);
        }
        let far = TestHandle(join(0xF0, (MAX_SLOTS - 1) as u32, 1));
        assert_eq!(with(far, |_| ()).unwrap_err().code(), MS_E_HANDLE);
        for (handle, _) in many {
            remove(handle).unwrap();
        }
    }

    #[test]
    fn a_call_may_release_the_handle_it_runs_on_and_keeps_the_object_until_it_returns() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        let h: CanaryHandle = insert(Arc::new(Canary::new(usize::MAX, &DROPS))).unwrap();
        with(h, |canary| {
            remove(h).unwrap();
            assert_eq!(DROPS.load(Ordering::SeqCst), 0, "dropped under the call");
            assert_eq!(canary.serial, usize::MAX);
            assert_eq!(with(h, |_| ()).unwrap_err().code(), MS_E_HANDLE);
        })
        .unwrap();
        assert_eq!(
            DROPS.load(Ordering::SeqCst),
            1,
            "dropped once the call is done"
        );
    }

    /// Eight threads call on handles (current and long released ones) while
    /// another inserts and releases them, reusing slots. Every call must see
    /// the object its handle was issued for, alive for the whole call, or
    /// `MS_E_HANDLE`; every object is dropped exactly once, after its release.
    #[test]
    fn calls_racing_releases_never_see_an_ended_or_a_different_object() {
        const OBJECTS: usize = RACE_OBJECTS;
        // More than the first segment holds, so live handles span two segments.
        const LIVE: usize = 40;
        const READERS: usize = 8;
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        static ISSUED: [AtomicU64; OBJECTS] = [const { AtomicU64::new(0) }; OBJECTS];
        static NEWEST: AtomicUsize = AtomicUsize::new(0);
        static DONE: AtomicBool = AtomicBool::new(false);

        fn call(serial: usize, hold_across_yield: bool) -> bool {
            let handle = CanaryHandle(ISSUED[serial].load(Ordering::Acquire));
            let check = |canary: &Canary| {
                assert_eq!(canary.serial, serial, "a handle reached another object");
                assert!(
                    !RACE_DROPPED[serial].load(Ordering::SeqCst),
                    "object already ended"
                );
                std::thread::yield_now();
                // Only the side table is read now: a bug shows as a failed
                // assertion, not as a read of freed memory.
                assert!(
                    !RACE_DROPPED[serial].load(Ordering::SeqCst),
                    "ended under a call"
                );
            };
            let result = if hold_across_yield {
                get(handle).map(|held| check(&held))
            } else {
                with(handle, check)
            };
            match result {
                Ok(()) => true,
                Err(e) => {
                    assert_eq!(e.code(), MS_E_HANDLE, "{}", e.detail());
                    false
                }
            }
        }

        std::thread::scope(|scope| {
            for reader in 0..READERS {
                scope.spawn(move || {
                    let mut seed = (reader as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    while !DONE.load(Ordering::Acquire) {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        let newest = NEWEST.load(Ordering::Acquire);
                        // Mostly live handles, sometimes long released ones.
                        let back = (seed % (4 * LIVE as u64)) as usize;
                        call(newest.saturating_sub(back), seed & 1 == 0);
                    }
                });
            }
            scope.spawn(|| {
                for (serial, issued) in ISSUED.iter().enumerate() {
                    let canary = Canary::new(serial, &DROPS);
                    let handle: CanaryHandle = insert(Arc::new(canary)).unwrap();
                    issued.store(handle.0, Ordering::Release);
                    NEWEST.store(serial, Ordering::Release);
                    if let Some(old) = serial.checked_sub(LIVE) {
                        let old = CanaryHandle(ISSUED[old].load(Ordering::Acquire));
                        remove(old).unwrap();
                        assert_eq!(remove(old).unwrap_err().code(), MS_E_HANDLE);
                    }
                }
                for issued in &ISSUED[OBJECTS - LIVE..] {
                    remove(CanaryHandle(issued.load(Ordering::Acquire))).unwrap();
                }
                DONE.store(true, Ordering::Release);
            });
        });
        assert_eq!(DROPS.load(Ordering::SeqCst), OBJECTS);
        assert!(RACE_DROPPED.iter().all(|d| d.load(Ordering::SeqCst)));
        for serial in [0, OBJECTS / 2, OBJECTS - 1] {
            assert!(
                !call(serial, false),
                "released handle {serial} still resolves"
            );
        }
    }
}
