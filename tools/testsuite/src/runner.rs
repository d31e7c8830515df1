// SPDX-License-Identifier: GPL-2.0
//! Running tests: built-in checks (boot log, KUnit suites) and the scripts of a directory.

use crate::health::{self, Splat};
use crate::kmsg::KernelLog;
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

/// Reads a `# timeout: N` line from a script's header.
pub fn script_timeout(text: &str) -> u64 {
    text.lines()
        .take(20)
        .find_map(|line| line.strip_prefix("# timeout:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(DEFAULT_TIMEOUT)
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
            let timeout =
                std::fs::read_to_string(&path).map_or(DEFAULT_TIMEOUT, |t| script_timeout(&t));
            Script {
                name: script_name(&file_name),
                path,
                timeout,
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
    records: &[crate::kmsg::Record],
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

/// The boot itself: nothing the kernel logged before the suite started may be a splat.
pub fn check_boot(kmsg: &mut dyn KernelLog, log_dir: &Path) -> Outcome {
    let start = Instant::now();
    match kmsg.read_new() {
        Ok(records) => {
            let splats = health::splats(records.iter().map(|r| r.text.as_str()));
            let mut details = splat_details(&splats);
            details.extend(save_kernel_log(log_dir, "boot", &records, &splats));
            Outcome::new("boot", splat_failure(&splats), start.elapsed(), details)
        }
        Err(e) => Outcome::new(
            "boot",
            Some(format!("cannot read /dev/kmsg: {e}")),
            start.elapsed(),
            vec![],
        ),
    }
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

/// Runs one script with its output in `log_dir/NAME.log`, then checks the kernel log.
pub fn run_script(script: &Script, log_dir: &Path, kmsg: &mut dyn KernelLog) -> Outcome {
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

fn run_script_with_grace(
    script: &Script,
    log_dir: &Path,
    kmsg: &mut dyn KernelLog,
    grace: Duration,
) -> Outcome {
    let start = Instant::now();
    let log_path = log_dir.join(format!("{}.log", script.name));
    // Records logged before the test are not the test's.
    if let Err(e) = kmsg.read_new() {
        return Outcome::new(
            &script.name,
            Some(format!("cannot read /dev/kmsg: {e}")),
            start.elapsed(),
            vec![],
        );
    }
    kmsg.mark(&format!("start {}", script.name));
    let status = File::create(&log_path).and_then(|log| {
        let err = log.try_clone()?;
        let mut child = Command::new(&script.path)
            .current_dir(log_dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .process_group(0)
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(script.timeout);
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                signal_group("-TERM", child.id());
                let killed_at = Instant::now() + grace;
                while child.try_wait()?.is_none() && Instant::now() < killed_at {
                    std::thread::sleep(Duration::from_millis(50));
                }
                signal_group("-KILL", child.id());
                let _ = child.wait();
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    kmsg.mark(&format!("end {}", script.name));
    let (records, splats) = match kmsg.read_new() {
        Ok(records) => {
            let splats = health::splats(records.iter().map(|r| r.text.as_str()));
            (records, splats)
        }
        Err(e) => (
            vec![],
            vec![Splat {
                kind: "unreadable kernel log",
                line: e.to_string(),
            }],
        ),
    };
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
    fn lines_say_pass_or_fail_with_the_reason() {
        let pass = Outcome::new("boot", None, Duration::from_millis(1500), vec![]);
        assert!(pass.line().starts_with("PASS  boot"));
        assert!(pass.line().ends_with("(1.5s)"));
        let fail = Outcome::new("x", Some("exit status 1".into()), Duration::ZERO, vec![]);
        assert!(fail.line().starts_with("FAIL  x"));
        assert!(fail.line().ends_with(": exit status 1"));
    }

    /// A kernel log that logs `splat` while the test runs.
    struct FakeLog {
        splat: Option<&'static str>,
        marks: Vec<String>,
    }

    impl KernelLog for FakeLog {
        fn read_new(&mut self) -> std::io::Result<Vec<crate::kmsg::Record>> {
            let during_test = self.marks.last().is_some_and(|m| m.starts_with("end"));
            Ok(match (during_test, self.splat.take()) {
                (true, Some(text)) => vec![crate::kmsg::Record {
                    level: 4,
                    seq: 1,
                    text: text.into(),
                }],
                (false, splat) => {
                    self.splat = splat;
                    vec![]
                }
                (true, None) => vec![],
            })
        }
        fn mark(&mut self, line: &str) {
            self.marks.push(line.to_string());
        }
    }

    /// Runs `body` as the test script `20-case.sh` with a time limit of `timeout` seconds,
    /// while the kernel "logs" `splat`.
    fn run(body: &str, timeout: u64, splat: Option<&'static str>) -> Outcome {
        run_in(body, timeout, splat, |_| ()).0
    }

    /// `run`, with a grace of 2 s after SIGTERM, and `inspect` called on the test's
    /// directory before it is removed.
    fn run_in<T>(
        body: &str,
        timeout: u64,
        splat: Option<&'static str>,
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
            marks: vec![],
        };
        let outcome = run_script_with_grace(&script, &dir, &mut log, Duration::from_secs(2));
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
    fn a_hung_script_times_out() {
        let outcome = run("sleep 1000", 1, None);
        assert_eq!(outcome.failure.as_deref(), Some("timed out after 1s"));
        assert!(outcome.elapsed < Duration::from_secs(10));
    }

    #[test]
    fn a_timed_out_script_runs_its_clean_up() {
        // What tools/guest/lib.sh does: SIGTERM exits, and exiting runs the EXIT trap.
        let body = "trap 'exit 143' TERM\ntrap 'echo unmounted >cleaned' EXIT\nsleep 1000";
        let (outcome, cleaned) = run_in(body, 1, None, |dir| {
            std::fs::read_to_string(dir.join("cleaned")).ok()
        });
        assert_eq!(outcome.failure.as_deref(), Some("timed out after 1s"));
        assert_eq!(cleaned.as_deref(), Some("unmounted\n"));
    }

    #[test]
    fn a_script_ignoring_sigterm_is_killed_after_the_grace() {
        let (outcome, ()) = run_in("trap '' TERM\nwhile :; do sleep 1; done", 1, None, |_| ());
        assert_eq!(outcome.failure.as_deref(), Some("timed out after 1s"));
        assert!(outcome.elapsed >= Duration::from_secs(3));
        assert!(outcome.elapsed < Duration::from_secs(15));
    }
}
