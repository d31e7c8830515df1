// SPDX-License-Identifier: GPL-2.0
//! Kernel health: which kernel log lines mean a test broke the kernel.
//!
//! A test fails when, while it ran, the kernel logged a warning, a BUG, an oops, a KASAN,
//! KFENCE or UBSAN report, a lockdep report, a hung task, list or refcount corruption or a
//! Rust panic, a page cache that direct I/O could not invalidate (stale data), or a kmemleak
//! report. Protection-information errors (`GUARD check failed`, `protection error`) are
//! not splats: some tests provoke them on purpose and check for them themselves.

/// A kernel log line that marks a splat, and what kind it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splat {
    /// What kind of report this is (`KASAN report`, `lockdep report`...).
    pub kind: &'static str,
    /// The log line itself.
    pub line: String,
}

/// Messages that begin a splat when a log line starts with them.
const PREFIXES: &[(&str, &str)] = &[
    ("WARNING: possible", "lockdep report"),
    ("WARNING: inconsistent lock state", "lockdep report"),
    ("WARNING: suspicious RCU usage", "lockdep report"),
    ("WARNING: bad unlock balance", "lockdep report"),
    ("WARNING: held lock freed", "lockdep report"),
    (
        "WARNING: lock held when returning to user space",
        "lockdep report",
    ),
    ("WARNING:", "kernel warning"),
    ("BUG: KASAN:", "KASAN report"),
    ("BUG: KFENCE:", "KFENCE report"),
    (
        "BUG: sleeping function called from invalid context",
        "atomic-sleep report",
    ),
    ("BUG:", "kernel BUG"),
    ("INFO: task ", "hung task"),
    ("INFO: possible", "lockdep report"),
    ("INFO: trying to register non-static key", "lockdep report"),
    ("UBSAN:", "UBSAN report"),
    ("Oops:", "oops"),
    ("Kernel panic", "kernel panic"),
    ("refcount_t:", "refcount error"),
];

/// Messages that mark a splat wherever they appear in a line.
const FRAGMENTS: &[(&str, &str)] = &[
    ("kernel BUG at", "kernel BUG"),
    ("general protection fault", "oops"),
    ("Unable to handle kernel", "oops"),
    ("panicked at", "Rust panic"),
    ("list_add corruption", "list corruption"),
    ("list_del corruption", "list corruption"),
    (
        "==================================================================",
        "KASAN/KFENCE report",
    ),
    ("Call Trace:", "stack trace"),
    // dio_warn_stale_pagecache(): a direct write could not invalidate cached pages of its
    // range, so the page cache now holds data the disk does not (data corruption).
    (
        "Page cache invalidation failure on direct I/O",
        "page cache invalidation failure",
    ),
    // kmemleak's own report after a scan found something.
    ("new suspected memory leaks", "kmemleak report"),
];

/// Returns the kind of splat `line` (one kernel log message, without the kmsg header) begins,
/// or `None` for an ordinary message.
pub fn classify(line: &str) -> Option<&'static str> {
    let text = line.trim_start();
    PREFIXES
        .iter()
        .find(|(prefix, _)| text.starts_with(prefix))
        .or_else(|| {
            FRAGMENTS
                .iter()
                .find(|(fragment, _)| text.contains(fragment))
        })
        .map(|&(_, kind)| kind)
}

/// Returns the splats among `lines`.
pub fn splats<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<Splat> {
    lines
        .into_iter()
        .filter_map(|line| {
            classify(line).map(|kind| Splat {
                kind,
                line: line.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_recognised() {
        let cases = [
            (
                "BUG: KASAN: slab-use-after-free in bouncefs_end_io+0x1c/0x40",
                "KASAN report",
            ),
            (
                "BUG: KFENCE: out-of-bounds read in test_kmalloc+0x4f/0x90",
                "KFENCE report",
            ),
            (
                "WARNING: CPU: 1 PID: 87 at fs/iomap/direct-io.c:520 iomap_dio_rw+0x5d/0x80",
                "kernel warning",
            ),
            (
                "WARNING: possible circular locking dependency detected",
                "lockdep report",
            ),
            ("WARNING: suspicious RCU usage", "lockdep report"),
            (
                "BUG: sleeping function called from invalid context at mm/slub.c:4130",
                "atomic-sleep report",
            ),
            (
                "BUG: unable to handle page fault for address: ffffc90000ebf000",
                "kernel BUG",
            ),
            (
                "Oops: general protection fault, probably for non-canonical address",
                "oops",
            ),
            (
                "rust_kernel: panicked at samples/rust/bouncefs/super.rs:42:9:",
                "Rust panic",
            ),
            ("kernel BUG at lib/list_debug.c:62!", "kernel BUG"),
            (
                "list_del corruption. next->prev should be ffff888003b0e4a0",
                "list corruption",
            ),
            (
                "INFO: task kworker/u4:1:33 blocked for more than 120 seconds.",
                "hung task",
            ),
            ("refcount_t: underflow; use-after-free.", "refcount error"),
            ("Call Trace:", "stack trace"),
            (
                "Page cache invalidation failure on direct I/O.  Possible data corruption due to collision with buffered I/O!",
                "page cache invalidation failure",
            ),
            (
                "kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
                "kmemleak report",
            ),
        ];
        for (line, kind) in cases {
            assert_eq!(classify(line), Some(kind), "{line}");
        }
    }

    #[test]
    fn ordinary_and_expected_messages_are_not_splats() {
        let lines = [
            "scsi_debug:dif_verify: GUARD check failed on sector 8 rcvd 0x2a3b, data 0x9c1d",
            "protection error, dev nvme0n1, sector 16 op 0x1:(WRITE) flags 0x8800 phys_seg 1 prio class 2",
            "nvme0n1: guard tag error at sector 24",
            "XFS (sda): Mounting V5 Filesystem 5c1d6d1b-6a3e-4a5c-9b0e-8a1f2e3d4c5b",
            "rust_bdev_report: sda: 512-byte logical blocks, 512 MiB, integrity T10-DIF-TYPE1-CRC",
            "KTAP version 1",
            "    ok 3 rust_doctest_kernel_alloc_kbox_rs_2",
            "bouncefs: warning: bounce=never on sda, which needs stable pages",
        ];
        assert!(splats(lines).is_empty());
    }

    #[test]
    fn splats_keep_their_lines_in_order() {
        let found = splats([
            "sd 0:0:0:0: [sda] Attached SCSI disk",
            "BUG: KASAN: use-after-free in foo",
            "Call Trace:",
        ]);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].kind, "KASAN report");
        assert_eq!(found[1].line, "Call Trace:");
    }
}
