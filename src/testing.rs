//! Test doubles shared by the crate's unit tests and its integration tests
//! (tests/), so a double is written once instead of copied where each test
//! binary cannot reach a `#[cfg(test)]` item. Hidden from the docs: not part
//! of the API, no stability promise. It sits just above `scsi` in the layer
//! table (tests/abi/layers.rs) so `mmc`'s unit tests may use it.

use std::collections::VecDeque;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::scsi::{Completion, DataDirection, Sense, Transport};

/// The completion of a command the drive answered with `reply`: as much of
/// it as the host's buffer takes, the rest of the buffer counted as
/// residual (what a real drive's short reply looks like to SG_IO).
pub fn answer(data: DataDirection<'_>, reply: &[u8]) -> Completion {
    answer_with(Completion::good(), data, reply)
}

/// As [`answer`], with another status or sense than GOOD.
pub fn answer_with(
    mut completion: Completion,
    data: DataDirection<'_>,
    reply: &[u8],
) -> Completion {
    if let DataDirection::FromDevice(buf) = data {
        let n = reply.len().min(buf.len());
        buf[..n].copy_from_slice(&reply[..n]);
        completion.residual = buf.len() - n;
    }
    completion
}

/// A drive that answers CDBs from a table of (CDB prefix, reply), in any
/// order, and every other CDB through its fallback: by default refusing it
/// with 5/24/00 as a real drive refuses a command it does not know. For
/// tests that pin down which commands a whole probe sends, that play back
/// one command's retries ([`TableDrive::script`]), or whose drive computes
/// its replies ([`TableDrive::answering`]).
pub struct TableDrive {
    answers: Vec<(Vec<u8>, Answer)>,
    otherwise: Box<Reply>,
    name: &'static str,
    /// Every CDB sent so far.
    pub sent: Vec<Vec<u8>>,
}

/// How a [`TableDrive`] answers a CDB its table does not name; `None`
/// refuses it as an unknown command.
type Reply = dyn FnMut(&[u8]) -> Option<Answer> + Send;

/// How a [`TableDrive`] answers a CDB.
#[derive(Clone)]
pub enum Answer {
    /// GOOD status with this data.
    Data(Vec<u8>),
    /// CHECK CONDITION with this sense.
    Sense(Sense),
    /// Any status and sense, with this data (as much as the host's buffer
    /// takes).
    Reply(Completion, Vec<u8>),
    /// The host fails the command before any drive answers.
    Host(Error),
}

impl TableDrive {
    /// A drive that refuses everything.
    pub fn new() -> TableDrive {
        TableDrive::answering(|_| None)
    }

    /// A drive whose every CDB is answered by `reply`, `None` refusing it
    /// as an unknown command.
    pub fn answering(reply: impl FnMut(&[u8]) -> Option<Answer> + Send + 'static) -> TableDrive {
        TableDrive {
            answers: Vec::new(),
            otherwise: Box::new(reply),
            name: "table drive",
            sent: Vec::new(),
        }
    }

    /// A drive that answers the next commands with `replies`, in order,
    /// whatever they are; one command more is a bug of the test and panics.
    pub fn script(replies: Vec<(Completion, Vec<u8>)>) -> TableDrive {
        let mut replies = VecDeque::from(replies);
        let mut drive = TableDrive::answering(move |_| {
            let (completion, data) = replies.pop_front().expect("unscripted command");
            Some(Answer::Reply(completion, data))
        });
        drive.name = "scripted drive";
        drive
    }

    /// Answers CDBs starting with `prefix` with `reply`.
    pub fn on(mut self, prefix: &[u8], reply: Vec<u8>) -> TableDrive {
        self.answers.push((prefix.to_vec(), Answer::Data(reply)));
        self
    }

    /// Refuses CDBs starting with `prefix` with `sense`.
    pub fn fail(mut self, prefix: &[u8], sense: Sense) -> TableDrive {
        self.answers.push((prefix.to_vec(), Answer::Sense(sense)));
        self
    }

    /// Has the host fail CDBs starting with `prefix` with `e`.
    pub fn host_fails(mut self, prefix: &[u8], e: Error) -> TableDrive {
        self.answers.push((prefix.to_vec(), Answer::Host(e)));
        self
    }

    /// The operation codes sent so far, in order.
    pub fn opcodes(&self) -> Vec<u8> {
        self.sent.iter().map(|c| c[0]).collect()
    }
}

impl Default for TableDrive {
    fn default() -> TableDrive {
        TableDrive::new()
    }
}

impl Transport for TableDrive {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        _timeout: Duration,
    ) -> Result<Completion> {
        self.sent.push(cdb.to_vec());
        let found = self
            .answers
            .iter()
            .find(|(prefix, _)| cdb.starts_with(prefix))
            .map(|(_, a)| a.clone());
        match found.or_else(|| (self.otherwise)(cdb)) {
            Some(Answer::Data(reply)) => Ok(answer(data, &reply)),
            Some(Answer::Sense(s)) => Ok(Completion::check_condition(s)),
            Some(Answer::Reply(completion, reply)) => Ok(answer_with(completion, data, &reply)),
            Some(Answer::Host(e)) => Err(e),
            None => Ok(Completion::check_condition(Sense::INVALID_FIELD_IN_CDB)),
        }
    }

    fn describe(&self) -> String {
        self.name.into()
    }
}

/// A READ DISC INFORMATION reply with the fields of the emulator model of
/// docs/mmc-notes.md §7: byte 2 (status), the session and track counts
/// split into their low and high bytes, the lead-in and the last possible
/// lead-out (MSF on CD, LBA elsewhere).
pub fn disc_information(
    b2: u8,
    sessions: u16,
    first: u16,
    last: u16,
    lead_in: u32,
    lead_out: u32,
) -> Vec<u8> {
    let mut b = vec![0u8; 34];
    b[0..2].copy_from_slice(&32u16.to_be_bytes());
    b[2] = b2;
    b[3] = 1;
    b[4] = sessions as u8;
    b[9] = (sessions >> 8) as u8;
    b[5] = first as u8;
    b[10] = (first >> 8) as u8;
    b[6] = last as u8;
    b[11] = (last >> 8) as u8;
    b[16..20].copy_from_slice(&lead_in.to_be_bytes());
    b[20..24].copy_from_slice(&lead_out.to_be_bytes());
    b
}

/// A 48-byte READ TRACK INFORMATION reply with the fields of the §7
/// tables: a blank track is the invisible one (packet, fixed off), a
/// recorded one data mode 1.
#[allow(clippy::too_many_arguments)]
pub fn track_information(
    track: u16,
    session: u16,
    blank: bool,
    nwa: Option<u32>,
    start: u32,
    free: u32,
    size: u32,
    lra: Option<u32>,
) -> Vec<u8> {
    let mut b = vec![0u8; 48];
    b[0..2].copy_from_slice(&46u16.to_be_bytes());
    b[2] = track as u8;
    b[32] = (track >> 8) as u8;
    b[3] = session as u8;
    b[33] = (session >> 8) as u8;
    b[5] = if blank { 0x07 } else { 0x04 };
    b[6] = if blank { 0x60 | 0x01 } else { 0x01 };
    b[7] = nwa.map_or(0, |_| 1) | lra.map_or(0, |_| 2);
    b[8..12].copy_from_slice(&start.to_be_bytes());
    b[12..16].copy_from_slice(&nwa.unwrap_or(0).to_be_bytes());
    b[16..20].copy_from_slice(&free.to_be_bytes());
    b[24..28].copy_from_slice(&size.to_be_bytes());
    b[28..32].copy_from_slice(&lra.unwrap_or(0).to_be_bytes());
    b
}

/// A transport in front of another: `hook` gets every command together
/// with the transport behind it and answers in its place, so a test can
/// count, log, refuse or falsify commands of an otherwise real drive.
pub struct Hooked<T, F> {
    inner: T,
    hook: F,
    name: Option<String>,
}

impl<T, F> Hooked<T, F>
where
    T: Transport,
    F: FnMut(&mut T, &[u8], DataDirection<'_>, Duration) -> Result<Completion> + Send,
{
    /// `inner` behind `hook`.
    pub fn new(inner: T, hook: F) -> Hooked<T, F> {
        Hooked {
            inner,
            hook,
            name: None,
        }
    }

    /// Describes itself as `name` instead of as `inner`.
    pub fn described_as(mut self, name: &str) -> Hooked<T, F> {
        self.name = Some(name.to_string());
        self
    }
}

impl<T, F> Transport for Hooked<T, F>
where
    T: Transport,
    F: FnMut(&mut T, &[u8], DataDirection<'_>, Duration) -> Result<Completion> + Send,
{
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<Completion> {
        (self.hook)(&mut self.inner, cdb, data, timeout)
    }

    fn describe(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.inner.describe())
    }
}
