// SPDX-License-Identifier: GPL-2.0
//! KUnit results as the kernel leaves them in `/sys/kernel/debug/kunit/SUITE/results` (KTAP).

use std::path::Path;

/// The outcome of one KUnit suite.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Suite {
    /// The suite's name.
    pub name: String,
    /// Test cases that passed.
    pub passed: usize,
    /// Test cases that failed, by name.
    pub failed: Vec<String>,
    /// Test cases skipped.
    pub skipped: usize,
    /// Whether the suite's own result line says `ok`. `false` also when the line is missing
    /// (the suite never finished).
    pub ok: bool,
}

/// A KTAP result line: `ok N name [# DIRECTIVE]` or `not ok N name`.
fn result_line(line: &str) -> Option<(bool, &str, bool)> {
    let (ok, rest) = if let Some(rest) = line.strip_prefix("ok ") {
        (true, rest)
    } else if let Some(rest) = line.strip_prefix("not ok ") {
        (false, rest)
    } else {
        return None;
    };
    let (_number, rest) = rest.split_once(' ')?;
    let (name, directive) = match rest.split_once(" # ") {
        Some((name, directive)) => (name, directive),
        None => (rest, ""),
    };
    Some((ok, name.trim(), directive.trim_start().starts_with("SKIP")))
}

/// Parses one suite's `results` file. Test cases are the result lines indented by one level
/// (4 spaces); deeper lines (parameters) are part of their case; the unindented result line
/// is the suite's own.
pub fn parse_suite(name: &str, text: &str) -> Suite {
    let mut suite = Suite {
        name: name.to_string(),
        ..Suite::default()
    };
    for line in text.lines() {
        let depth = line.len() - line.trim_start_matches(' ').len();
        let Some((ok, case, skip)) = result_line(line.trim_start()) else {
            continue;
        };
        match depth {
            0 => suite.ok = ok,
            4 if skip => suite.skipped += 1,
            4 if ok => suite.passed += 1,
            4 => suite.failed.push(case.to_string()),
            _ => {}
        }
    }
    suite
}

/// Reads every suite under `dir` (normally `/sys/kernel/debug/kunit`), sorted by name.
pub fn read_suites(dir: &Path) -> std::io::Result<Vec<Suite>> {
    let mut suites = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path().join("results"))?;
        suites.push(parse_suite(&name, &text));
    }
    suites.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(suites)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSING: &str = "KTAP version 1
# Subtest: rust_doctests_kernel
# module: kernel
1..3
    KTAP version 1
    # Subtest: param_case
        ok 1 first
        ok 2 second
    ok 1 param_case
    ok 2 rust_doctest_kernel_alloc_kbox_rs_0
    ok 3 rust_doctest_kernel_sync_rs_1 # SKIP needs hardware
# Totals: pass:2 fail:0 skip:1 total:3
ok 1 rust_doctests_kernel
";

    #[test]
    fn a_passing_suite_counts_cases_not_parameters() {
        let s = parse_suite("rust_doctests_kernel", PASSING);
        assert!(s.ok);
        assert_eq!((s.passed, s.skipped), (2, 1));
        assert!(s.failed.is_empty());
    }

    #[test]
    fn failures_are_named() {
        let text = "KTAP version 1\n1..2\n    ok 1 a\n    not ok 2 bounce_round_trip\nnot ok 1 bio_bounce\n";
        let s = parse_suite("bio_bounce", text);
        assert!(!s.ok);
        assert_eq!(s.failed, vec!["bounce_round_trip".to_string()]);
    }

    #[test]
    fn a_suite_without_its_result_line_failed() {
        let s = parse_suite("hung", "KTAP version 1\n1..2\n    ok 1 a\n");
        assert!(!s.ok);
        assert_eq!(s.passed, 1);
    }
}
