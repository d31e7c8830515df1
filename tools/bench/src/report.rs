// SPDX-License-Identifier: GPL-2.0

//! The results document (markdown) and the plot's data and gnuplot script.

use crate::{fio::Job, Run, Spread};
use std::fmt::Write;

/// Where and how the runs were measured, as the guest and the host script recorded it.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    pub date: String,
    pub kernel: String,
    pub kernel_kind: String,
    pub vm: String,
    pub fio: String,
    pub settings: String,
    pub elapsed_s: Option<u64>,
}

/// Everything the document is made from.
pub struct Inputs<'a> {
    pub runs: &'a [Run],
    pub memcpy: &'a [(u64, f64)],
    /// Free text the guest's profile step wrote (already markdown), if it ran.
    pub profile: Option<&'a str>,
    pub meta: Meta,
    /// The PNG's path relative to the document.
    pub png: &'a str,
}

const MIB: f64 = 1048576.0;

/// The runs of one group, looked up by configuration and job.
struct Index<'a> {
    runs: &'a [Run],
}

impl Index<'_> {
    fn select<'b>(&'b self, group: &'b str, config: &'b str) -> impl Iterator<Item = &'b Run> + 'b {
        self.runs
            .iter()
            .filter(move |r| r.group == group && r.config == config)
    }

    /// Job names of a configuration in the order fio ran them.
    fn jobs(&self, group: &str, config: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for r in self.select(group, config) {
            if !names.contains(&r.job.name) {
                names.push(r.job.name.clone());
            }
        }
        names
    }

    fn spread(&self, group: &str, config: &str, job: &str, f: fn(&Job) -> f64) -> Option<Spread> {
        let v: Vec<f64> = self
            .select(group, config)
            .filter(|r| r.job.name == job)
            .map(|r| f(&r.job))
            .collect();
        Spread::of(&v)
    }

    fn has(&self, group: &str, config: &str) -> bool {
        self.select(group, config).next().is_some()
    }
}

fn bw(j: &Job) -> f64 {
    j.bw
}
fn iops(j: &Job) -> f64 {
    j.iops
}
fn lat(j: &Job) -> f64 {
    j.lat_mean_ns
}
fn p99(j: &Job) -> f64 {
    j.lat_p99_ns
}
fn usr(j: &Job) -> f64 {
    j.usr_cpu
}
fn sys(j: &Job) -> f64 {
    j.sys_cpu
}

/// Three significant digits, without scientific notation.
pub fn sig3(x: f64) -> String {
    if !x.is_finite() {
        return "?".into();
    }
    let a = x.abs();
    let decimals = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    format!("{x:.decimals$}")
}

fn cell(s: Option<Spread>, k: f64) -> String {
    match s {
        Some(s) => {
            let s = s.scaled(k);
            format!("{} ({}–{})", sig3(s.med), sig3(s.min), sig3(s.max))
        }
        None => "–".into(),
    }
}

fn med(s: Option<Spread>, k: f64) -> String {
    s.map_or("–".into(), |s| sig3(s.med * k))
}

/// A ratio of two throughputs, and whether the runs support it.
#[derive(Clone, Debug, PartialEq)]
pub struct Ratio {
    pub job: String,
    pub value: f64,
    /// The two ranges overlap: the spread is larger than the difference claimed.
    pub within_spread: bool,
    /// Fewer than 3 runs on either side.
    pub few_runs: bool,
}

impl Ratio {
    pub fn of(job: &str, a: Spread, b: Spread) -> Ratio {
        Ratio {
            job: job.to_string(),
            value: a.med / b.med,
            within_spread: a.overlaps(&b),
            few_runs: a.n < 3 || b.n < 3,
        }
    }

    fn cell(&self) -> String {
        let mut s = format!("{:.2}", self.value);
        if self.within_spread {
            s.push_str(" ~");
        }
        if self.few_runs {
            s.push_str(" (n<3)");
        }
        s
    }
}

/// Geometric mean, lowest and highest of a set of ratios, and those that differ from 1 by
/// more than the spread; one line of the headline section.
pub fn summarize(label: &str, ratios: &[Ratio]) -> String {
    if ratios.is_empty() {
        return format!("- {label}: not measured\n");
    }
    let geo = (ratios.iter().map(|r| r.value.ln()).sum::<f64>() / ratios.len() as f64).exp();
    let lo = ratios
        .iter()
        .min_by(|a, b| a.value.total_cmp(&b.value))
        .unwrap();
    let hi = ratios
        .iter()
        .max_by(|a, b| a.value.total_cmp(&b.value))
        .unwrap();
    let clear: Vec<_> = ratios
        .iter()
        .filter(|r| !r.within_spread && !r.few_runs)
        .collect();
    let behind: Vec<String> = clear
        .iter()
        .filter(|r| r.value < 1.0)
        .map(|r| format!("{} {:.2}", r.job, r.value))
        .collect();
    let mut s = format!(
        "- {label}: geometric mean **{geo:.2}** over {} jobs, from {:.2} ({}) to {:.2} ({}); \
         {} of {} differ by more than their spread",
        ratios.len(),
        lo.value,
        lo.job,
        hi.value,
        hi.job,
        clear.len(),
        ratios.len()
    );
    if !behind.is_empty() {
        let _ = write!(s, "; below 1 beyond the spread: {}", behind.join(", "));
    }
    s.push('\n');
    s
}

/// One side-by-side table of configurations `a` and `b` of `group`; returns the
/// throughput ratios a/b.
fn compare(
    out: &mut String,
    idx: &Index<'_>,
    group: &str,
    a: (&str, &str),
    b: (&str, &str),
) -> Vec<Ratio> {
    let mut ratios = Vec::new();
    if !idx.has(group, a.0) || !idx.has(group, b.0) {
        let _ = writeln!(out, "Not measured (`{group}`: `{}`, `{}`).\n", a.0, b.0);
        return ratios;
    }
    let _ = writeln!(
        out,
        "| job | {la} MiB/s | {lb} MiB/s | {la}/{lb} | IOPS {la} · {lb} | mean lat µs {la} · {lb} | p99 lat µs {la} · {lb} | CPU usr/sys % {la} · {lb} |",
        la = a.1,
        lb = b.1
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for job in idx.jobs(group, a.0) {
        let s = |c: &str, f: fn(&Job) -> f64| idx.spread(group, c, &job, f);
        let (ba, bb) = (s(a.0, bw), s(b.0, bw));
        let ratio = match (ba, bb) {
            (Some(x), Some(y)) => {
                let r = Ratio::of(&job, x, y);
                let c = r.cell();
                ratios.push(r);
                c
            }
            _ => "–".into(),
        };
        let pair =
            |f: fn(&Job) -> f64, k: f64| format!("{} · {}", med(s(a.0, f), k), med(s(b.0, f), k));
        let cpu = |c: &str| format!("{}/{}", med(s(c, usr), 1.0), med(s(c, sys), 1.0));
        let _ = writeln!(
            out,
            "| {job} | {} | {} | {ratio} | {} | {} | {} | {} · {} |",
            cell(ba, 1.0 / MIB),
            cell(bb, 1.0 / MIB),
            pair(iops, 1.0),
            pair(lat, 1e-3),
            pair(p99, 1e-3),
            cpu(a.0),
            cpu(b.0),
        );
    }
    out.push('\n');
    ratios
}

/// O_DIRECT (bounced) against buffered I/O plus fsync: jobs `dio-X` and `buffered-X[-fsync]`.
fn dio_vs_buffered(out: &mut String, idx: &Index<'_>, config: &str) -> Vec<Ratio> {
    let group = "buffered";
    let mut ratios = Vec::new();
    let jobs = idx.jobs(group, config);
    if jobs.is_empty() {
        out.push_str("Not measured.\n\n");
        return ratios;
    }
    out.push_str("| operation | O_DIRECT, bounced MiB/s | buffered (+ fsync) MiB/s | direct/buffered | CPU usr/sys % direct · buffered |\n");
    out.push_str("|---|---:|---:|---:|---:|\n");
    for dio in jobs.iter().filter(|j| j.starts_with("dio-")) {
        let rest = &dio["dio-".len()..];
        let Some(buf) = jobs.iter().find(|j| {
            j.strip_prefix("buffered-")
                .is_some_and(|b| b == rest || b.strip_suffix("-fsync") == Some(rest))
        }) else {
            continue;
        };
        let s = |j: &str, f: fn(&Job) -> f64| idx.spread(group, config, j, f);
        let (a, b) = (s(dio, bw), s(buf, bw));
        let ratio = match (a, b) {
            (Some(x), Some(y)) => {
                let r = Ratio::of(rest, x, y);
                let c = r.cell();
                ratios.push(r);
                c
            }
            _ => "–".into(),
        };
        let cpu = |j: &str| format!("{}/{}", med(s(j, usr), 1.0), med(s(j, sys), 1.0));
        let _ = writeln!(
            out,
            "| {rest} (`{buf}`) | {} | {} | {ratio} | {} · {} |",
            cell(a, 1.0 / MIB),
            cell(b, 1.0 / MIB),
            cpu(dio),
            cpu(buf)
        );
    }
    out.push('\n');
    ratios
}

fn memcpy_table(out: &mut String, rates: &[(u64, f64)]) {
    if rates.is_empty() {
        out.push_str("Not measured.\n\n");
        return;
    }
    out.push_str(
        "| chunk | GiB/s median (min–max) | µs per 4 KiB page (median) |\n|---:|---:|---:|\n",
    );
    let mut chunks: Vec<u64> = rates.iter().map(|r| r.0).collect();
    chunks.dedup();
    for c in chunks {
        let v: Vec<f64> = rates.iter().filter(|r| r.0 == c).map(|r| r.1).collect();
        let s = Spread::of(&v).expect("one value at least");
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            human_bytes(c),
            cell(Some(s), 1.0 / (1024.0 * MIB)),
            sig3(4096.0 / s.med * 1e6)
        );
    }
    out.push('\n');
}

fn human_bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} B"),
    }
}

/// The configurations of the plot: group, configuration, title.
pub const SERIES: [(&str, &str, &str); 6] = [
    ("pi", "scsi-bouncefs-auto", "bouncefs auto, scsi_debug PI"),
    ("pi", "scsi-xfs", "XFS, scsi_debug PI"),
    ("pi", "nvme-bouncefs-auto", "bouncefs auto, NVMe PI"),
    ("pi", "nvme-xfs", "XFS, NVMe PI"),
    ("copy", "plain-bouncefs-always", "bouncefs always, plain"),
    ("copy", "plain-bouncefs-never", "bouncefs never, plain"),
];

/// The plot's panels: title, then (block size in KiB, job) from small to large.
const PANELS: [(&str, [(u32, &str); 4]); 4] = [
    (
        "read, queue depth 1",
        [
            (4, "rand-read-4k-qd1"),
            (64, "rand-read-64k-qd1"),
            (128, "seq-read-128k-qd1"),
            (1024, "seq-read-1m-qd1"),
        ],
    ),
    (
        "write, queue depth 1",
        [
            (4, "rand-write-4k-qd1"),
            (64, "rand-write-64k-qd1"),
            (128, "seq-write-128k-qd1"),
            (1024, "seq-write-1m-qd1"),
        ],
    ),
    (
        "read, queue depth 16 (random) / 8 (sequential)",
        [
            (4, "rand-read-4k-qd16"),
            (64, "rand-read-64k-qd16"),
            (128, "seq-read-128k-qd8"),
            (1024, "seq-read-1m-qd8"),
        ],
    ),
    (
        "write, queue depth 16 (random) / 8 (sequential)",
        [
            (4, "rand-write-4k-qd16"),
            (64, "rand-write-64k-qd16"),
            (128, "seq-write-128k-qd8"),
            (1024, "seq-write-1m-qd8"),
        ],
    ),
];

/// gnuplot data: one block per panel (`index N`), a line per block size with the median,
/// minimum and maximum MiB/s of each series; `?` where nothing was measured.
pub fn plot_data(runs: &[Run]) -> String {
    let idx = Index { runs };
    let mut out = String::from("# bouncefs make bench: MiB/s against block size (KiB)\n# columns: bs_kib, then per series: median min max\n");
    for (i, (title, points)) in PANELS.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        let _ = writeln!(out, "# panel {i}: {title}");
        for (kib, job) in points {
            let _ = write!(out, "{kib}");
            for (group, config, _) in SERIES {
                match idx.spread(group, config, job, bw) {
                    Some(s) => {
                        let s = s.scaled(1.0 / MIB);
                        let _ = write!(out, " {:.3} {:.3} {:.3}", s.med, s.min, s.max);
                    }
                    None => out.push_str(" ? ? ?"),
                }
            }
            out.push('\n');
        }
    }
    out
}

/// The gnuplot script that renders `dat` into `png`.
pub fn plot_script(dat: &str, png: &str, subtitle: &str) -> String {
    let mut s = String::new();
    // noenhanced: "scsi_debug" is a name, not a subscript.
    let _ = writeln!(
        s,
        "set terminal pngcairo noenhanced size 1400,1000 font ',10'"
    );
    let _ = writeln!(s, "set output '{png}'");
    let _ = writeln!(s, "set datafile missing '?'");
    let _ = writeln!(
        s,
        "set multiplot layout 2,2 title \"bouncefs make bench: throughput against block size (median, bars min-max)\\n{}\"",
        subtitle.replace(['\'', '"'], "")
    );
    let _ = writeln!(
        s,
        "set logscale x 2\nset xtics ('4k' 4, '64k' 64, '128k' 128, '1M' 1024)"
    );
    let _ = writeln!(
        s,
        "set xlabel 'block size (4k, 64k random; 128k, 1M sequential)'\nset ylabel 'MiB/s'"
    );
    let _ = writeln!(s, "set key top left font ',8'\nset grid\nset yrange [0:*]");
    for (i, (title, _)) in PANELS.iter().enumerate() {
        let _ = writeln!(s, "set title '{title}'");
        let plots: Vec<String> = SERIES
            .iter()
            .enumerate()
            .map(|(k, (_, _, name))| {
                format!(
                    "'{dat}' index {i} using 1:{}:{}:{} with yerrorlines title '{name}'",
                    2 + 3 * k,
                    3 + 3 * k,
                    4 + 3 * k
                )
            })
            .collect();
        let _ = writeln!(s, "plot {}", plots.join(", \\\n     "));
    }
    s.push_str("unset multiplot\n");
    s
}

/// The results document.
pub fn markdown(inp: &Inputs<'_>) -> String {
    let idx = Index { runs: inp.runs };
    let m = &inp.meta;
    let mut body = String::new();
    let mut head = String::new();

    body.push_str("## Memory-copy bandwidth in the guest\n\n");
    body.push_str("`bouncefs-memcpy-bw`: 64 MiB copied in chunks of the given size (user space, same memory system as the kernel's bounce copy).\n\n");
    memcpy_table(&mut body, inp.memcpy);

    let mut pi = Vec::new();
    for (disk, title) in [
        ("scsi", "scsi_debug PI disk (dif=1 dix=1)"),
        ("nvme", "NVMe PI disk (ms=8, pi=1)"),
    ] {
        let _ = writeln!(
            body,
            "## bouncefs (bounce=auto) against XFS on the {title}\n"
        );
        body.push_str("Both file systems bounce here (the device checksums the data).\n\n");
        let a = format!("{disk}-bouncefs-auto");
        let b = format!("{disk}-xfs");
        pi.push((
            title,
            compare(&mut body, &idx, "pi", (&a, "bouncefs"), (&b, "XFS")),
        ));
    }

    body.push_str(
        "## The price of the copy: bounce=always against bounce=never on the plain disk\n\n",
    );
    body.push_str("Same disk, same file system, same jobs; only the bounce pages differ.\n\n");
    let copy = compare(
        &mut body,
        &idx,
        "copy",
        ("plain-bouncefs-always", "always"),
        ("plain-bouncefs-never", "never"),
    );

    body.push_str("## O_DIRECT with bounce against buffered I/O with fsync\n\n");
    body.push_str("bouncefs bounce=auto on the scsi_debug PI disk; the same amount of data each way (16 MiB sequential, 1 MiB random), synchronous I/O (psync). fio counts the closing fsync in the buffered jobs' time; the buffered read starts with a cold page cache.\n\n");
    let buffered = dio_vs_buffered(&mut body, &idx, "scsi-bouncefs-auto");

    body.push_str(
        "## Scaling: jobs in parallel (NVMe PI disk, queue depth 1 per job, one shared file)\n\n",
    );
    let scaling = compare(
        &mut body,
        &idx,
        "scaling",
        ("nvme-bouncefs-auto", "bouncefs"),
        ("nvme-xfs", "XFS"),
    );

    body.push_str("## Scaling: file size (NVMe PI disk)\n\n");
    let filesize = compare(
        &mut body,
        &idx,
        "filesize",
        ("nvme-bouncefs-auto", "bouncefs"),
        ("nvme-xfs", "XFS"),
    );

    if let Some(p) = inp.profile {
        body.push_str("## Where the time goes\n\n");
        body.push_str(p.trim_end());
        body.push_str("\n\n");
    }

    head.push_str("# bouncefs benchmarks: results\n\n");
    head.push_str("Written by `make bench` (`bouncefs-bench-report` from fio's JSON output); see `benchmarks.rst` for what is measured and how.\n\n");
    let _ = writeln!(head, "- Date: {}", m.date);
    let _ = writeln!(head, "- Kernel: {} ({})", m.kernel, m.kernel_kind);
    let _ = writeln!(head, "- VM: {}", m.vm);
    let _ = writeln!(head, "- fio: {}; {}", m.fio, m.settings);
    if let Some(s) = m.elapsed_s {
        let _ = writeln!(
            head,
            "- Duration of the whole run (boot to report): {} min {} s",
            s / 60,
            s % 60
        );
    }
    head.push_str("\nHow to read: every figure is the median of the runs, with (min–max) where shown. A ratio marked **~** is within the spread: the ranges of the two sides overlap, so the runs do not support the difference the ratio claims. Absolute figures mean little under TCG and a debug kernel; the ratios compare configurations measured in the same boot on the same disks.\n\n");
    let _ = writeln!(head, "![throughput against block size]({})\n", inp.png);
    head.push_str("## Headline ratios (throughput)\n\n");
    for (title, r) in &pi {
        head.push_str(&summarize(&format!("bouncefs/XFS, {title}"), r));
    }
    head.push_str(&summarize(
        "bounce=always / bounce=never, plain disk (the price of the copy)",
        &copy,
    ));
    head.push_str(&summarize("O_DIRECT bounced / buffered + fsync", &buffered));
    head.push_str(&summarize("bouncefs/XFS, parallel jobs", &scaling));
    head.push_str(&summarize("bouncefs/XFS, file sizes", &filesize));
    if let Some(s) = Spread::of(
        &inp.memcpy
            .iter()
            .filter(|r| r.0 == 4096)
            .map(|r| r.1)
            .collect::<Vec<_>>(),
    ) {
        let _ = writeln!(
            head,
            "- memcpy bandwidth in the guest, 4 KiB chunks: {:.2} GiB/s",
            s.med / (1024.0 * MIB)
        );
    }
    head.push('\n');
    head + &body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(group: &str, config: &str, rep: u32, name: &str, mib: f64) -> Run {
        Run {
            group: group.into(),
            config: config.into(),
            rep,
            job: Job {
                name: name.into(),
                bw: mib * MIB,
                iops: mib,
                lat_mean_ns: 1000.0,
                lat_p99_ns: 2000.0,
                usr_cpu: 1.0,
                sys_cpu: 20.0,
            },
        }
    }

    fn runs() -> Vec<Run> {
        let mut v = Vec::new();
        for (rep, (x, b)) in [(10.0, 20.0), (11.0, 21.0), (12.0, 22.0)]
            .into_iter()
            .enumerate()
        {
            let rep = rep as u32 + 1;
            v.push(run("pi", "scsi-bouncefs-auto", rep, "seq-read-1m-qd1", x));
            v.push(run("pi", "scsi-xfs", rep, "seq-read-1m-qd1", b));
            v.push(run("pi", "scsi-bouncefs-auto", rep, "rand-read-4k-qd1", b));
            v.push(run("pi", "scsi-xfs", rep, "rand-read-4k-qd1", x + 10.5));
        }
        v
    }

    #[test]
    fn ratios_and_flags() {
        let r = Ratio::of(
            "j",
            Spread::of(&[10.0, 11.0, 12.0]).unwrap(),
            Spread::of(&[20.0, 21.0, 22.0]).unwrap(),
        );
        assert_eq!(
            (format!("{:.3}", r.value), r.within_spread, r.few_runs),
            ("0.524".into(), false, false)
        );
        let r = Ratio::of(
            "j",
            Spread::of(&[10.0]).unwrap(),
            Spread::of(&[9.0, 10.5, 11.0]).unwrap(),
        );
        assert!(r.within_spread && r.few_runs);
        assert_eq!(r.cell(), "0.95 ~ (n<3)");
    }

    #[test]
    fn table_has_every_figure_and_flags_overlaps() {
        let runs = runs();
        let md = markdown(&Inputs {
            runs: &runs,
            memcpy: &[
                (4096, 2.0 * 1024.0 * MIB),
                (4096, 1024.0 * MIB),
                (4096, 3.0 * 1024.0 * MIB),
            ],
            profile: Some("profile text"),
            meta: Meta {
                date: "2026-11-24".into(),
                kernel: "7.2.13".into(),
                kernel_kind: "KASAN".into(),
                vm: "2 vCPUs".into(),
                fio: "fio-3.39".into(),
                settings: "3 runs".into(),
                elapsed_s: Some(125),
            },
            png: "plot.png",
        });
        assert!(
            md.contains("| seq-read-1m-qd1 | 11.0 (10.0–12.0) | 21.0 (20.0–22.0) | 0.52 |"),
            "{md}"
        );
        // 21 (20-22) against 21.5 (20.5-22.5): the ranges overlap.
        assert!(
            md.contains("| rand-read-4k-qd1 | 21.0 (20.0–22.0) | 21.5 (20.5–22.5) | 0.98 ~ |"),
            "{md}"
        );
        assert!(md.contains("1 of 2 differ by more than their spread; below 1 beyond the spread: seq-read-1m-qd1 0.52"));
        assert!(
            md.contains("2 min 5 s") && md.contains("profile text") && md.contains("(plot.png)")
        );
        assert!(md.contains("| 4 KiB | 2.00 (1.00–3.00) |"));
        assert!(md.contains("4 KiB chunks: 2.00 GiB/s"));
        assert!(md.contains("## The price of the copy") && md.contains("Not measured (`copy`"));
    }

    #[test]
    fn buffered_pairs() {
        let runs = vec![
            run("buffered", "scsi-bouncefs-auto", 1, "dio-write-1m", 5.0),
            run(
                "buffered",
                "scsi-bouncefs-auto",
                1,
                "buffered-write-1m-fsync",
                10.0,
            ),
            run("buffered", "scsi-bouncefs-auto", 1, "dio-read-1m", 8.0),
            run("buffered", "scsi-bouncefs-auto", 1, "buffered-read-1m", 4.0),
        ];
        let mut out = String::new();
        let r = dio_vs_buffered(&mut out, &Index { runs: &runs }, "scsi-bouncefs-auto");
        assert_eq!(
            r.iter()
                .map(|r| (r.job.as_str(), r.value))
                .collect::<Vec<_>>(),
            [("write-1m", 0.5), ("read-1m", 2.0)]
        );
        assert!(out.contains("| write-1m (`buffered-write-1m-fsync`) | 5.00 (5.00–5.00) | 10.0 (10.0–10.0) | 0.50 (n<3) |"), "{out}");
    }

    #[test]
    fn plot_data_has_a_block_per_panel() {
        let dat = plot_data(&runs());
        assert_eq!(dat.matches("# panel").count(), 4);
        let line = dat.lines().find(|l| l.starts_with("1024 ")).unwrap();
        assert!(
            line.starts_with("1024 11.000 10.000 12.000 21.000 20.000 22.000 ? ? ?"),
            "{line}"
        );
        let gp = plot_script("d.dat", "p.png", "x");
        assert!(
            gp.contains("set output 'p.png'") && gp.contains("'d.dat' index 3 using 1:17:18:19")
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(sig3(1234.5), "1234");
        assert_eq!(sig3(12.345), "12.3");
        assert_eq!(sig3(0.01234), "0.012");
        assert_eq!(human_bytes(4096), "4 KiB");
        assert_eq!(human_bytes(64 << 20), "64 MiB");
    }
}
