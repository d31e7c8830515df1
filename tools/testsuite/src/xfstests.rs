// SPDX-License-Identifier: GPL-2.0
//! The xfstests report: reads what `./check` left in each file system's `RESULT_BASE`
//! (`check.log`, `check.time`, `generic/NNN.{notrun,out.bad,dmesg,full}`) and the runner's
//! notes (`generic/NNN.timeout`, `runtime`), and renders one reST table with the file
//! systems side by side. See Documentation/xfstests.rst.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// What happened to one test on one file system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Passed, with the seconds xfstests measured when known.
    Pass(Option<u64>),
    /// Failed, with why.
    Fail(String),
    /// Not run, with xfstests' reason.
    NotRun(String),
    /// Killed by the runner's time limit (seconds): unfinished, neither passed nor failed.
    Killed(u64),
    /// Never started: the run ended (budget, VM timeout) before its turn.
    NotReached,
}

impl Status {
    fn cell(&self) -> String {
        match self {
            Status::Pass(Some(s)) => format!("pass ({s} s)"),
            Status::Pass(None) => "pass".into(),
            Status::Fail(_) => "**FAIL**".into(),
            Status::NotRun(_) => "not run".into(),
            Status::Killed(_) => "time limit".into(),
            Status::NotReached => "not reached".into(),
        }
    }

    fn reason(&self) -> Option<String> {
        match self {
            Status::Fail(r) | Status::NotRun(r) => Some(r.clone()),
            Status::Killed(s) => Some(format!("killed after {s} s, unfinished")),
            _ => None,
        }
    }
}

/// The lists of `check.log`, test name to the last verdict given: `Ran:`, then `Not run:`
/// and `Failures:` of the same run override it. Also the last `Kernel version:`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CheckLog {
    pub verdicts: BTreeMap<String, Verdict>,
    pub kernel: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Ran,
    NotRun,
    Failed,
}

pub fn parse_check_log(text: &str) -> CheckLog {
    let mut log = CheckLog::default();
    for line in text.lines() {
        let (verdict, rest) = if let Some(r) = line.strip_prefix("Ran:") {
            (Verdict::Ran, r)
        } else if let Some(r) = line.strip_prefix("Not run:") {
            (Verdict::NotRun, r)
        } else if let Some(r) = line.strip_prefix("Failures:") {
            (Verdict::Failed, r)
        } else {
            if let Some(k) = line.strip_prefix("Kernel version:") {
                log.kernel = Some(k.trim().to_string());
            }
            continue;
        };
        for test in rest.split_whitespace() {
            log.verdicts.insert(test.to_string(), verdict);
        }
    }
    log
}

/// `check.time`: "generic/001 12" per passed test.
pub fn parse_check_time(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.parse().ok()?))
        })
        .collect()
}

/// One file system's results.
#[derive(Debug, Default)]
pub struct FsResults {
    pub fstyp: String,
    pub status: BTreeMap<String, Status>,
    /// Wall time of all `./check` runs, in seconds.
    pub runtime: u64,
    pub kernel: Option<String>,
}

fn read(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok()
}

/// What a test xfstests counted as failed is: killed by the runner's time limit (the
/// `.timeout` marker), or a failure, with why, from the files xfstests left in DIR.
fn failed(dir: &Path, test: &str) -> Status {
    let file = |ext: &str| dir.join(format!("{test}.{ext}"));
    // A kernel warning is a failure even when the test was also cut short.
    if !file("dmesg").exists() {
        if let Some(limit) = read(&file("timeout")).and_then(|s| s.trim().parse().ok()) {
            return Status::Killed(limit);
        }
    }
    Status::Fail(fail_reason(dir, test))
}

fn fail_reason(dir: &Path, test: &str) -> String {
    let file = |ext: &str| dir.join(format!("{test}.{ext}"));
    if file("dmesg").exists() {
        return format!("the kernel logged a warning ({test}.dmesg)");
    }
    let full = read(&file("full")).unwrap_or_default();
    if full.contains("is inconsistent") {
        return format!("fsck found the file system inconsistent afterwards ({test}.full)");
    }
    if file("out.bad").exists() {
        return format!("output differs from the golden output ({test}.out.bad)");
    }
    format!("failed ({test}.full)")
}

/// Reads DIR (a `RESULT_BASE`) for the TESTS that were selected.
pub fn load(fstyp: &str, dir: &Path, tests: &[String]) -> FsResults {
    let log = parse_check_log(&read(&dir.join("check.log")).unwrap_or_default());
    let times = parse_check_time(&read(&dir.join("check.time")).unwrap_or_default());
    let mut status = BTreeMap::new();
    for test in tests {
        let s = match log.verdicts.get(test) {
            None => Status::NotReached,
            Some(Verdict::NotRun) => {
                let why = read(&dir.join(format!("{test}.notrun"))).unwrap_or_default();
                Status::NotRun(
                    why.lines()
                        .next()
                        .unwrap_or("(no reason given)")
                        .trim()
                        .into(),
                )
            }
            Some(Verdict::Failed) => failed(dir, test),
            Some(Verdict::Ran) => Status::Pass(times.get(test).copied()),
        };
        status.insert(test.clone(), s);
    }
    let runtime = read(&dir.join("runtime"))
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    FsResults {
        fstyp: fstyp.into(),
        status,
        runtime,
        kernel: log.kernel,
    }
}

/// Counts: passed, failed, not run, killed by the time limit, not reached.
pub fn counts(r: &FsResults) -> [usize; 5] {
    let mut c = [0; 5];
    for s in r.status.values() {
        c[match s {
            Status::Pass(_) => 0,
            Status::Fail(_) => 1,
            Status::NotRun(_) => 2,
            Status::Killed(_) => 3,
            Status::NotReached => 4,
        }] += 1;
    }
    c
}

/// The note of the reasons that ask for more space than the disks have.
const LARGER_DISKS: &str = "nothing in bouncefs: larger disks (XFSTESTS_DISK_MB)";

/// What bouncefs would need for tests xfstests does not run, by a piece of the reason
/// xfstests gives (`_notrun` in its `common/`); the first match wins.
const SUPPORT: &[(&str, &str)] = &[
    (
        "Reflink not supported",
        "shared extents: per-block reference counts in the format and remap_file_range \
         (FICLONE, FICLONERANGE, FIDEDUPERANGE) with copy-on-write in the write paths",
    ),
    (
        "not supported in _scratch_mkfs_sized",
        "nothing in bouncefs: mkfs.bouncefs DEV BLOCKS takes a size; the guest script \
         found no fallback in this checkout's _try_scratch_mkfs_sized to add bouncefs to \
         (the log says so): xfstests needs a bouncefs case there (upstream)",
    ),
    (
        "xfs_io fpunch",
        "FALLOC_FL_PUNCH_HOLE: freeing blocks inside an extent (splitting it within the \
         bounded extent list) and invalidating the page cache of the range",
    ),
    (
        "xfs_io fzero",
        "FALLOC_FL_ZERO_RANGE: punching plus preallocating unwritten, zeroed extents",
    ),
    (
        "xfs_io finsert",
        "FALLOC_FL_INSERT_RANGE and COLLAPSE_RANGE: shifting the file blocks of every \
         later extent",
    ),
    (
        "quota",
        "disk quotas: quota files or inodes in the format and dquot accounting on \
         allocation",
    ),
    (
        "does not support shutdown",
        "FS_IOC_SHUTDOWN, useful only with a journal to recover from (bouncefs has none)",
    ),
    (
        "shutdown not supported",
        "FS_IOC_SHUTDOWN, useful only with a journal to recover from (bouncefs has none)",
    ),
    (
        "swapfile",
        "swap_activate (iomap_swapfile_activate over the mapping function)",
    ),
    (
        "atomic",
        "RWF_ATOMIC: statx atomic write limits and aligned, unsplit block allocation",
    ),
    (
        "metadata journaling",
        "a journal: bouncefs writes metadata in place and relies on fsck after a crash",
    ),
    ("freezing", "freeze_fs/unfreeze_fs in the super operations"),
    (
        "attr namespace",
        "extended attributes: xattr handlers (s_xattr) and room for them in the format \
         (an attribute block per inode, checked by fsck)",
    ),
    (
        "requires dm ",
        "nothing in bouncefs: the device-mapper target in the test kernel \
         (CONFIG_BLK_DEV_DM and the target, tools/kconfig/20-test.config); the flakey \
         tests then check what survives a crash, which bouncefs, without a journal, \
         leaves to fsck",
    ),
    (
        "LOGWRITES_DEV",
        "nothing in bouncefs: a dm-log-writes device (CONFIG_DM_LOG_WRITES) named by \
         LOGWRITES_DEV in the configuration",
    ),
    (
        "delayed allocation",
        "delayed allocation: buffered writes reserve space and allocate at writeback \
         (iomap's delalloc punch helpers and a reservation counter)",
    ),
    (
        "transparent hugepages",
        "CONFIG_TRANSPARENT_HUGEPAGE in the test kernel, then large folios in \
         bouncefs' page cache (mapping_set_large_folios)",
    ),
    (
        "MADV_COLLAPSE",
        "nothing in bouncefs: an fsx built against headers with MADV_COLLAPSE",
    ),
    (
        "chattr",
        "the inode flag behind the attribute (fileattr_get/fileattr_set)",
    ),
    (
        "userspace hibernation",
        "nothing in bouncefs: a test kernel without CONFIG_HIBERNATION_SNAPSHOT_DEV (the \
         test writes to an active swap device, which /dev/snapshot's presence rules out)",
    ),
    ("GB free", LARGER_DISKS),
    ("too small", LARGER_DISKS),
    ("Not enough space", LARGER_DISKS),
    (
        "congruent",
        "nothing: the test needs a larger file allocation unit than its I/O size",
    ),
];

/// What supporting the tests xfstests did not run for `reason` would take.
pub fn support_note(reason: &str) -> &'static str {
    SUPPORT
        .iter()
        .find(|(key, _)| reason.contains(key))
        .map_or("not analysed", |(_, note)| note)
}

/// Inline reST markup characters in free text (xfstests' reasons) taken literally.
fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '`' | '_' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A reST simple table; the last column may be as wide as it likes.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let n = header.len();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count().max(1)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(n - 1) {
            width[i] = width[i].max(cell.chars().count());
        }
    }
    let last = rows
        .iter()
        .map(|r| r[n - 1].chars().count())
        .chain([header[n - 1].chars().count(), 6])
        .max()
        .unwrap_or(6);
    width[n - 1] = last;
    let rule = width
        .iter()
        .map(|w| "=".repeat(*w))
        .collect::<Vec<_>>()
        .join("  ");
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 < n {
                let _ = write!(s, "{c:<w$}  ", w = width[i]);
            } else {
                s.push_str(c);
            }
        }
        s.trim_end().to_string()
    };
    let mut out = format!("{rule}\n");
    out += &line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    out += &format!("\n{rule}\n");
    for row in rows {
        // An empty first cell would continue the previous row.
        let mut row = row.clone();
        if row[0].is_empty() {
            row[0] = "..".into();
        }
        out += &line(&row);
        out.push('\n');
    }
    out += &rule;
    out.push('\n');
    out
}

/// What the report says about the run, besides the results.
pub struct RunInfo<'a> {
    /// When the run started.
    pub date: &'a str,
    /// The xfstests version (`git describe`) or checkout path.
    pub source: &'a str,
    /// What TEST_DEV and SCRATCH_DEV were.
    pub disks: &'a str,
    /// How the VMs ran the file systems, and the wall time.
    pub vms: &'a str,
}

/// The report: totals, then one row per test, then the not-run reasons of the first file
/// system with their tests.
pub fn render(all: &[FsResults], tests: &[String], info: &RunInfo) -> String {
    let mut out = String::new();
    let kernel = all
        .iter()
        .find_map(|r| r.kernel.clone())
        .unwrap_or_else(|| "unknown".into());
    let _ = writeln!(
        out,
        "Run of {} on kernel {}, xfstests {}: {} tests selected; TEST_DEV and SCRATCH_DEV \
         on {}; {}.\n",
        info.date,
        escape(&kernel),
        escape(info.source),
        tests.len(),
        escape(info.disks),
        escape(info.vms)
    );
    let mut header = vec!["result"];
    header.extend(all.iter().map(|r| r.fstyp.as_str()));
    let names = ["passed", "failed", "not run", "time limit", "not reached"];
    let mut rows: Vec<Vec<String>> = (0..5)
        .map(|i| {
            let mut row = vec![names[i].to_string()];
            row.extend(all.iter().map(|r| counts(r)[i].to_string()));
            row
        })
        .collect();
    let mut rt = vec!["runtime".to_string()];
    rt.extend(all.iter().map(|r| format!("{} s", r.runtime)));
    rows.push(rt);
    out += &table(&header, &rows);

    let mut header = vec!["test"];
    header.extend(all.iter().map(|r| r.fstyp.as_str()));
    header.push("reason");
    let rows: Vec<Vec<String>> = tests
        .iter()
        .map(|t| {
            let mut row = vec![t.clone()];
            let mut reasons: Vec<String> = Vec::new();
            for r in all {
                let s = r.status.get(t).cloned().unwrap_or(Status::NotReached);
                row.push(s.cell());
                if let Some(why) = s.reason() {
                    let why = escape(&why);
                    // The same reason on every file system is said once.
                    if !reasons.iter().any(|x| x.ends_with(&why)) {
                        reasons.push(format!("{}: {why}", r.fstyp));
                    }
                }
            }
            row.push(reasons.join("; "));
            row
        })
        .collect();
    out.push('\n');
    out += &table(&header, &rows);

    if let Some(first) = all.first() {
        let mut by_reason: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (t, s) in &first.status {
            if let Status::NotRun(why) = s {
                by_reason.entry(why).or_default().push(t);
            }
        }
        if !by_reason.is_empty() {
            let _ = writeln!(
                out,
                "\nNot run on {}, by reason, and what supporting it would take:\n",
                first.fstyp
            );
            let rows: Vec<Vec<String>> = by_reason
                .iter()
                .map(|(why, ts)| {
                    vec![
                        ts.len().to_string(),
                        escape(why),
                        ts.join(" "),
                        escape(support_note(why)),
                    ]
                })
                .collect();
            out += &table(&["tests", "reason", "which", "what it would take"], &rows);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "
Kernel version: 7.2.13
Tue Nov 24 12:00:00 UTC 2026
Ran: generic/001 generic/002 generic/003
Not run: generic/002
Failures: generic/003
Failed 1 of 3 tests

Kernel version: 7.2.13-bouncefs
Ran: generic/004
Passed all 1 tests
";

    #[test]
    fn check_log_later_lists_override_ran() {
        let log = parse_check_log(LOG);
        assert_eq!(log.kernel.as_deref(), Some("7.2.13-bouncefs"));
        assert_eq!(log.verdicts["generic/001"], Verdict::Ran);
        assert_eq!(log.verdicts["generic/002"], Verdict::NotRun);
        assert_eq!(log.verdicts["generic/003"], Verdict::Failed);
        assert_eq!(log.verdicts["generic/004"], Verdict::Ran);
        assert_eq!(log.verdicts.len(), 4);
    }

    #[test]
    fn check_time_skips_garbage() {
        let t = parse_check_time("generic/001 12\nbad\ngeneric/002 x\ngeneric/003 0\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t["generic/001"], 12);
        assert_eq!(t["generic/003"], 0);
    }

    fn tmpdir(name: &str) -> std::path::PathBuf {
        let d =
            std::env::temp_dir().join(format!("bouncefs-xfstests-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("generic")).unwrap();
        d
    }

    #[test]
    fn load_reads_reasons_and_marks_unreached_tests() {
        let d = tmpdir("load");
        fs::write(d.join("check.log"), LOG).unwrap();
        fs::write(d.join("check.time"), "generic/001 7\n").unwrap();
        fs::write(
            d.join("generic/002.notrun"),
            "Filesystem bouncefs not supported in _scratch_mkfs_sized\n",
        )
        .unwrap();
        fs::write(d.join("generic/003.timeout"), "600\n").unwrap();
        fs::write(d.join("generic/003.out.bad"), "x\n").unwrap();
        fs::write(d.join("runtime"), "321\n").unwrap();
        let tests: Vec<String> = [
            "generic/001",
            "generic/002",
            "generic/003",
            "generic/004",
            "generic/005",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let r = load("bouncefs", &d, &tests);
        assert_eq!(r.status["generic/001"], Status::Pass(Some(7)));
        assert_eq!(
            r.status["generic/002"],
            Status::NotRun("Filesystem bouncefs not supported in _scratch_mkfs_sized".into())
        );
        // The time limit explains the failure better than the output it cut short.
        assert_eq!(r.status["generic/003"], Status::Killed(600));
        assert_eq!(r.status["generic/004"], Status::Pass(None));
        assert_eq!(r.status["generic/005"], Status::NotReached);
        assert_eq!(counts(&r), [2, 0, 1, 1, 1]);
        assert_eq!(r.runtime, 321);
        // ... but not better than a kernel warning.
        fs::write(d.join("generic/003.dmesg"), "WARNING: x\n").unwrap();
        let r = load("bouncefs", &d, &tests);
        assert!(matches!(&r.status["generic/003"], Status::Fail(w) if w.contains("kernel logged")));
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn fail_reasons_in_order_of_precedence() {
        let d = tmpdir("fail");
        fs::write(
            d.join("generic/010.full"),
            "_check_generic_filesystem: filesystem on /dev/x is inconsistent\n",
        )
        .unwrap();
        fs::write(d.join("generic/010.out.bad"), "").unwrap();
        assert!(fail_reason(&d, "generic/010").starts_with("fsck found"));
        fs::write(d.join("generic/010.dmesg"), "WARNING: x").unwrap();
        assert!(fail_reason(&d, "generic/010").starts_with("the kernel logged"));
        assert!(fail_reason(&d, "generic/011").starts_with("failed"));
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn render_puts_file_systems_side_by_side() {
        let tests: Vec<String> = vec!["generic/001".into(), "generic/002".into()];
        let mut a = FsResults {
            fstyp: "bouncefs".into(),
            runtime: 10,
            kernel: Some("7.2.13".into()),
            ..Default::default()
        };
        a.status.insert(tests[0].clone(), Status::Pass(Some(3)));
        a.status.insert(
            tests[1].clone(),
            Status::NotRun("xfs_io fpunch failed (old kernel/wrong fs?)".into()),
        );
        let mut b = FsResults {
            fstyp: "xfs".into(),
            runtime: 12,
            ..Default::default()
        };
        b.status
            .insert(tests[0].clone(), Status::Fail("output differs".into()));
        b.status.insert(
            tests[1].clone(),
            Status::NotRun("xfs_io fpunch failed (old kernel/wrong fs?)".into()),
        );
        let text = render(
            &[a, b],
            &tests,
            &RunInfo {
                date: "2026-11-24",
                source: "v2026",
                disks: "scsi_debug disks",
                vms: "one VM per file system",
            },
        );
        assert!(
            text.contains("kernel 7.2.13, xfstests v2026: 2 tests selected"),
            "{text}"
        );
        assert!(text.contains("passed       1         0"), "{text}");
        assert!(text.contains("runtime      10 s      12 s"), "{text}");
        assert!(
            text.contains("generic/001  pass (3 s)  **FAIL**  xfs: output differs"),
            "{text}"
        );
        // Escaped for reST, and said once when both file systems give it.
        assert!(
            text.contains("not run   bouncefs: xfs\\_io fpunch failed (old kernel/wrong fs?)\n"),
            "{text}"
        );
        assert!(
            text.contains("Not run on bouncefs, by reason, and what supporting it would take:"),
            "{text}"
        );
        assert!(
            text.contains("on scsi\\_debug disks; one VM per file system."),
            "{text}"
        );
        assert!(text.contains("FALLOC\\_FL\\_PUNCH\\_HOLE"), "{text}");
    }

    #[test]
    fn support_notes_match_xfstests_reasons() {
        assert!(
            support_note("Reflink not supported by scratch filesystem type: bouncefs")
                .contains("remap_file_range")
        );
        assert!(support_note("xfs_io fzero  failed (old kernel/wrong fs?)").contains("ZERO_RANGE"));
        assert!(support_note("This test requires dm flakey support").contains("CONFIG_BLK_DEV_DM"));
        assert!(
            support_note("test requires delayed allocation buffered writes").contains("writeback")
        );
        assert!(support_note(
            "attr namespace user not supported by this filesystem type: bouncefs"
        )
        .contains("xattr"));
        assert_eq!(support_note("something new"), "not analysed");
    }

    #[test]
    fn table_rows_never_start_empty() {
        let t = table(&["", "x"], &[vec!["".into(), "1".into()]]);
        assert!(t.contains("\n..  1\n"), "{t}");
    }
}
