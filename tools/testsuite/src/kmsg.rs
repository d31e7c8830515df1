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

    #[test]
    fn escapes_are_undone_and_garbage_is_refused() {
        assert_eq!(parse_record("6,1,0,-;a\\x09b").unwrap().text, "a\tb");
        assert_eq!(parse_record("no header here"), None);
        assert_eq!(parse_record("x,1,0,-;text"), None);
    }
}
