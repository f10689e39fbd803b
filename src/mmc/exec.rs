//! Running one command: the retry policy real drives need and the one
//! place where a CHECK CONDITION becomes an [`Error`] naming the command.
//!
//! Retries live above [`Transport`] so that the emulated drive (which can
//! raise UNIT ATTENTION after load and "becoming ready") and SG_IO get the
//! same policy, and so that the recorder learns about media changes.

use std::thread;
use std::time::{Duration, Instant};

use super::cdb::{hex, op_name, Cdb};
use crate::error::{host_errno_code, Cause, Error, Result};
use crate::hresult::{
    MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, MS_E_IMAPI_RECORDER_MEDIA_BUSY,
    MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
};
use crate::scsi::sense::key;
use crate::scsi::{Completion, DataDirection, Sense, Status, Transport};

/// UNIT ATTENTION is reported once per event; a handful of repeats covers
/// a reset followed by a media change.
const UNIT_ATTENTION_RETRIES: u32 = 4;
/// How long a drive may stay "becoming ready" or BUSY before we give up
/// (spin-up after load takes up to ~20 s on real drives).
const READY_DEADLINE: Duration = Duration::from_secs(30);
const FIRST_WAIT: Duration = Duration::from_millis(10);
const LONGEST_WAIT: Duration = Duration::from_millis(500);

/// A transport plus the MMC retry and sense policy, counting what it sends.
pub struct Drive<'t> {
    transport: &'t mut dyn Transport,
    media_changed: bool,
    sent: u32,
}

impl<'t> Drive<'t> {
    pub fn new(transport: &'t mut dyn Transport) -> Drive<'t> {
        Drive {
            transport,
            media_changed: false,
            sent: 0,
        }
    }

    /// Runs a typed CDB with its own timeout; returns the bytes moved.
    pub fn run(&mut self, cdb: &Cdb, data: DataDirection<'_>) -> Result<usize> {
        self.run_raw(cdb.as_bytes(), data, cdb.timeout())
    }

    /// Runs raw CDB bytes. A CHECK CONDITION becomes
    /// `Err(sense.to_hresult(), "OPNAME: 5/21/02 invalid address for write (…)")`.
    pub fn run_raw(
        &mut self,
        cdb: &[u8],
        mut data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<usize> {
        let Some(&opcode) = cdb.first() else {
            return Err(Error::misuse(
                crate::hresult::MS_E_INVALIDARG,
                "empty CDB: a command needs at least an operation code",
            ));
        };
        let name = op_name(opcode);
        let started = Instant::now();
        let mut wait = FIRST_WAIT;
        let mut attentions = 0;
        loop {
            let length = data.len();
            self.sent += 1;
            let sent_at = Instant::now();
            let completion = self.transport.execute(cdb, data.reborrow(), timeout);
            if super::trace::observed() {
                self.report(cdb, &completion, sent_at.elapsed());
            }
            let completion = completion.map_err(|e| e.context(name))?;
            // Falling out of the match means "wait, then try again".
            match completion.status {
                Status::Good => return Ok(length.saturating_sub(completion.residual)),
                Status::Busy => {}
                Status::Other(status) => {
                    return Err(Error::new(
                        MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
                        format!(
                            "{name} [{}]: SCSI status {status:#04X} on {}",
                            hex(cdb),
                            self.transport.describe()
                        ),
                    ))
                }
                Status::CheckCondition => {
                    let Some(sense) = completion.decoded_sense() else {
                        return Err(Error::new(
                            MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                            format!(
                                "{name}: CHECK CONDITION with unreadable sense [{}] on {}",
                                hex(&completion.sense),
                                self.transport.describe()
                            ),
                        ));
                    };
                    if sense.key == key::UNIT_ATTENTION {
                        // Reported once per event: retry at once.
                        self.media_changed = true;
                        attentions += 1;
                        if attentions <= UNIT_ATTENTION_RETRIES {
                            continue;
                        }
                        return Err(self.sense_error(name, cdb, sense));
                    }
                    if sense != Sense::BECOMING_READY {
                        return Err(self.sense_error(name, cdb, sense));
                    }
                }
            }
            if started.elapsed() + wait > READY_DEADLINE {
                return Err(Error::new(
                    MS_E_IMAPI_RECORDER_MEDIA_BUSY,
                    format!(
                        "{name}: {} stayed busy or becoming ready for {} s",
                        self.transport.describe(),
                        READY_DEADLINE.as_secs()
                    ),
                ));
            }
            thread::sleep(wait);
            wait = (wait * 2).min(LONGEST_WAIT);
        }
    }

    fn report(&self, cdb: &[u8], completion: &Result<Completion>, elapsed: Duration) {
        let device = self.transport.describe();
        let failure = completion.as_ref().err().map(|e| e.to_string());
        let (status, sense) = match completion {
            Ok(c) => (
                Some(match c.status {
                    Status::Good => 0x00,
                    Status::CheckCondition => 0x02,
                    Status::Busy => 0x08,
                    Status::Other(b) => b,
                }),
                c.sense.as_slice(),
            ),
            Err(_) => (None, &[][..]),
        };
        super::trace::report(&super::trace::CommandTrace {
            cdb,
            status,
            sense,
            failure: failure.as_deref(),
            elapsed,
            device: &device,
        });
    }

    /// The error for a CHECK CONDITION; when the target knows the host
    /// cause (a full file system under an emulated disc) and it has a
    /// code of its own, that code and cause win, since that is what the
    /// user can act on. Its words are added in any case.
    fn sense_error(&mut self, name: &str, cdb: &[u8], sense: Sense) -> Error {
        let detail = format!(
            "{name}: {sense} {} [CDB {}] on {}",
            sense.description(),
            hex(cdb),
            self.transport.describe()
        );
        let Some(host) = self.transport.take_host_cause() else {
            return sense.to_error(detail);
        };
        let detail = format!("{detail}: {}", host.detail());
        match host.cause() {
            Cause::Io {
                errno: Some(errno), ..
            } if host_errno_code(errno).is_some() => {
                Error::with_cause(host.code(), host.cause(), detail)
            }
            _ => sense.to_error(detail),
        }
    }

    /// A UNIT ATTENTION was seen: the medium may have changed.
    pub fn media_changed(&self) -> bool {
        self.media_changed
    }

    /// CDBs handed to the transport, retries included.
    pub fn commands_sent(&self) -> u32 {
        self.sent
    }

    pub fn describe(&self) -> String {
        self.transport.describe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hresult::*;
    use crate::scsi::Completion;
    use crate::testing::TableDrive;

    #[test]
    fn unit_attention_is_retried_and_remembered() {
        let mut t = TableDrive::script(vec![
            (Completion::check_condition(Sense::MEDIUM_CHANGED), vec![]),
            (Completion::good(), vec![1, 2, 3]),
        ]);
        let mut d = Drive::new(&mut t);
        let mut buf = [0u8; 8];
        let n = d
            .run(
                &crate::mmc::cdb::test_unit_ready(),
                DataDirection::FromDevice(&mut buf),
            )
            .unwrap();
        assert_eq!(n, 3);
        assert!(d.media_changed());
        assert_eq!(d.commands_sent(), 2);
    }

    #[test]
    fn becoming_ready_is_waited_out() {
        let mut t = TableDrive::script(vec![
            (Completion::check_condition(Sense::BECOMING_READY), vec![]),
            (Completion::check_condition(Sense::BECOMING_READY), vec![]),
            (Completion::good(), vec![]),
        ]);
        let mut d = Drive::new(&mut t);
        d.run(&crate::mmc::cdb::test_unit_ready(), DataDirection::None)
            .unwrap();
        assert_eq!(d.commands_sent(), 3);
        assert!(!d.media_changed());
    }

    #[test]
    fn check_condition_names_command_and_sense() {
        let mut t = TableDrive::script(vec![(
            Completion::check_condition(Sense::INVALID_ADDRESS_FOR_WRITE),
            vec![],
        )]);
        let mut d = Drive::new(&mut t);
        let e = d
            .run(
                &crate::mmc::cdb::write10(5, 1),
                DataDirection::ToDevice(&[0; 2048]),
            )
            .unwrap_err();
        assert_eq!(e.code(), Sense::INVALID_ADDRESS_FOR_WRITE.to_hresult());
        assert!(
            e.detail()
                .starts_with("WRITE(10): 5/21/02 invalid address for write"),
            "{}",
            e.detail()
        );
    }

    #[test]
    fn endless_unit_attention_gives_up() {
        let replies = (0..=UNIT_ATTENTION_RETRIES)
            .map(|_| (Completion::check_condition(Sense::POWER_ON_RESET), vec![]))
            .collect();
        let mut t = TableDrive::script(replies);
        let mut d = Drive::new(&mut t);
        let e = d
            .run(&crate::mmc::cdb::test_unit_ready(), DataDirection::None)
            .unwrap_err();
        assert_eq!(e.code(), MS_E_IMAPI_RECORDER_MEDIA_BECOMING_READY);
        assert!(d.media_changed());
    }

    #[test]
    fn unreadable_sense_is_an_invalid_response() {
        let mut c = Completion::check_condition(Sense::NO_MEDIUM);
        c.sense = vec![0x10, 0, 0];
        let mut t = TableDrive::script(vec![(c, vec![])]);
        let e = Drive::new(&mut t)
            .run(&crate::mmc::cdb::test_unit_ready(), DataDirection::None)
            .unwrap_err();
        assert_eq!(e.code(), MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    }
}
