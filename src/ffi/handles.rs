//! Generation-counted handle tables: the only way a C caller refers to a
//! Rust object.
//!
//! A handle is 64 bits: kind (8) · slot index (24) · generation (32).
//! Zero is never issued. Releasing a handle bumps its slot's generation, so
//! a released, double-released or stale handle no longer matches and is
//! answered with `MS_E_HANDLE`, as is a handle of another kind. Lookups
//! clone the object's `Arc` and drop the table lock before any work, so a
//! release racing a call on another thread only ends the object's life
//! after that call returns.

use std::collections::VecDeque;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::error::{Error, Result};
use crate::hresult::{MS_E_HANDLE, MS_E_OUTOFMEMORY};

const INDEX_BITS: u32 = 24;
const MAX_SLOTS: usize = 1 << INDEX_BITS;

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

struct Slot<T> {
    generation: u32,
    value: Option<Arc<T>>,
}

struct Slots<T> {
    slots: Vec<Slot<T>>,
    /// Released slots, reused oldest first so generations wrap slowly.
    free: VecDeque<u32>,
}

/// The live objects of one handle kind.
pub(crate) struct HandleTable<T> {
    inner: RwLock<Slots<T>>,
}

impl<T> HandleTable<T> {
    pub(crate) const fn new() -> HandleTable<T> {
        HandleTable {
            inner: parking_lot::const_rwlock(Slots {
                slots: Vec::new(),
                free: VecDeque::new(),
            }),
        }
    }
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
    let mut t = H::table().inner.write();
    let index = match t.free.pop_front() {
        Some(index) => index,
        None => {
            if t.slots.len() >= MAX_SLOTS {
                return Err(Error::new(
                    MS_E_OUTOFMEMORY,
                    format!("all {MAX_SLOTS} {} handles are in use", H::NAME),
                ));
            }
            t.slots.push(Slot {
                generation: 0,
                value: None,
            });
            (t.slots.len() - 1) as u32
        }
    };
    let slot = &mut t.slots[index as usize];
    slot.generation += 1;
    slot.value = Some(value);
    Ok(H::from_id(join(H::KIND, index, slot.generation)))
}

/// The object behind `handle`, or `MS_E_HANDLE` saying why there is none.
pub(crate) fn get<H: Handle>(handle: H) -> Result<Arc<H::Target>> {
    let id = handle.id();
    let parts = check_kind::<H>(id)?;
    let t = H::table().inner.read();
    match t.slots.get(parts.index as usize) {
        Some(Slot {
            generation,
            value: Some(value),
        }) if *generation == parts.generation => Ok(Arc::clone(value)),
        _ => Err(stale::<H>(id)),
    }
}

/// Runs `f` on the object behind `handle`, borrowed under the table's read
/// lock: no reference count is touched, so concurrent short calls share no
/// written cache line but the lock word. `f` must be short and must not
/// insert into or release from this table (a queued writer would deadlock it).
pub(crate) fn with<H: Handle, R>(handle: H, f: impl FnOnce(&H::Target) -> R) -> Result<R> {
    let id = handle.id();
    let parts = check_kind::<H>(id)?;
    let t = H::table().inner.read();
    match t.slots.get(parts.index as usize) {
        Some(Slot {
            generation,
            value: Some(value),
        }) if *generation == parts.generation => Ok(f(value)),
        _ => Err(stale::<H>(id)),
    }
}

/// Ends `handle`. The object lives on while other handles or running calls
/// hold it.
pub(crate) fn remove<H: Handle>(handle: H) -> Result<()> {
    let id = handle.id();
    let parts = check_kind::<H>(id)?;
    let released = {
        let mut t = H::table().inner.write();
        let Slots { slots, free } = &mut *t;
        match slots.get_mut(parts.index as usize) {
            Some(slot) if slot.generation == parts.generation && slot.value.is_some() => {
                let value = slot.value.take();
                // A slot whose generation would wrap is retired, never reused.
                if slot.generation < u32::MAX {
                    free.push_back(parts.index);
                }
                value
            }
            _ => None,
        }
    };
    // The object (possibly the last reference) is dropped outside the lock.
    match released {
        Some(_) => Ok(()),
        None => Err(stale::<H>(id)),
    }
}

fn check_kind<H: Handle>(id: u64) -> Result<Parts> {
    if id == 0 {
        return Err(Error::new(
            MS_E_HANDLE,
            format!(
                "the {} handle is zero (never set, or already cleared)",
                H::NAME
            ),
        ));
    }
    let parts = split(id);
    if parts.kind != H::KIND {
        return Err(Error::new(
            MS_E_HANDLE,
            format!(
                "handle {id:#018x} is not an {} (kind tag {}, expected {})",
                H::NAME,
                parts.kind,
                H::KIND
            ),
        ));
    }
    Ok(parts)
}

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

    static TESTS: HandleTable<String> = HandleTable::new();
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

    #[test]
    fn a_release_does_not_end_an_object_a_caller_still_holds() {
        let h: TestHandle = insert(Arc::new("held".to_string())).unwrap();
        let held = get(h).unwrap();
        remove(h).unwrap();
        assert_eq!(*held, "held");
    }
}
