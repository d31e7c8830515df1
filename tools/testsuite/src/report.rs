// SPDX-License-Identifier: GPL-2.0
//! The reports of several VMs that shared one suite, merged into one: every result in a
//! fixed order (boot checks, KUnit suites, scripts in file-name order), one
//! `N passed, N failed` line, and a failure for every selected test no VM reported and for
//! every VM that did not finish.

/// One result as the runner prints it: the `PASS  name ...` or `FAIL  name ...` line and the
/// indented lines under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The test's name (the second word of the result line).
    pub name: String,
    /// Whether the line says PASS.
    pub passed: bool,
    /// The result line and its details, as printed.
    pub lines: Vec<String>,
}

/// What one VM's runner wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// The results, in the order the VM ran them.
    pub blocks: Vec<Block>,
    /// Whether the report ends with the runner's `N passed, N failed` line: a VM that died
    /// or was killed leaves a report without it.
    pub finished: bool,
}

fn is_summary(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    matches!(words.as_slice(), [p, "passed,", f, "failed"]
        if p.parse::<u64>().is_ok() && f.parse::<u64>().is_ok())
}

/// Parses a report: result lines start with `PASS  ` or `FAIL  `, their details with
/// spaces; anything else (a stray line of console output) is ignored.
pub fn parse(text: &str) -> Report {
    let mut report = Report::default();
    for line in text.lines().map(|l| l.trim_end_matches('\r')) {
        let verdict = if line.starts_with("PASS  ") {
            Some(true)
        } else if line.starts_with("FAIL  ") {
            Some(false)
        } else {
            None
        };
        if let Some(passed) = verdict {
            let name = line.split_whitespace().nth(1).unwrap_or("").to_string();
            report.blocks.push(Block {
                name,
                passed,
                lines: vec![line.to_string()],
            });
            report.finished = false;
        } else if line.starts_with("  ") {
            if let Some(block) = report.blocks.last_mut() {
                block.lines.push(line.to_string());
            }
        } else if is_summary(line) {
            report.finished = true;
        }
    }
    report
}

fn failed_block(name: &str, why: &str) -> Block {
    Block {
        name: name.to_string(),
        passed: false,
        lines: vec![format!("FAIL  {name:<32} (0.0s): {why}")],
    }
}

/// Where a result goes in the merged report: boot checks, KUnit, then the scripts in their
/// order, then anything else.
fn rank(name: &str, scripts: &[String]) -> (usize, usize) {
    if name == "boot" || name.starts_with("boot/") {
        (0, 0)
    } else if name == "kunit" || name.starts_with("kunit/") {
        (1, 0)
    } else if let Some(i) = scripts.iter().position(|s| s == name) {
        (2, i)
    } else {
        (3, 0)
    }
}

/// Merges the reports of the VMs (`None`: the VM left no report) into one list of results.
/// `scripts` are the selected scripts in file-name order: each must have exactly one result.
pub fn merge(reports: &[(String, Option<Report>)], scripts: &[String]) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for (vm, report) in reports {
        match report {
            None => blocks.push(failed_block(
                &format!("vm/{vm}"),
                "no report: the VM did not boot or its runner did not start",
            )),
            Some(report) => {
                if !report.finished {
                    blocks.push(failed_block(
                        &format!("vm/{vm}"),
                        "the report has no summary line: the VM died or was killed",
                    ));
                }
                for block in &report.blocks {
                    let script = scripts.contains(&block.name);
                    if blocks.iter().any(|b| b.name == block.name) {
                        if script {
                            blocks.push(failed_block(
                                &block.name,
                                &format!("reported twice (again by VM {vm})"),
                            ));
                        }
                        // A name given to --only that matches nothing is reported by every
                        // VM: once is enough.
                        continue;
                    }
                    blocks.push(block.clone());
                }
            }
        }
    }
    for script in scripts {
        if !blocks.iter().any(|b| &b.name == script) {
            blocks.push(failed_block(script, "not run: no VM reported it"));
        }
    }
    // Stable: results of the same rank keep the order the VMs gave them.
    blocks.sort_by_key(|b| rank(&b.name, scripts));
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    const VM1: &str = "\
setup: scsi_debug PI disk /dev/sda
PASS  boot/1                           (0.1s)
PASS  kunit/rust_iomap [4 passed, 0 failed, 0 skipped] (0.0s)
FAIL  race                             (250.0s): exit status 1
        | FAIL: sda: bounce=auto had 1 write error
PASS  lifecycle                        (160.0s)
4 passed, 1 failed
";
    const VM2: &str = "\
PASS  boot/2                           (0.1s)
PASS  bouncefs                         (500.0s)
PASS  devices                          (1.0s)
3 passed, 0 failed
";

    fn names(blocks: &[Block]) -> Vec<&str> {
        blocks.iter().map(|b| b.name.as_str()).collect()
    }

    fn scripts(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reports_are_parsed_with_their_details() {
        let r = parse(VM1);
        assert!(r.finished);
        assert_eq!(
            names(&r.blocks),
            ["boot/1", "kunit/rust_iomap", "race", "lifecycle"]
        );
        assert!(!r.blocks[2].passed);
        assert_eq!(r.blocks[2].lines.len(), 2);
        assert!(!parse("PASS  boot (0.1s)\nPASS  race (1s)\n").finished);
    }

    #[test]
    fn merged_results_follow_the_file_order() {
        let order = scripts(&["devices", "bouncefs", "race", "lifecycle"]);
        let merged = merge(
            &[
                ("1".into(), Some(parse(VM1))),
                ("2".into(), Some(parse(VM2))),
            ],
            &order,
        );
        assert_eq!(
            names(&merged),
            [
                "boot/1",
                "boot/2",
                "kunit/rust_iomap",
                "devices",
                "bouncefs",
                "race",
                "lifecycle"
            ]
        );
        assert_eq!(merged.iter().filter(|b| !b.passed).count(), 1);
    }

    #[test]
    fn a_test_no_vm_ran_or_a_dead_vm_fails() {
        let order = scripts(&["devices", "bouncefs", "race", "lifecycle", "coherency"]);
        let dead = "PASS  boot/2 (0.1s)\nPASS  bouncefs (500.0s)\n";
        let merged = merge(
            &[
                ("1".into(), Some(parse(VM1))),
                ("2".into(), Some(parse(dead))),
                ("3".into(), None),
            ],
            &order,
        );
        let failed: Vec<&str> = merged
            .iter()
            .filter(|b| !b.passed)
            .map(|b| b.name.as_str())
            .collect();
        assert_eq!(failed, ["devices", "race", "coherency", "vm/2", "vm/3"]);
    }

    #[test]
    fn a_test_two_vms_ran_fails() {
        let order = scripts(&["bouncefs"]);
        let merged = merge(
            &[
                ("1".into(), Some(parse(VM2))),
                ("2".into(), Some(parse(VM2))),
            ],
            &order,
        );
        assert!(merged
            .iter()
            .any(|b| b.name == "bouncefs" && !b.passed && b.lines[0].contains("twice")));
    }
}
