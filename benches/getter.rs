//! One property getter through the C ABI (`ms_random_write_total_sectors_on_media`
//! on a shared handle: handle lookup, panic boundary, cached media
//! information, out-parameter), in ns per call with 1 and 8 threads.
//!
//! The machine is shared, so each figure is measured over several rounds
//! and the table gives the best round (the least disturbed one) next to the
//! median, whose distance from the best shows how noisy the run was.
//!
//! `cargo bench --bench getter`

use std::sync::Barrier;
use std::time::Instant;

use multisession::hresult::MS_S_OK;
use multisession::internals::ffi::{
    ms_list_get, ms_list_release, ms_multisession_release, ms_random_write_total_sectors_on_media,
    ms_recorder_multisession_interfaces, ms_recorder_open, ms_recorder_release, MsList,
    MsMultisession, MsRecorder,
};
use multisession::media::Profile;

const CALLS_PER_THREAD: u32 = 200_000;
const ROUNDS: usize = 7;

/// Per-thread latency (mean of the threads' own timings) and throughput
/// (wall time from the first thread's start to the last thread's end,
/// divided by every call made), both in ns per call. Throughput is taken
/// over wall time because eight threads on two cores do not all run at
/// once: their own timings overlap only partly.
fn measure(ms: MsMultisession, threads: usize) -> (f64, f64) {
    let barrier = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut value = 0i32;
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..CALLS_PER_THREAD {
                        // SAFETY: `value` is a valid out-parameter.
                        let hr = unsafe { ms_random_write_total_sectors_on_media(ms, &mut value) };
                        assert_eq!(hr, MS_S_OK);
                    }
                    (start, Instant::now())
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let calls = f64::from(CALLS_PER_THREAD);
    let latency = spans
        .iter()
        .map(|(start, end)| (*end - *start).as_nanos() as f64 / calls)
        .sum::<f64>()
        / threads as f64;
    let first = spans.iter().map(|s| s.0).min().unwrap();
    let last = spans.iter().map(|s| s.1).max().unwrap();
    let throughput = (last - first).as_nanos() as f64 / (calls * threads as f64);
    (latency, throughput)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("bench-dvd+rw.img");
    multisession::scsi::emulator::create_blank(
        &disc,
        Profile::DvdPlusRw,
        None,
        multisession::scsi::emulator::Existing::Refuse,
    )
    .unwrap();
    let path = std::ffi::CString::new(disc.to_str().unwrap()).unwrap();
    let mut rec = MsRecorder { id: 0 };
    let mut list = MsList { id: 0 };
    let mut ms = MsMultisession { id: 0 };
    // SAFETY: valid C string and out-parameters.
    unsafe {
        assert_eq!(ms_recorder_open(path.as_ptr(), &mut rec), MS_S_OK);
        assert_eq!(ms_recorder_multisession_interfaces(rec, &mut list), MS_S_OK);
        assert_eq!(ms_list_get(list, 0, &mut ms), MS_S_OK);
    }
    measure(ms, 1); // warm-up

    println!("ns per call, best (median) of {ROUNDS} rounds");
    println!("| threads | each thread     | all threads together |");
    println!("|--------:|----------------:|---------------------:|");
    for threads in [1, 8] {
        let mut rounds: Vec<(f64, f64)> = (0..ROUNDS).map(|_| measure(ms, threads)).collect();
        rounds.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, median) = (rounds[0], rounds[ROUNDS / 2]);
        let each = format!("{:.1} ({:.1})", best.0, median.0);
        let all = format!("{:.1} ({:.1})", best.1, median.1);
        println!("| {threads:>7} | {each:>15} | {all:>20} |");
    }
    assert_eq!(ms_multisession_release(ms), MS_S_OK);
    assert_eq!(ms_list_release(list), MS_S_OK);
    assert_eq!(ms_recorder_release(rec), MS_S_OK);
}
