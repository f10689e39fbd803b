//! Two pieces of work at once: the one parallel shape a session's build
//! needs (the UDF file set measured beside the ISO 9660 plan; a run of
//! metadata blocks encoded in two halves).

use std::sync::{Mutex, PoisonError};

/// Runs `other` on a second thread and `mine` on the caller's, and returns
/// both results. When the system refuses a thread, `other` runs after
/// `mine` on the caller's thread: slower, never a failure. A panic in
/// `other` is resumed on the caller's thread.
pub(crate) fn join<A: Send, B>(
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
        let spawned = std::thread::Builder::new()
            .name("ms-build".into())
            .spawn_scoped(scope, run);
        let b = mine();
        let a = match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => run(),
        };
        (a.expect("the task is taken once"), b)
    })
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
    fn a_panic_on_the_other_thread_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| join(|| panic!("other"), || ()));
        let panic = caught.unwrap_err();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"other"));
    }
}
