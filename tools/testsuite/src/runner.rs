// SPDX-License-Identifier: GPL-2.0
//! Running tests: built-in checks (boot log, KUnit suites) and the scripts of a directory.

use crate::health::{self, Splat};
use crate::kmsg::{LogReader, Record};
use crate::ktap;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where KUnit leaves its results.
pub const KUNIT_DEBUGFS: &str = "/sys/kernel/debug/kunit";
/// Seconds a script may run unless it says otherwise with a `# timeout: N` line.
pub const DEFAULT_TIMEOUT: u64 = 600;
/// How long a timed-out script gets, after SIGTERM, to run its clean-up (unmount, unload
/// its module) before SIGKILL: a test that times out must not fail the ones after it.
pub const TERM_GRACE: Duration = Duration::from_secs(30);

/// The outcome of one test.
#[derive(Debug)]
pub struct Outcome {
    /// The test's name as printed.
    pub name: String,
    /// Why it failed, or `None` if it passed.
    pub failure: Option<String>,
    /// Wall time.
    pub elapsed: Duration,
    /// Lines to show under a failure (output tail, splats).
    pub details: Vec<String>,
}

impl Outcome {
    fn new(name: &str, failure: Option<String>, elapsed: Duration, details: Vec<String>) -> Self {
        Self {
            name: name.to_string(),
            failure,
            elapsed,
            details,
        }
    }

    /// The result line: `PASS  name  (1.2s)` or `FAIL  name  (1.2s): reason`.
    pub fn line(&self) -> String {
        let secs = self.elapsed.as_secs_f64();
        match &self.failure {
            None => format!("PASS  {:<32} ({secs:.1}s)", self.name),
            Some(why) => format!("FAIL  {:<32} ({secs:.1}s): {why}", self.name),
        }
    }
}

/// A script test: an executable file in the tests directory.
#[derive(Debug, Clone)]
pub struct Script {
    /// The name: the file name without its ordering prefix (`10-`) and extension.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Its time limit in seconds.
    pub timeout: u64,
    /// About how long it takes, in seconds (0: unknown).
    pub cost: u64,
}

/// Derives a test name from a file name: `10-bdev-report.sh` -> `bdev-report`.
pub fn script_name(file_name: &str) -> String {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    match stem.split_once('-') {
        Some((order, rest)) if !order.is_empty() && order.bytes().all(|b| b.is_ascii_digit()) => {
            rest.to_string()
        }
        _ => stem.to_string(),
    }
}

/// Reads a `# KEY: N` line from a script's header.
fn header_number(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .take(20)
        .find_map(|line| line.strip_prefix(key))
        .and_then(|n| n.trim().parse().ok())
}

/// Reads a `# timeout: N` line from a script's header.
pub fn script_timeout(text: &str) -> u64 {
    header_number(text, "# timeout:").unwrap_or(DEFAULT_TIMEOUT)
}

/// Reads a `# cost: N` line from a script's header: about how many seconds the test takes
/// on the test kernel. VMs that share a suite take the costliest tests first, so that none
/// is left with a long test at the end while the others idle.
pub fn script_cost(text: &str) -> u64 {
    header_number(text, "# cost:").unwrap_or(0)
}

/// Claims test `name` for VM `vm` in `dir`, a directory all VMs of the run share: `true`
/// when this VM is the first to ask and runs it, `false` when another VM has it. `mkdir` is
/// atomic on the host file system that backs the shared directory. The claim holds a file
/// `vm-<vm>`, so that the host can release the claims of a VM whose QEMU crashed and boot
/// it again (tools/scripts/vm.sh).
pub fn claim(dir: &Path, name: &str, vm: &str) -> std::io::Result<bool> {
    let claim = dir.join(name);
    match std::fs::create_dir(&claim) {
        Ok(()) => {
            std::fs::File::create(claim.join(format!("vm-{vm}")))?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// Lists the scripts of `dir` in file-name order.
pub fn scripts(dir: &Path) -> std::io::Result<Vec<Script>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files
        .into_iter()
        .map(|path| {
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            Script {
                name: script_name(&file_name),
                path,
                timeout: script_timeout(&text),
                cost: script_cost(&text),
            }
        })
        .collect())
}

fn splat_details(splats: &[Splat]) -> Vec<String> {
    splats
        .iter()
        .map(|s| format!("dmesg: [{}] {}", s.kind, s.line))
        .collect()
}

/// Keeps what the kernel logged during a test beside the test's output, so a failure can be
/// read in full (`NAME.dmesg`); returns a line pointing there when there is something to read.
fn save_kernel_log(
    log_dir: &Path,
    name: &str,
    records: &[Record],
    splats: &[Splat],
) -> Option<String> {
    let path = log_dir.join(format!("{}.dmesg", name.replace('/', "_")));
    let text: String = records
        .iter()
        .map(|r| format!("<{}>[{}] {}\n", r.level, r.seq, r.text))
        .collect();
    let saved = std::fs::write(&path, text).is_ok();
    (saved && !splats.is_empty()).then(|| format!("full kernel log: {}", path.display()))
}

fn splat_failure(splats: &[Splat]) -> Option<String> {
    splats.first().map(|s| format!("{} in dmesg", s.kind))
}

/// What the kernel logged during one test, and its verdict on the kernel's health.
struct KernelRecords {
    records: Vec<Record>,
    /// Records overwritten before the runner read them.
    lost: u64,
    /// Why the log could not be read, if it could not.
    error: Option<String>,
}

impl KernelRecords {
    fn new() -> Self {
        Self {
            records: vec![],
            lost: 0,
            error: None,
        }
    }

    /// Reads what is new; the first error is kept and ends reading.
    fn drain(&mut self, kmsg: &mut LogReader<'_>) {
        if self.error.is_some() {
            return;
        }
        match kmsg.read_into(&mut self.records) {
            Ok(lost) => self.lost += lost,
            Err(e) => self.error = Some(format!("cannot read /dev/kmsg: {e}")),
        }
    }

    /// The splats, with an unreadable log or lost records counted as one: what was not
    /// read may have been a KASAN report.
    fn splats(&self) -> Vec<Splat> {
        let mut splats = health::splats(self.records.iter().map(|r| r.text.as_str()));
        if let Some(e) = &self.error {
            splats.push(Splat {
                kind: "unreadable kernel log",
                line: e.clone(),
            });
        }
        if self.lost > 0 {
            splats.push(Splat {
                kind: "lost kernel log records",
                line: format!(
                    "{} records were overwritten before the runner read them (boot with a larger log_buf_len)",
                    self.lost
                ),
            });
        }
        splats
    }
}

/// The boot itself: nothing the kernel logged before the suite started may be a splat, and
/// nothing of it may be lost. `name` is `boot`, or `boot/VM` when several VMs share a suite.
pub fn check_boot(kmsg: &mut LogReader<'_>, log_dir: &Path, name: &str) -> Outcome {
    let start = Instant::now();
    let mut log = KernelRecords::new();
    log.drain(kmsg);
    let splats = log.splats();
    let mut details = splat_details(&splats);
    details.extend(save_kernel_log(log_dir, name, &log.records, &splats));
    Outcome::new(name, splat_failure(&splats), start.elapsed(), details)
}

/// One outcome per KUnit suite the kernel ran; `required` suites must be among them.
pub fn check_kunit(dir: &Path, required: &[&str]) -> Vec<Outcome> {
    let start = Instant::now();
    let suites = match ktap::read_suites(dir) {
        Ok(suites) => suites,
        Err(e) => {
            let why = format!(
                "cannot read {}: {e} (CONFIG_KUNIT_DEBUGFS, debugfs mounted?)",
                dir.display()
            );
            return vec![Outcome::new("kunit", Some(why), start.elapsed(), vec![])];
        }
    };
    let mut outcomes: Vec<Outcome> = required
        .iter()
        .filter(|name| !suites.iter().any(|s| s.name == **name))
        .map(|name| {
            Outcome::new(
                &format!("kunit/{name}"),
                Some("suite did not run".into()),
                start.elapsed(),
                vec![],
            )
        })
        .collect();
    for suite in suites {
        let summary = format!(
            "{} passed, {} failed, {} skipped",
            suite.passed,
            suite.failed.len(),
            suite.skipped
        );
        let failure = if !suite.failed.is_empty() {
            Some(format!("{summary}: {}", suite.failed.join(", ")))
        } else if !suite.ok {
            Some(format!(
                "{summary}; the suite reported failure or did not finish"
            ))
        } else if suite.passed == 0 {
            Some(format!("{summary}; no case ran"))
        } else {
            None
        };
        let mut outcome = Outcome::new(
            &format!("kunit/{}", suite.name),
            failure,
            start.elapsed(),
            vec![],
        );
        if outcome.failure.is_none() {
            outcome.name = format!("kunit/{} [{summary}]", suite.name);
        }
        outcomes.push(outcome);
    }
    outcomes
}

fn tail(path: &Path, lines: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|l| format!("| {l}"))
        .collect()
}

/// Runs one script with its output in `log_dir/NAME.log`, reading the kernel log all the
/// while (a test that logs much would otherwise push its own splats out of the ring buffer).
pub fn run_script(script: &Script, log_dir: &Path, kmsg: &mut LogReader<'_>) -> Outcome {
    run_script_with_grace(script, log_dir, kmsg, TERM_GRACE)
}

/// Sends `signal` to the process group `pgid`: a test's helpers must not outlive it. The
/// group may be gone already (a script that cleaned up within the grace), so `kill`'s
/// complaint about that is not shown.
fn signal_group(signal: &str, pgid: u32) {
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// How often the runner looks at the test and the kernel log.
const POLL: Duration = Duration::from_millis(50);

fn run_script_with_grace(
    script: &Script,
    log_dir: &Path,
    kmsg: &mut LogReader<'_>,
    grace: Duration,
) -> Outcome {
    let start = Instant::now();
    let log_path = log_dir.join(format!("{}.log", script.name));
    // Records logged before the test are not the test's, but lost ones are counted: they
    // could only be the runner's fault, or a previous test's flood.
    let mut before = KernelRecords::new();
    before.drain(kmsg);
    if let Some(e) = before.error {
        return Outcome::new(&script.name, Some(e), start.elapsed(), vec![]);
    }
    let mut log = KernelRecords::new();
    log.lost = before.lost;
    kmsg.mark(&format!("start {}", script.name));
    let status = File::create(&log_path).and_then(|out| {
        let err = out.try_clone()?;
        let mut child = Command::new(&script.path)
            .current_dir(log_dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(script.timeout);
        loop {
            log.drain(kmsg);
            if let Some(status) = child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                signal_group("-TERM", child.id());
                let killed_at = Instant::now() + grace;
                while child.try_wait()?.is_none() && Instant::now() < killed_at {
                    log.drain(kmsg);
                    std::thread::sleep(POLL);
                }
                signal_group("-KILL", child.id());
                let _ = child.wait();
                return Ok(None);
            }
            std::thread::sleep(POLL);
        }
    });
    kmsg.mark(&format!("end {}", script.name));
    log.drain(kmsg);
    let splats = log.splats();
    let records = log.records;
    let mut details = tail(&log_path, 15);
    details.extend(splat_details(&splats));
    details.extend(save_kernel_log(log_dir, &script.name, &records, &splats));
    let failure = match status {
        Err(e) => Some(format!("cannot run {}: {e}", script.path.display())),
        Ok(None) => Some(format!("timed out after {}s", script.timeout)),
        Ok(Some(s)) if !s.success() => Some(format!(
            "exit status {}",
            s.code().map_or("signal".into(), |c| c.to_string())
        )),
        Ok(Some(_)) => splat_failure(&splats),
    };
    if failure.is_none() {
        details.clear();
    }
    Outcome::new(&script.name, failure, start.elapsed(), details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kmsg::KernelLog;

    #[test]
    fn names_drop_order_and_extension() {
        assert_eq!(script_name("10-bdev-report.sh"), "bdev-report");
        assert_eq!(script_name("module-cycle"), "module-cycle");
        assert_eq!(script_name("race-never.sh"), "race-never");
    }

    #[test]
    fn timeouts_come_from_the_header() {
        assert_eq!(script_timeout("#!/bin/sh\n# timeout: 120\necho"), 120);
        assert_eq!(script_timeout("#!/bin/sh\necho"), DEFAULT_TIMEOUT);
        assert_eq!(script_timeout("# timeout: soon\n"), DEFAULT_TIMEOUT);
    }

    #[test]
    fn costs_come_from_the_header() {
        assert_eq!(script_cost("#!/bin/sh\n# cost: 250\n# timeout: 900"), 250);
        assert_eq!(script_cost("#!/bin/sh\necho"), 0);
    }

    #[test]
    fn claims_go_to_one_vm_only() {
        let dir = std::env::temp_dir().join(format!("bouncefs-claims-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert!(matches!(claim(&dir, "race", "1"), Ok(true)));
        assert!(matches!(claim(&dir, "race", "2"), Ok(false)));
        assert!(matches!(claim(&dir, "lifecycle", "2"), Ok(true)));
        assert!(dir.join("race/vm-1").is_file());
        assert!(!dir.join("race/vm-2").exists());
        assert!(dir.join("lifecycle/vm-2").is_file());
        assert!(claim(&dir.join("missing"), "race", "1").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lines_say_pass_or_fail_with_the_reason() {
        let pass = Outcome::new("boot", None, Duration::from_millis(1500), vec![]);
        assert!(pass.line().starts_with("PASS  boot"));
        assert!(pass.line().ends_with("(1.5s)"));
        let fail = Outcome::new("x", Some("exit status 1".into()), Duration::ZERO, vec![]);
        assert!(fail.line().starts_with("FAIL  x"));
        assert!(fail.line().ends_with(": exit status 1"));
    }

    /// A kernel log that logs `splat` while the test runs (after the start mark, before
    /// the end mark), and loses `lost` records before it.
    struct FakeLog {
        splat: Option<&'static str>,
        lost: u64,
        marks: Vec<String>,
    }

    impl KernelLog for FakeLog {
        fn read_new(&mut self) -> std::io::Result<Vec<crate::kmsg::Record>> {
            let during_test = self.marks.last().is_some_and(|m| m.starts_with("start"));
            if !during_test {
                // One record before the test, nothing after it.
                return Ok(self
                    .marks
                    .is_empty()
                    .then(|| crate::kmsg::Record {
                        level: 6,
                        seq: 0,
                        text: "before".into(),
                    })
                    .into_iter()
                    .collect());
            }
            Ok(self
                .splat
                .take()
                .map(|text| crate::kmsg::Record {
                    level: 4,
                    seq: 1 + self.lost,
                    text: text.into(),
                })
                .into_iter()
                .collect())
        }
        fn mark(&mut self, line: &str) {
            self.marks.push(line.to_string());
        }
    }

    /// Runs `body` as the test script `20-case.sh` with a time limit of `timeout` seconds,
    /// while the kernel "logs" `splat`.
    fn run(body: &str, timeout: u64, splat: Option<&'static str>) -> Outcome {
        run_in(body, timeout, splat, 0, |_| ()).0
    }

    /// `run`, with a grace of 2 s after SIGTERM, and `inspect` called on the test's
    /// directory before it is removed.
    fn run_in<T>(
        body: &str,
        timeout: u64,
        splat: Option<&'static str>,
        lost: u64,
        inspect: impl FnOnce(&Path) -> T,
    ) -> (Outcome, T) {
        // Tests run in parallel: each gets its own directory.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("bouncefs-runner-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("20-case.sh");
        std::fs::write(&path, format!("#!/bin/sh\n# timeout: {timeout}\n{body}\n")).unwrap();
        assert!(Command::new("chmod")
            .arg("+x")
            .arg(&path)
            .status()
            .unwrap()
            .success());
        let script = scripts(&dir).unwrap().remove(0);
        assert_eq!((script.name.as_str(), script.timeout), ("case", timeout));
        let mut log = FakeLog {
            splat,
            lost,
            marks: vec![],
        };
        let outcome = run_script_with_grace(
            &script,
            &dir,
            &mut LogReader::new(&mut log),
            Duration::from_secs(2),
        );
        assert_eq!(
            log.marks,
            vec!["start case".to_string(), "end case".to_string()]
        );
        let inspected = inspect(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        (outcome, inspected)
    }

    #[test]
    fn a_clean_script_passes() {
        assert_eq!(run("echo fine", 5, None).failure, None);
    }

    #[test]
    fn a_failing_script_is_reported_with_its_output() {
        let outcome = run("echo 'expected 512, got 4096'; exit 3", 5, None);
        assert_eq!(outcome.failure.as_deref(), Some("exit status 3"));
        assert_eq!(
            outcome.details,
            vec!["| expected 512, got 4096".to_string()]
        );
    }

    #[test]
    fn a_splat_fails_a_script_that_exited_zero() {
        let outcome = run(
            "true",
            5,
            Some("BUG: KASAN: use-after-free in bio_iov_iter_unbounce"),
        );
        assert_eq!(outcome.failure.as_deref(), Some("KASAN report in dmesg"));
        assert!(outcome.details.iter().any(|d| d.contains("use-after-free")));
    }

    #[test]
    fn a_splat_logged_while_a_long_test_runs_is_seen() {
        // The splat is in the log only while the script runs (a flood would push it out
        // of the ring buffer before the end): the runner reads during the test.
        let outcome = run(
            "sleep 1",
            5,
            Some("BUG: KFENCE: out-of-bounds read in bouncefs_lookup"),
        );
        assert_eq!(outcome.failure.as_deref(), Some("KFENCE report in dmesg"));
    }

    #[test]
    fn lost_kernel_log_records_fail_the_test() {
        let (outcome, ()) = run_in("true", 5, Some("bouncefs: ordinary line"), 3, |_| ());
        assert_eq!(
            outcome.failure.as_deref(),
            Some("lost kernel log records in dmesg")
        );
        assert!(outcome.details.iter().any(|d| d.contains("3 records")));
    }

    #[test]
    fn a_hung_script_times_out() {
        let outcome = run("sleep 1000", 1, None);
        assert_eq!(outcome.failure.as_deref(), Some("timed out after 1s"));
        assert!(outcome.elapsed < Duration::from_secs(10));
    }

    #[test]
    fn a_timed_out_script_runs_its_clean_up() {
        // What tools/guest/lib.sh does: SIGTERM exits, and exiting runs the EXIT trap.
        let body = "trap 'exit 143' TERM\ntrap 'echo unmounted >cleaned' EXIT\nsleep 1000";
        let (outcome, cleaned) = run_in(body, 1, None, 0, |dir| {
            std::fs::read_to_string(dir.join("cleaned")).ok()
        });
        assert_eq!(outcome.failure.as_deref(), Some("timed out after 1s"));
        assert_eq!(cleaned.as_deref(), Some("unmounted\n"));
    }

    #[test]
    fn a_script_ignoring_sigterm_is_killed_after_the_grace() {
        let (outcome, ()) = run_in(
            "trap '' TERM\nwhile :; do sleep 1; done",
            1,
            None,
            0,
            |_| (),
        );
        assert_eq!(outcome.failure.as_deref(), Some("timed out after 1s"));
        assert!(outcome.elapsed >= Duration::from_secs(3));
        assert!(outcome.elapsed < Duration::from_secs(15));
    }
}
