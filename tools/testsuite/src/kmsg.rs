// SPDX-License-Identifier: GPL-2.0
//! The kernel log, read record by record from `/dev/kmsg`.
//!
//! `/dev/kmsg` gives every reader its own position, so the runner can collect exactly what
//! the kernel logged while one test ran (and, from position zero, since boot).

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::OpenOptionsExt;

/// `O_NONBLOCK` on Linux (x86, arm64, riscv): reads end with `EAGAIN` instead of waiting.
const O_NONBLOCK: i32 = 0o4000;
/// `EPIPE` from a read means records were overwritten before we read them.
const EPIPE: i32 = 32;

/// One kernel log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Syslog priority (0 emergency .. 7 debug).
    pub level: u8,
    /// Sequence number.
    pub seq: u64,
    /// The message, with the kernel's `\xNN` escapes undone for newlines and tabs.
    pub text: String,
}

/// Parses one `/dev/kmsg` record: `PRI,SEQ,USEC,FLAGS[,...];MESSAGE` followed by optional
/// ` KEY=VALUE` dictionary lines.
pub fn parse_record(raw: &str) -> Option<Record> {
    let (header, rest) = raw.split_once(';')?;
    let mut fields = header.split(',');
    let prio: u32 = fields.next()?.parse().ok()?;
    let seq: u64 = fields.next()?.parse().ok()?;
    let message = rest.split('\n').next().unwrap_or("");
    Some(Record {
        level: (prio & 7) as u8,
        seq,
        text: message.replace("\\x0a", "\n").replace("\\x09", "\t"),
    })
}

/// A source of kernel log records with its own read position.
pub trait KernelLog {
    /// Returns the records logged since the last call (or since boot on the first call).
    fn read_new(&mut self) -> std::io::Result<Vec<Record>>;
    /// Writes a line into the log, so a reader of dmesg sees which test ran when.
    fn mark(&mut self, line: &str);
}

/// The kernel log of the running kernel, `/dev/kmsg`.
pub struct Kmsg {
    file: File,
}

impl Kmsg {
    /// Opens `/dev/kmsg` positioned at the first record the kernel still holds (boot).
    pub fn open() -> std::io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(O_NONBLOCK)
            .open("/dev/kmsg")?;
        Ok(Self { file })
    }
}

impl KernelLog for Kmsg {
    fn read_new(&mut self) -> std::io::Result<Vec<Record>> {
        let mut records = Vec::new();
        // A record is at most about 8 KiB (`PRINTK_MESSAGE_MAX` plus dictionary).
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match self.file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if let Some(record) = parse_record(&String::from_utf8_lossy(&buf[..n])) {
                        records.push(record);
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                // Records were overwritten before we read them; the read position moved
                // to the oldest record left, and `LogReader` counts the gap in the sequence
                // numbers as lost records.
                Err(e) if e.raw_os_error() == Some(EPIPE) => continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(records)
    }

    fn mark(&mut self, line: &str) {
        // Best effort: a log without markers is still a log.
        let _ = self
            .file
            .write_all(format!("bouncefs-tests: {line}\n").as_bytes());
    }
}

/// Reads a kernel log and counts the records that were lost before they could be read
/// (overwritten in the ring buffer): a lost record may have been a splat.
pub struct LogReader<'a> {
    log: &'a mut dyn KernelLog,
    /// The sequence number the next record must have; `None` until one is known.
    next_seq: Option<u64>,
}

impl<'a> LogReader<'a> {
    /// A reader whose first record must be the first the kernel logged (sequence 0), as
    /// `/dev/kmsg` opened at boot gives.
    pub fn from_boot(log: &'a mut dyn KernelLog) -> Self {
        Self {
            log,
            next_seq: Some(0),
        }
    }

    /// A reader that starts wherever the log is.
    pub fn new(log: &'a mut dyn KernelLog) -> Self {
        Self {
            log,
            next_seq: None,
        }
    }

    /// Appends the records logged since the last read to `into`; returns how many records
    /// were lost in between.
    pub fn read_into(&mut self, into: &mut Vec<Record>) -> std::io::Result<u64> {
        let records = self.log.read_new()?;
        let mut lost = 0;
        for record in &records {
            if let Some(next) = self.next_seq {
                lost += record.seq.saturating_sub(next);
            }
            self.next_seq = Some(record.seq + 1);
        }
        into.extend(records);
        Ok(lost)
    }

    /// Writes a marker line into the log.
    pub fn mark(&mut self, line: &str) {
        self.log.mark(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_parsed() {
        let r =
            parse_record("4,1234,5678901,-;WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x1\n").unwrap();
        assert_eq!(r.level, 4);
        assert_eq!(r.seq, 1234);
        assert_eq!(r.text, "WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x1");
    }

    #[test]
    fn dictionary_lines_and_facility_are_dropped() {
        let r = parse_record("30,7,100,-,caller=T1;sd 0:0:0:0: [sda] Attached\n SUBSYSTEM=scsi\n DEVICE=+scsi:0:0:0:0\n").unwrap();
        assert_eq!(r.level, 6);
        assert_eq!(r.text, "sd 0:0:0:0: [sda] Attached");
    }

    /// A log that returns prepared batches of sequence numbers.
    struct Batches(Vec<Vec<u64>>);

    impl KernelLog for Batches {
        fn read_new(&mut self) -> std::io::Result<Vec<Record>> {
            let batch = if self.0.is_empty() {
                vec![]
            } else {
                self.0.remove(0)
            };
            Ok(batch
                .into_iter()
                .map(|seq| Record {
                    level: 6,
                    seq,
                    text: format!("record {seq}"),
                })
                .collect())
        }
        fn mark(&mut self, _: &str) {}
    }

    #[test]
    fn gaps_in_the_sequence_are_counted_as_lost() {
        let mut log = Batches(vec![vec![0, 1, 2], vec![3], vec![10, 11], vec![]]);
        let mut reader = LogReader::from_boot(&mut log);
        let mut got = vec![];
        assert_eq!(reader.read_into(&mut got).unwrap(), 0);
        assert_eq!(reader.read_into(&mut got).unwrap(), 0);
        // Records 4 to 9 were overwritten before this read (EPIPE).
        assert_eq!(reader.read_into(&mut got).unwrap(), 6);
        assert_eq!(reader.read_into(&mut got).unwrap(), 0);
        assert_eq!(got.len(), 6);
    }

    #[test]
    fn a_boot_log_that_does_not_start_at_zero_lost_records() {
        let mut log = Batches(vec![vec![5, 6]]);
        assert_eq!(
            LogReader::from_boot(&mut log)
                .read_into(&mut vec![])
                .unwrap(),
            5
        );
        let mut log = Batches(vec![vec![5, 6]]);
        assert_eq!(LogReader::new(&mut log).read_into(&mut vec![]).unwrap(), 0);
    }

    #[test]
    fn escapes_are_undone_and_garbage_is_refused() {
        assert_eq!(parse_record("6,1,0,-;a\\x09b").unwrap().text, "a\tb");
        assert_eq!(parse_record("no header here"), None);
        assert_eq!(parse_record("x,1,0,-;text"), None);
    }
}
