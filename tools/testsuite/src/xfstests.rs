// SPDX-License-Identifier: GPL-2.0
//! The xfstests report: reads what `./check` left in each file system's `RESULT_BASE`
//! (`check.log`, `check.time`, `generic/NNN.{notrun,out.bad,dmesg,full}`) and the runner's
//! notes (`generic/NNN.timeout`, `runtime`), and renders one reST table with the file
//! systems side by side. A [`Record`] keeps every verdict with the run that gave it, so runs
//! that each cover part of the selection (a session under TCG cannot run all of it) add up
//! to one report. See Documentation/xfstests.rst.

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
    /// The run (an index into the runs rendered) each verdict comes from; none: the only run.
    pub run: BTreeMap<String, usize>,
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
        run: BTreeMap::new(),
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
        "xfs_io funshare",
        "FALLOC_FL_UNSHARE_RANGE, which means something only with shared extents (reflink)",
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
        "write atomic not supported by this block device",
        "RWF_ATOMIC on a device without atomic writes (scsi_debug without atomic_wr): \
         out-of-place writes whose blocks are swapped in at completion, as XFS does with \
         its copy-on-write extents, which bouncefs' format does not have",
    ),
    (
        "multi-block atomic writes not supported",
        "RWF_ATOMIC over several blocks on a device without atomic writes: out-of-place \
         writes swapped in at completion, as XFS does with its copy-on-write extents, which \
         bouncefs' format does not have",
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

/// What the report says about a run, besides the results.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunInfo {
    /// When the run started; it names the run in the [`Record`].
    pub date: String,
    /// The kernel's release, from `check.log`.
    pub kernel: String,
    /// The xfstests version (`git describe`) or checkout path.
    pub source: String,
    /// The bouncefs version (`git describe` of this repository).
    pub commit: String,
    /// What TEST_DEV and SCRATCH_DEV were.
    pub disks: String,
    /// How the VMs ran the file systems, and the wall time.
    pub vms: String,
    /// Wall time of the `./check` runs per file system, in seconds.
    pub runtime: BTreeMap<String, u64>,
}

impl RunInfo {
    fn sentence(&self) -> String {
        format!(
            "kernel {}, xfstests {}, bouncefs {}; TEST_DEV and SCRATCH_DEV on {}; {}",
            escape(&self.kernel),
            escape(&self.source),
            escape(&self.commit),
            escape(&self.disks),
            escape(&self.vms)
        )
    }
}

/// A verdict as the record keeps it: a kind and its detail (seconds or reason).
fn to_fields(s: &Status) -> Option<(&'static str, String)> {
    Some(match s {
        Status::Pass(t) => ("pass", t.map_or_else(|| "-".into(), |t| t.to_string())),
        Status::Fail(r) => ("fail", r.clone()),
        Status::NotRun(r) => ("notrun", r.clone()),
        Status::Killed(l) => ("killed", l.to_string()),
        Status::NotReached => return None,
    })
}

fn from_fields(kind: &str, detail: &str) -> Option<Status> {
    Some(match kind {
        "pass" => Status::Pass(detail.parse().ok()),
        "fail" => Status::Fail(detail.into()),
        "notrun" => Status::NotRun(detail.into()),
        "killed" => Status::Killed(detail.parse().ok()?),
        _ => return None,
    })
}

/// A field of the record: tabs and line breaks of free text become spaces.
fn field(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// Every verdict of the runs so far, each with the run that gave it: the latest run with a
/// verdict for a test on a file system wins. Kept as a tab-separated file
/// (`Documentation/xfstests-results.tsv`) beside the report it renders:
///
/// ```text
/// run      DATE  KERNEL  XFSTESTS  BOUNCEFS  DISKS  VMS
/// runtime  DATE  FSTYP   SECONDS
/// result   DATE  FSTYP   TEST      pass|fail|notrun|killed  SECONDS|REASON|LIMIT
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The runs, oldest first.
    pub runs: Vec<RunInfo>,
    /// (file system, test) to the verdict and the date of its run.
    pub results: BTreeMap<(String, String), (Status, String)>,
}

impl Record {
    /// Reads a record; an error names the line that is not one.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut record = Record::default();
        for (n, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let bad = || format!("line {}: not a record line: {line}", n + 1);
            match f.as_slice() {
                ["run", date, kernel, source, commit, disks, vms] => {
                    record.runs.push(RunInfo {
                        date: date.to_string(),
                        kernel: kernel.to_string(),
                        source: source.to_string(),
                        commit: commit.to_string(),
                        disks: disks.to_string(),
                        vms: vms.to_string(),
                        runtime: BTreeMap::new(),
                    });
                }
                ["runtime", date, fstyp, seconds] => {
                    let run = record
                        .runs
                        .iter_mut()
                        .find(|r| r.date == *date)
                        .ok_or_else(bad)?;
                    run.runtime
                        .insert(fstyp.to_string(), seconds.parse().map_err(|_| bad())?);
                }
                ["result", date, fstyp, test, kind, detail] => {
                    if !record.runs.iter().any(|r| r.date == *date) {
                        return Err(bad());
                    }
                    let status = from_fields(kind, detail).ok_or_else(bad)?;
                    record.results.insert(
                        (fstyp.to_string(), test.to_string()),
                        (status, date.to_string()),
                    );
                }
                _ => return Err(bad()),
            }
        }
        Ok(record)
    }

    /// The record as text, for [`Record::parse`].
    pub fn to_text(&self) -> String {
        let mut out = String::from(
            "# Written by bouncefs-xfstests-report (make xfstests): every verdict of\n\
             # xfstests-results.rst with the run that gave it (Documentation/xfstests.rst).\n",
        );
        for r in &self.runs {
            let _ = writeln!(
                out,
                "run\t{}\t{}\t{}\t{}\t{}\t{}",
                field(&r.date),
                field(&r.kernel),
                field(&r.source),
                field(&r.commit),
                field(&r.disks),
                field(&r.vms)
            );
            for (fs, secs) in &r.runtime {
                let _ = writeln!(out, "runtime\t{}\t{}\t{secs}", field(&r.date), field(fs));
            }
        }
        for ((fs, test), (status, date)) in &self.results {
            if let Some((kind, detail)) = to_fields(status) {
                let _ = writeln!(
                    out,
                    "result\t{}\t{}\t{}\t{kind}\t{}",
                    field(date),
                    field(fs),
                    field(test),
                    field(&detail)
                );
            }
        }
        out
    }

    /// Adds a run: its verdicts replace earlier ones for the same file system and test
    /// (tests it did not reach keep theirs); runs left without a verdict are dropped.
    pub fn add(&mut self, run: RunInfo, results: &[FsResults]) {
        self.runs.retain(|r| r.date != run.date);
        for r in results {
            for (test, status) in &r.status {
                if *status != Status::NotReached {
                    self.results.insert(
                        (r.fstyp.clone(), test.clone()),
                        (status.clone(), run.date.clone()),
                    );
                }
            }
        }
        self.runs.push(run);
        let results = &self.results;
        self.runs
            .retain(|r| results.values().any(|(_, date)| *date == r.date));
    }

    /// The file systems of the record: bouncefs first, then the others in the order seen.
    pub fn fstypes(&self) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for r in &self.runs {
            for fs in r.runtime.keys() {
                if !all.contains(fs) {
                    all.push(fs.clone());
                }
            }
        }
        for (fs, _) in self.results.keys() {
            if !all.contains(fs) {
                all.push(fs.clone());
            }
        }
        all.sort_by_key(|fs| fs != "bouncefs");
        all
    }

    /// Each file system's results for `tests`, the run of every verdict an index into
    /// [`Record::runs`]; the runtime sums the runs' `./check` times on that file system.
    pub fn results(&self, tests: &[String]) -> Vec<FsResults> {
        self.fstypes()
            .into_iter()
            .map(|fs| {
                let mut r = FsResults {
                    fstyp: fs.clone(),
                    ..Default::default()
                };
                for test in tests {
                    let key = (fs.clone(), test.clone());
                    let Some((status, date)) = self.results.get(&key) else {
                        r.status.insert(test.clone(), Status::NotReached);
                        continue;
                    };
                    r.status.insert(test.clone(), status.clone());
                    if let Some(i) = self.runs.iter().position(|run| run.date == *date) {
                        r.run.insert(test.clone(), i);
                    }
                }
                r.runtime = self
                    .runs
                    .iter()
                    .filter_map(|run| run.runtime.get(&fs))
                    .sum();
                r.kernel = self.runs.last().map(|run| run.kernel.clone());
                r
            })
            .collect()
    }
}

/// The name of the `i`th run in the report: A, B, ...
fn run_letter(i: usize) -> String {
    char::from_u32(u32::from(b'A') + (i % 26) as u32).map_or_else(|| "?".into(), String::from)
}

/// The report: the runs, the totals, then one row per test (with the run of each verdict
/// when there are several runs), then the not-run reasons of the first file system with
/// their tests.
pub fn render(all: &[FsResults], tests: &[String], runs: &[RunInfo]) -> String {
    let mut out = String::new();
    match runs {
        [run] => {
            let _ = writeln!(
                out,
                "Run of {}: {} tests selected; {}.\n",
                escape(&run.date),
                tests.len(),
                run.sentence()
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "{} tests selected. Results of {} runs, each test's verdict on each file system \
                 from the latest run that gave one (column run: per file system, in column order):\n",
                tests.len(),
                runs.len()
            );
            for (i, run) in runs.iter().enumerate() {
                let times: Vec<String> = run
                    .runtime
                    .iter()
                    .map(|(fs, s)| format!("{fs} {s} s"))
                    .collect();
                let _ = writeln!(
                    out,
                    "- {}: run of {}: {}; ``./check`` time {}.",
                    run_letter(i),
                    escape(&run.date),
                    run.sentence(),
                    times.join(", ")
                );
            }
            out.push('\n');
        }
    }
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

    let several = runs.len() > 1;
    let mut header = vec!["test"];
    header.extend(all.iter().map(|r| r.fstyp.as_str()));
    if several {
        header.push("run");
    }
    header.push("reason");
    let rows: Vec<Vec<String>> = tests
        .iter()
        .map(|t| {
            let mut row = vec![t.clone()];
            let mut reasons: Vec<String> = Vec::new();
            let mut letters: Vec<String> = Vec::new();
            for r in all {
                let s = r.status.get(t).cloned().unwrap_or(Status::NotReached);
                row.push(s.cell());
                letters.push(r.run.get(t).map_or_else(|| "-".into(), |&i| run_letter(i)));
                if let Some(why) = s.reason() {
                    let why = escape(&why);
                    // The same reason on every file system is said once.
                    if !reasons.iter().any(|x| x.ends_with(&why)) {
                        reasons.push(format!("{}: {why}", r.fstyp));
                    }
                }
            }
            if several {
                // One letter when every verdict comes from the same run.
                letters.dedup();
                row.push(letters.join("/"));
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
            &[RunInfo {
                date: "2026-11-24".into(),
                kernel: "7.2.13".into(),
                source: "v2026".into(),
                commit: "abc1234".into(),
                disks: "scsi_debug disks".into(),
                vms: "one VM per file system".into(),
                runtime: BTreeMap::new(),
            }],
        );
        assert!(
            text.contains(
                "Run of 2026-11-24: 2 tests selected; kernel 7.2.13, xfstests v2026, bouncefs abc1234;"
            ),
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
        assert!(text.contains("not analysed"), "{text}");
    }

    fn run(date: &str, runtime: &[(&str, u64)]) -> RunInfo {
        RunInfo {
            date: date.into(),
            kernel: "7.2.13".into(),
            source: "v2026.01.05".into(),
            commit: format!("commit of {date}"),
            disks: "scsi_debug disks".into(),
            vms: "one VM".into(),
            runtime: runtime.iter().map(|(f, s)| (f.to_string(), *s)).collect(),
        }
    }

    fn results(fstyp: &str, status: &[(&str, Status)]) -> FsResults {
        FsResults {
            fstyp: fstyp.into(),
            status: status
                .iter()
                .map(|(t, s)| (t.to_string(), s.clone()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn record_keeps_the_latest_verdict_and_its_run() {
        let mut record = Record::default();
        record.add(
            run("A-date", &[("bouncefs", 100), ("xfs", 200)]),
            &[
                results(
                    "bouncefs",
                    &[
                        ("generic/001", Status::Pass(Some(5))),
                        ("generic/002", Status::Killed(400)),
                        ("generic/003", Status::NotReached),
                    ],
                ),
                results(
                    "xfs",
                    &[
                        ("generic/001", Status::Pass(Some(6))),
                        ("generic/002", Status::NotRun("no\tway\nat all".into())),
                        ("generic/003", Status::NotReached),
                    ],
                ),
            ],
        );
        // A later run of part of the selection, on bouncefs only.
        record.add(
            run("B-date", &[("bouncefs", 30)]),
            &[results(
                "bouncefs",
                &[
                    ("generic/001", Status::NotReached),
                    ("generic/002", Status::Pass(Some(20))),
                    ("generic/003", Status::Fail("output differs".into())),
                ],
            )],
        );
        let text = record.to_text();
        let parsed = Record::parse(&text).unwrap();
        assert_eq!(parsed, {
            let mut r = record.clone();
            // Free text is kept on one line of the record.
            r.results.insert(
                ("xfs".into(), "generic/002".into()),
                (Status::NotRun("no way at all".into()), "A-date".into()),
            );
            r
        });
        let tests: Vec<String> = ["generic/001", "generic/002", "generic/003"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let all = parsed.results(&tests);
        assert_eq!(all[0].fstyp, "bouncefs");
        assert_eq!(all[0].status["generic/001"], Status::Pass(Some(5)));
        assert_eq!(all[0].run["generic/001"], 0);
        assert_eq!(all[0].status["generic/002"], Status::Pass(Some(20)));
        assert_eq!(all[0].run["generic/002"], 1);
        assert_eq!(all[0].runtime, 130);
        assert_eq!(all[1].status["generic/003"], Status::NotReached);
        assert_eq!(all[1].runtime, 200);
        let report = render(&all, &tests, &parsed.runs);
        assert!(
            report.contains("3 tests selected. Results of 2 runs"),
            "{report}"
        );
        assert!(
            report.contains("- B: run of B-date: kernel 7.2.13"),
            "{report}"
        );
        assert!(
            report.contains("generic/001  pass (5 s)   pass (6 s)   A\n"),
            "{report}"
        );
        assert!(
            report.contains("generic/002  pass (20 s)  not run      B/A  xfs: no way at all"),
            "{report}"
        );
        assert!(
            report.contains("generic/003  **FAIL**     not reached  B/-  bouncefs: output differs"),
            "{report}"
        );
        // A run whose every verdict was replaced leaves the record.
        record.add(
            run("C-date", &[("bouncefs", 1), ("xfs", 1)]),
            &[
                results("bouncefs", &[("generic/001", Status::Pass(None))]),
                results(
                    "xfs",
                    &[
                        ("generic/001", Status::Pass(None)),
                        ("generic/002", Status::Pass(None)),
                    ],
                ),
            ],
        );
        let dates: Vec<&str> = record.runs.iter().map(|r| r.date.as_str()).collect();
        assert_eq!(dates, ["B-date", "C-date"]);
    }

    #[test]
    fn record_rejects_what_it_did_not_write() {
        assert!(Record::parse("result\tnever\txfs\tgeneric/001\tpass\t1\n").is_err());
        assert!(Record::parse("run\ta\tb\n").is_err());
        let run = "run\tD\tk\ts\tc\td\tv\n";
        assert!(Record::parse(&format!("{run}result\tD\txfs\tgeneric/001\tmaybe\t1\n")).is_err());
        assert!(Record::parse(&format!("{run}runtime\tD\txfs\tlong\n")).is_err());
        assert!(Record::parse(&format!("{run}# a comment\n\nruntime\tD\txfs\t5\n")).is_ok());
    }

    #[test]
    fn support_notes_match_xfstests_reasons() {
        assert!(
            support_note("Reflink not supported by scratch filesystem type: bouncefs")
                .contains("remap_file_range")
        );
        assert!(support_note("xfs_io funshare  failed (old kernel/wrong fs?)").contains("reflink"));
        assert!(support_note("This test requires dm flakey support").contains("CONFIG_BLK_DEV_DM"));
        assert!(
            support_note("test requires delayed allocation buffered writes").contains("writeback")
        );
        assert!(support_note(
            "attr namespace user not supported by this filesystem type: bouncefs"
        )
        .contains("xattr"));
        assert!(
            support_note("write atomic not supported by this block device")
                .contains("copy-on-write")
        );
        assert_eq!(support_note("something new"), "not analysed");
    }

    #[test]
    fn table_rows_never_start_empty() {
        let t = table(&["", "x"], &[vec!["".into(), "1".into()]]);
        assert!(t.contains("\n..  1\n"), "{t}");
    }
}
