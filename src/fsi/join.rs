//! Two pieces of work at once: the one parallel shape the import and the
//! build need (the Rock Ridge tree read beside a bridge's UDF directories;
//! the UDF file set and the Joliet tree measured beside the ISO 9660 plan;
//! a run of metadata blocks encoded in two halves).

use std::sync::{Mutex, PoisonError};

/// Runs `other` on a second thread and `mine` on the caller's, and returns
/// both results. When the system refuses a thread, `other` runs after
/// `mine` on the caller's thread: slower, never a failure. A panic in
/// `other` is resumed on the caller's thread.
pub(crate) fn join<A: Send, B>(
    other: impl FnOnce() -> A + Send,
    mine: impl FnOnce() -> B,
) -> (A, B) {
    join_on(true, other, mine)
}

/// [`join`], a second thread asked for only when `second_thread`: tests
/// take the path a refused thread takes.
fn join_on<A: Send, B>(
    second_thread: bool,
    other: impl FnOnce() -> A + Send,
    mine: impl FnOnce() -> B,
) -> (A, B) {
    // Whichever thread takes the task runs it: the spawned one, or the
    // caller's after a refused spawn.
    let task = Mutex::new(Some(other));
    let run = || {
        let task = task.lock().unwrap_or_else(PoisonError::into_inner).take();
        task.map(|other| other())
    };
    std::thread::scope(|scope| {
        let spawned = spawn_scoped_if(second_thread, scope, "ms-build", run);
        let b = mine();
        let a = match spawned {
            Some(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => run(),
        };
        (a.expect("the task is taken once"), b)
    })
}

/// A thread named `name` running `f` in `scope`, when `allowed` and the
/// system grants one; `None` tells the caller to do the work in line.
pub(crate) fn spawn_scoped_if<'scope, T: Send + 'scope>(
    allowed: bool,
    scope: &'scope std::thread::Scope<'scope, '_>,
    name: &str,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Option<std::thread::ScopedJoinHandle<'scope, T>> {
    allowed
        .then(|| {
            std::thread::Builder::new()
                .name(name.into())
                .spawn_scoped(scope, f)
                .ok()
        })
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_results_come_back_and_the_other_work_runs_on_another_thread() {
        let caller = std::thread::current().id();
        let (a, b) = join(|| (std::thread::current().id(), 1), || 2);
        assert_eq!((a.1, b), (1, 2));
        assert_ne!(a.0, caller);
    }

    #[test]
    fn without_a_second_thread_the_other_work_runs_after_mine_on_the_callers() {
        let caller = std::thread::current().id();
        let order = Mutex::new(Vec::new());
        let (a, b) = join_on(
            false,
            || {
                order.lock().unwrap().push("other");
                std::thread::current().id()
            },
            || order.lock().unwrap().push("mine"),
        );
        assert_eq!((a, b), (caller, ()));
        assert_eq!(*order.lock().unwrap(), ["mine", "other"]);
    }

    #[test]
    fn a_panic_on_the_other_thread_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| join(|| panic!("other"), || ()));
        let panic = caught.unwrap_err();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"other"));
    }
}
