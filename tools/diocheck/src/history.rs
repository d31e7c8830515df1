// SPDX-License-Identifier: GPL-2.0

//! What concurrent writers and truncaters did to one file, on one clock, and what a
//! sector read from it may therefore hold: the judge of `truncate-race`.
//!
//! Every write and truncate takes a clock tick when it starts (before its system call) and
//! one when it ends (after the call returned); a read takes one before and one after its
//! call. At a file offset `o`, a write covering `o` puts its version there, and a truncate
//! to a length `<= o` puts zeroes there (the file's original size acts as a truncate at
//! time 0, so offsets past it start as zeroes). A correct file system makes each of these
//! atomic per sector, so a sector read at `o` between ticks `rs` (read start) and `re`
//! (read end) must hold the content of some event `E` at `o` such that:
//!
//! 1. `E` started before the read ended (`E.start < re`): no data from the future; and
//! 2. `E` is not superseded: no other event `F` at `o` lies wholly between `E` and the
//!    read (`E.end < F.start` and `F.end < rs`). Such an `F` happened after `E` for
//!    certain and before the read for certain, so `E`'s content cannot be there any more.
//!
//! So data written before a truncate to below its offset, and not rewritten since, is a
//! failure once that truncate has returned ("old data reappearing"), and so is a version
//! older than a completed overwrite, and zeroes where data was written after the last
//! truncate below that offset (lost data). A write that raced with a truncate (their
//! intervals overlap) may legitimately survive it or be cut by it, and is accepted either
//! way; so is anything a read racing with an event returns from before or after it. The
//! rule never refuses what a correct file system can return, and after all threads have
//! finished (every event ended before `rs`) it leaves only the content of the last event at
//! each offset, or of the last few where they overlapped in time.

use crate::{
    buffer::Aligned,
    pattern::{Pattern, Sector, SECTOR},
};
use std::{fs::File, os::unix::fs::FileExt, path::Path, sync::Mutex};

/// The end tick of an event still in flight: later than any read's start, so an event in
/// flight supersedes nothing and is superseded by nothing yet.
const IN_FLIGHT: u64 = u64::MAX;

#[derive(Debug, Clone, Copy)]
enum Op {
    Write { pos: u64, len: u64, version: u32 },
    Truncate { len: u64 },
}

#[derive(Debug, Clone, Copy)]
struct Event {
    op: Op,
    start: u64,
    end: u64,
}

impl Event {
    /// Whether the event decides the content at offset `o`.
    fn covers(&self, o: u64) -> bool {
        match self.op {
            Op::Write { pos, len, .. } => (pos..pos + len).contains(&o),
            Op::Truncate { len } => o >= len,
        }
    }

    /// What it leaves at an offset it covers.
    fn content(&self) -> Sector {
        match self.op {
            Op::Write { version, .. } => Sector::Version(version),
            Op::Truncate { .. } => Sector::Zero,
        }
    }

    fn describe(&self) -> String {
        let when = if self.end == IN_FLIGHT {
            format!("ticks {}..(in flight)", self.start)
        } else {
            format!("ticks {}..{}", self.start, self.end)
        };
        match self.op {
            Op::Write { pos, len, version } => {
                format!(
                    "the write of version {version} to {pos}..{} ({when})",
                    pos + len
                )
            }
            Op::Truncate { len } => format!("the truncate to {len} ({when})"),
        }
    }
}

struct Log {
    clock: u64,
    events: Vec<Event>,
}

/// The events of one file (see the module documentation), shared by the threads.
pub struct History {
    log: Mutex<Log>,
}

/// An event begun with [`History::begin_write`] or [`History::begin_truncate`].
#[derive(Debug, Clone, Copy)]
pub struct Begun(usize);

impl History {
    /// The history of a file that holds `version` from 0 to `len` and nothing past it.
    pub fn new(len: u64, version: u32) -> Self {
        let at_zero = |op| Event {
            op,
            start: 0,
            end: 0,
        };
        Self {
            log: Mutex::new(Log {
                clock: 1,
                events: vec![
                    at_zero(Op::Write {
                        pos: 0,
                        len,
                        version,
                    }),
                    at_zero(Op::Truncate { len }),
                ],
            }),
        }
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        // A thread that panicked while holding the lock left the log consistent (every
        // change is a single push or store), so its poison is ignored.
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn begin(&self, op: Op) -> Begun {
        let mut log = self.log();
        let start = log.clock;
        log.clock += 1;
        log.events.push(Event {
            op,
            start,
            end: IN_FLIGHT,
        });
        Begun(log.events.len() - 1)
    }

    /// Records that a write of `version` to `len` bytes at `pos` is about to be issued.
    pub fn begin_write(&self, pos: u64, len: u64, version: u32) -> Begun {
        self.begin(Op::Write { pos, len, version })
    }

    /// Records that a truncate to `len` is about to be issued.
    pub fn begin_truncate(&self, len: u64) -> Begun {
        self.begin(Op::Truncate { len })
    }

    /// Records that an event's system call returned successfully.
    pub fn end(&self, event: Begun) {
        let mut log = self.log();
        let end = log.clock;
        log.clock += 1;
        if let Some(e) = log.events.get_mut(event.0) {
            e.end = end;
        }
    }

    /// A write that has completed (for simulated histories).
    pub fn write(&self, pos: u64, len: u64, version: u32) {
        let e = self.begin_write(pos, len, version);
        self.end(e);
    }

    /// A truncate that has completed (for simulated histories).
    pub fn truncate(&self, len: u64) {
        let e = self.begin_truncate(len);
        self.end(e);
    }

    /// A clock tick, for the start and the end of a read.
    pub fn now(&self) -> u64 {
        let mut log = self.log();
        log.clock += 1;
        log.clock - 1
    }

    /// Judges `buf`, read from `pos` by a read that started at tick `rs` and ended at
    /// tick `re`, sector by sector: the error names the first offset whose content that
    /// read cannot have seen on a correct file system, and why.
    pub fn check(
        &self,
        buf: &[u8],
        pattern: &Pattern,
        pos: u64,
        rs: u64,
        re: u64,
    ) -> Result<(), String> {
        let log = self.log();
        for (i, sector) in buf.chunks(SECTOR).enumerate() {
            let at = pos + (i * SECTOR) as u64;
            let content = pattern.classify(sector, at)?;
            judge(&log.events, at, content, rs, re)?;
        }
        Ok(())
    }

    /// The sizes the file may have once every event has ended: from the smallest to the
    /// largest. The last truncate sets the size, and writes that may come after it extend
    /// it: every write that started after it ended does, a write that overlapped it may.
    fn final_sizes(events: &[Event]) -> (u64, u64) {
        let truncates = events
            .iter()
            .filter(|e| matches!(e.op, Op::Truncate { .. }));
        // Truncates not superseded by a later truncate: with one truncator, the last one.
        let last = truncates
            .clone()
            .filter(|t| !truncates.clone().any(|u| t.end < u.start));
        let mut range: Option<(u64, u64)> = None;
        for t in last {
            let Op::Truncate { len } = t.op else {
                continue;
            };
            let (mut low, mut high) = (len, len);
            for w in events {
                if let Op::Write { pos, len, .. } = w.op {
                    if w.start > t.end {
                        low = low.max(pos + len);
                    }
                    if w.end >= t.start {
                        high = high.max(pos + len);
                    }
                }
            }
            range = Some(range.map_or((low, high), |(l, h)| (l.min(low), h.max(high))));
        }
        range.unwrap_or((0, u64::MAX))
    }

    /// Verifies the whole file once every writer and truncater has finished: its size
    /// agrees with the last truncate and the writes after it, and every sector, read with
    /// `O_DIRECT` (`file` must be open with it), holds what the history leaves there (the
    /// rule above, for a read that starts after everything ended); buffered reads (through
    /// `path`) see the same. Returns the size.
    pub fn verify_file(&self, file: &File, path: &Path, pattern: &Pattern) -> Result<u64, String> {
        let rs = self.now();
        let size = file
            .metadata()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        let (low, high) = Self::final_sizes(&self.log().events);
        if !(low..=high).contains(&size) {
            return Err(format!(
                "final size {size}: the last truncate and the writes after it allow only \
                 {low}..={high}"
            ));
        }
        let mut all = Vec::with_capacity(size as usize);
        let mut buf = Aligned::new(1 << 20);
        while (all.len() as u64) < size {
            let pos = all.len() as u64;
            let n = file
                .read_at(&mut buf, pos)
                .map_err(|e| format!("O_DIRECT read at {pos}: {e}"))?;
            if n == 0 {
                return Err(format!(
                    "O_DIRECT read at {pos} returned nothing, the size is {size}"
                ));
            }
            all.extend_from_slice(&buf[..n]);
        }
        let re = self.now();
        self.check(&all, pattern, 0, rs, re)
            .map_err(|e| format!("final content: {e}"))?;
        let buffered = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(d) = pattern.first_difference(&buffered, &all, 0) {
            return Err(format!("buffered read of the final content: {d}"));
        }
        Ok(size)
    }
}

/// The rule of the module documentation for one sector at offset `o` holding `content`.
fn judge(events: &[Event], o: u64, content: Sector, rs: u64, re: u64) -> Result<(), String> {
    let at_o = || events.iter().filter(|e| e.covers(o));
    // The latest start of an event at `o` that ended before the read started: every event
    // that ended before it is superseded.
    let supersedes = at_o().filter(|f| f.end < rs).max_by_key(|f| f.start);
    let cut = supersedes.map_or(0, |f| f.start);
    let same = || at_o().filter(|e| e.content() == content);
    if same().any(|e| e.start < re && e.end >= cut) {
        return Ok(());
    }
    let what = match content {
        Sector::Zero => "zeroes".to_string(),
        Sector::Version(v) => format!("version {v}"),
    };
    let Some(newest) = same().max_by_key(|e| e.start) else {
        return Err(match content {
            Sector::Zero => format!(
                "offset {o}: zeroes, but no truncate ever cut below this offset: written data lost"
            ),
            Sector::Version(v) => {
                format!("offset {o}: version {v}, which was never written at this offset")
            }
        });
    };
    if newest.start >= re {
        return Err(format!(
            "offset {o}: {what}, from {} that began after this read ended (tick {re})",
            newest.describe()
        ));
    }
    let Some(f) = supersedes else {
        return Err(format!("offset {o}: {what}, not allowed here"));
    };
    let why = match f.op {
        Op::Truncate { .. } => "old data reappearing after a truncate",
        Op::Write { .. } if content == Sector::Zero => "data lost",
        Op::Write { .. } => "stale data after an overwrite",
    };
    Err(format!(
        "offset {o}: {what}, left by {}, but {} ended after it and before this read began \
         (tick {rs}): {why}",
        newest.describe(),
        f.describe()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn sector(p: &Pattern, version: u32, at: u64) -> Vec<u8> {
        p.data(version, at, SECTOR)
    }

    /// Judges one sector as read by a read that starts now and ends at once.
    fn read(h: &History, p: &Pattern, data: &[u8], at: u64) -> Result<(), String> {
        let rs = h.now();
        let re = h.now();
        h.check(data, p, at, rs, re)
    }

    #[test]
    fn old_data_reappearing_after_a_truncate_is_refused() {
        let p = Pattern::new(1, "t");
        let h = History::new(4 * MIB, 1);
        assert_eq!(read(&h, &p, &sector(&p, 1, 2 * MIB), 2 * MIB), Ok(()));
        h.truncate(MIB);
        h.truncate(4 * MIB);
        let err = read(&h, &p, &sector(&p, 1, 2 * MIB), 2 * MIB).unwrap_err();
        assert!(err.contains("offset 2097152: version 1"), "{err}");
        assert!(
            err.contains("old data reappearing after a truncate"),
            "{err}"
        );
        assert_eq!(read(&h, &p, &[0; SECTOR], 2 * MIB), Ok(()));
        // Below the truncate the data stays, and zeroes there are lost data.
        assert_eq!(read(&h, &p, &sector(&p, 1, 4096), 4096), Ok(()));
        let err = read(&h, &p, &[0; SECTOR], 4096).unwrap_err();
        assert!(err.contains("no truncate ever cut below"), "{err}");
    }

    #[test]
    fn a_read_racing_the_truncate_may_see_either_side() {
        let p = Pattern::new(1, "t");
        let h = History::new(4 * MIB, 1);
        let rs = h.now();
        h.truncate(MIB);
        let re = h.now();
        let old = sector(&p, 1, 2 * MIB);
        assert_eq!(h.check(&old, &p, 2 * MIB, rs, re), Ok(()));
        assert_eq!(h.check(&[0; SECTOR], &p, 2 * MIB, rs, re), Ok(()));
    }

    #[test]
    fn a_write_racing_the_truncate_may_survive_it_or_not() {
        let p = Pattern::new(1, "t");
        let h = History::new(4 * MIB, 1);
        let w = h.begin_write(2 * MIB, 65536, 2);
        h.truncate(MIB);
        h.end(w);
        assert_eq!(read(&h, &p, &sector(&p, 2, 2 * MIB), 2 * MIB), Ok(()));
        assert_eq!(read(&h, &p, &[0; SECTOR], 2 * MIB), Ok(()));
        // But the data from before both is gone for certain.
        let err = read(&h, &p, &sector(&p, 1, 2 * MIB), 2 * MIB).unwrap_err();
        assert!(err.contains("old data reappearing"), "{err}");
        // A write after the truncate is what must be there.
        h.write(2 * MIB, 65536, 3);
        assert_eq!(read(&h, &p, &sector(&p, 3, 2 * MIB), 2 * MIB), Ok(()));
        let err = read(&h, &p, &[0; SECTOR], 2 * MIB).unwrap_err();
        assert!(err.contains("data lost"), "{err}");
        let err = read(&h, &p, &sector(&p, 2, 2 * MIB), 2 * MIB).unwrap_err();
        assert!(err.contains("stale data after an overwrite"), "{err}");
    }

    #[test]
    fn versions_never_written_or_from_the_future_are_refused() {
        let p = Pattern::new(1, "t");
        let h = History::new(MIB, 1);
        let err = read(&h, &p, &sector(&p, 9, 0), 0).unwrap_err();
        assert!(err.contains("never written"), "{err}");
        let rs = h.now();
        let re = h.now();
        h.write(0, 65536, 2);
        let err = h.check(&sector(&p, 2, 0), &p, 0, rs, re).unwrap_err();
        assert!(err.contains("began after this read ended"), "{err}");
    }

    #[test]
    fn the_final_size_follows_the_last_truncate_and_later_writes() {
        let h = History::new(4 * MIB, 1);
        assert_eq!(History::final_sizes(&h.log().events), (4 * MIB, 4 * MIB));
        h.truncate(MIB);
        h.write(2 * MIB, MIB, 2);
        assert_eq!(History::final_sizes(&h.log().events), (3 * MIB, 3 * MIB));
        let w = h.begin_write(5 * MIB, MIB, 3);
        h.truncate(MIB / 2);
        h.end(w);
        assert_eq!(History::final_sizes(&h.log().events), (MIB / 2, 6 * MIB));
    }
}
