// SPDX-License-Identifier: GPL-2.0

//! make bench's host side: reads the fio JSON files the guest wrote and turns them into the
//! results table (markdown) and the data and script of the throughput plot (gnuplot).
//!
//! The guest writes `GROUP/CONFIG/repN.json` (or `repN-SUFFIX.json` when one repetition
//! takes several fio runs); each job's name carries its parameters.

pub mod fio;
pub mod json;
pub mod report;

use std::{fs, path::Path};

/// One job of one repetition.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub group: String,
    pub config: String,
    pub rep: u32,
    pub job: fio::Job,
}

/// The repetition number of a result file name: `rep3.json` and `rep3-256M.json` are 3.
pub fn rep_of(file_name: &str) -> Option<u32> {
    let stem = file_name.strip_suffix(".json")?.strip_prefix("rep")?;
    let digits = stem.split('-').next()?;
    digits.parse().ok()
}

/// Every run below `dir` (`GROUP/CONFIG/rep*.json`), in a stable order.
pub fn load(dir: &Path) -> Result<Vec<Run>, String> {
    let read_dir = |d: &Path| -> Result<Vec<std::path::PathBuf>, String> {
        let mut v: Vec<_> = fs::read_dir(d)
            .map_err(|e| format!("{}: {e}", d.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        v.sort();
        Ok(v)
    };
    let mut runs = Vec::new();
    for group in read_dir(dir)?.into_iter().filter(|p| p.is_dir()) {
        for config in read_dir(&group)?.into_iter().filter(|p| p.is_dir()) {
            for file in read_dir(&config)? {
                let name = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                let Some(rep) = rep_of(name) else { continue };
                let text =
                    fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
                let jobs = fio::jobs(&text).map_err(|e| format!("{}: {e}", file.display()))?;
                for job in jobs {
                    runs.push(Run {
                        group: name_of(&group),
                        config: name_of(&config),
                        rep,
                        job,
                    });
                }
            }
        }
    }
    Ok(runs)
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Minimum, median and maximum of a set of runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    pub min: f64,
    pub med: f64,
    pub max: f64,
    pub n: usize,
}

impl Spread {
    /// `None` for no values. The median of an even count is the mean of the middle two.
    pub fn of(values: &[f64]) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let med = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Spread {
            min: v[0],
            med,
            max: v[n - 1],
            n,
        })
    }

    /// Whether the two ranges overlap: then the spread of the runs is larger than the
    /// difference of the medians, and a ratio of the two claims more than was measured.
    pub fn overlaps(&self, other: &Spread) -> bool {
        self.min <= other.max && other.min <= self.max
    }

    pub fn scaled(self, k: f64) -> Spread {
        Spread {
            min: self.min * k,
            med: self.med * k,
            max: self.max * k,
            n: self.n,
        }
    }
}

/// Memory-copy bandwidth lines of `bouncefs-memcpy-bw`: (chunk bytes, bytes per second).
pub fn memcpy_rates(text: &str) -> Vec<(u64, f64)> {
    text.lines()
        .filter(|l| l.starts_with("memcpy "))
        .filter_map(|l| {
            let field = |k: &str| {
                l.split_whitespace()
                    .find_map(|w| w.strip_prefix(k)?.strip_prefix('='))
            };
            Some((
                field("chunk")?.parse().ok()?,
                field("bytes_per_sec")?.parse().ok()?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rep_numbers() {
        assert_eq!(rep_of("rep1.json"), Some(1));
        assert_eq!(rep_of("rep12-1024M.json"), Some(12));
        assert_eq!(rep_of("rep.json"), None);
        assert_eq!(rep_of("rep1.json.parts"), None);
        assert_eq!(rep_of("memcpy.txt"), None);
    }

    #[test]
    fn spread_and_overlap() {
        let a = Spread::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((a.min, a.med, a.max, a.n), (1.0, 2.0, 3.0, 3));
        assert_eq!(Spread::of(&[4.0, 1.0, 2.0, 3.0]).unwrap().med, 2.5);
        assert_eq!(Spread::of(&[]), None);
        let b = Spread::of(&[2.9, 4.0, 5.0]).unwrap();
        let c = Spread::of(&[3.1, 4.0]).unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c) && !c.overlaps(&a));
        assert_eq!(a.scaled(2.0).max, 6.0);
    }

    #[test]
    fn memcpy_lines() {
        let text = "noise\nmemcpy chunk=4096 total=64 rep=1 bytes_per_sec=1000\nmemcpy chunk=x\n";
        assert_eq!(memcpy_rates(text), vec![(4096, 1000.0)]);
    }

    #[test]
    fn loads_a_results_tree() {
        let dir = std::env::temp_dir().join(format!("bouncefs-bench-load-{}", std::process::id()));
        let cfg = dir.join("pi/scsi-xfs");
        fs::create_dir_all(&cfg).unwrap();
        let d = fio::tests::dir(10, 100, 1.0, 1.0, 1);
        let z = fio::tests::dir(0, 0, 0.0, 0.0, 0);
        fs::write(
            cfg.join("rep2.json"),
            fio::tests::doc(&[("a", d.clone(), z.clone())]),
        )
        .unwrap();
        fs::write(cfg.join("rep1-64M.json"), fio::tests::doc(&[("b", d, z)])).unwrap();
        fs::write(cfg.join("notes.txt"), "not a result").unwrap();
        let runs = load(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        let got: Vec<_> = runs
            .iter()
            .map(|r| {
                (
                    r.group.as_str(),
                    r.config.as_str(),
                    r.rep,
                    r.job.name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [("pi", "scsi-xfs", 1, "b"), ("pi", "scsi-xfs", 2, "a")]
        );
    }
}
