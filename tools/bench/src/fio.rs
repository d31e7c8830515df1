// SPDX-License-Identifier: GPL-2.0

//! The figures of one fio job, read from fio's JSON output (fio 3.x).

use crate::json::{self, Value};

/// What the report shows of one job (one run).
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub name: String,
    /// Bytes per second, reads and writes together.
    pub bw: f64,
    pub iops: f64,
    /// Mean total latency (submission to completion) in nanoseconds, over both directions
    /// weighted by their I/O counts.
    pub lat_mean_ns: f64,
    /// 99th percentile of the total latency; for a mixed job the larger of the two
    /// directions' (fio does not merge their histograms in JSON).
    pub lat_p99_ns: f64,
    /// fio's own CPU use in percent of one CPU (work done by kernel threads on the job's
    /// behalf, such as writeback or completion workers, is not in it).
    pub usr_cpu: f64,
    pub sys_cpu: f64,
}

/// The jobs of one fio JSON document. fio may print notes before the document (for example
/// "fio: file hash not empty on exit"): everything before the first `{` is ignored.
pub fn jobs(text: &str) -> Result<Vec<Job>, String> {
    let start = text.find('{').ok_or("no JSON object in fio's output")?;
    let doc = json::parse(&text[start..]).map_err(|e| format!("fio JSON: {e}"))?;
    let jobs = doc
        .get("jobs")
        .and_then(Value::as_array)
        .ok_or("fio JSON has no \"jobs\" array")?;
    jobs.iter().map(job).collect()
}

fn num(v: &Value, path: &[&str]) -> Result<f64, String> {
    v.at(path)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("fio JSON: no number at {}", path.join(".")))
}

/// The 99th percentile of a latency object, or `None` if fio did not record one.
fn p99(lat: &Value) -> Option<f64> {
    lat.at(&["percentile", "99.000000"]).and_then(Value::as_f64)
}

fn job(v: &Value) -> Result<Job, String> {
    let name = v
        .get("jobname")
        .and_then(Value::as_str)
        .ok_or("fio JSON: a job without \"jobname\"")?
        .to_string();
    let (mut bw, mut iops, mut ios, mut lat_sum, mut lat_p99) = (0.0, 0.0, 0.0, 0.0, 0.0f64);
    for dir in ["read", "write"] {
        let n = num(v, &[dir, "total_ios"])?;
        if n == 0.0 {
            continue;
        }
        bw += num(v, &[dir, "bw_bytes"])?;
        iops += num(v, &[dir, "iops"])?;
        ios += n;
        // lat_ns carries percentiles with lat_percentiles=1 (the benchmark sets it);
        // completion latency is the fallback for JSON from other job files.
        let lat = v.at(&[dir, "lat_ns"]).ok_or("fio JSON: no lat_ns")?;
        lat_sum += num(lat, &["mean"])? * n;
        let p = p99(lat)
            .or_else(|| v.at(&[dir, "clat_ns"]).and_then(p99))
            .ok_or_else(|| format!("fio JSON: job {name}: no 99th percentile"))?;
        lat_p99 = lat_p99.max(p);
    }
    if ios == 0.0 {
        return Err(format!("fio JSON: job {name} did no I/O"));
    }
    Ok(Job {
        name,
        bw,
        iops,
        lat_mean_ns: lat_sum / ios,
        lat_p99_ns: lat_p99,
        usr_cpu: num(v, &["usr_cpu"])?,
        sys_cpu: num(v, &["sys_cpu"])?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One direction as fio 3.39 writes it (only the members the report reads, plus noise).
    pub(crate) fn dir(ios: u64, bw: u64, iops: f64, mean: f64, p99: u64) -> String {
        format!(
            r#"{{"io_bytes": {io}, "bw_bytes": {bw}, "bw": {kib}, "iops": {iops}, "runtime": 3000,
               "total_ios": {ios}, "short_ios": 0,
               "clat_ns": {{"min": 1, "max": 2, "mean": 1.5, "stddev": 0.1, "N": {ios},
                            "percentile": {{"50.000000": 7, "99.000000": 99}}}},
               "lat_ns": {{"min": 1, "max": 2, "mean": {mean}, "stddev": 0.1, "N": {ios},
                           "percentile": {{"1.000000": 3, "99.000000": {p99}}}}}}}"#,
            io = ios * 4096,
            kib = bw / 1024,
        )
    }

    pub(crate) fn doc(jobs: &[(&str, String, String)]) -> String {
        let jobs: Vec<String> = jobs
            .iter()
            .map(|(name, read, write)| {
                format!(
                    r#"{{"jobname": "{name}", "groupid": 0, "error": 0, "read": {read},
                        "write": {write}, "usr_cpu": 1.25, "sys_cpu": 40.5, "ctx": 10}}"#
                )
            })
            .collect();
        format!(
            "note: a line fio printed first\n{{\"fio version\": \"fio-3.39\", \"jobs\": [{}]}}",
            jobs.join(",")
        )
    }

    #[test]
    fn one_direction() {
        let text = doc(&[(
            "seq-read-1m-qd1",
            dir(100, 1 << 20, 1.0, 5000.0, 9000),
            dir(0, 0, 0.0, 0.0, 0),
        )]);
        let jobs = jobs(&text).unwrap();
        assert_eq!(
            jobs,
            vec![Job {
                name: "seq-read-1m-qd1".into(),
                bw: 1048576.0,
                iops: 1.0,
                lat_mean_ns: 5000.0,
                lat_p99_ns: 9000.0,
                usr_cpu: 1.25,
                sys_cpu: 40.5,
            }]
        );
    }

    #[test]
    fn mixed_job_sums_throughput_and_weights_latency() {
        let text = doc(&[(
            "mixed",
            dir(300, 3000, 30.0, 100.0, 500),
            dir(100, 1000, 10.0, 500.0, 800),
        )]);
        let j = &jobs(&text).unwrap()[0];
        assert_eq!((j.bw, j.iops), (4000.0, 40.0));
        assert_eq!(j.lat_mean_ns, (300.0 * 100.0 + 100.0 * 500.0) / 400.0);
        assert_eq!(j.lat_p99_ns, 800.0);
    }

    #[test]
    fn falls_back_to_completion_percentiles() {
        let read = dir(10, 10, 1.0, 1.0, 5)
            .replace(r#""1.000000": 3, "99.000000": 5"#, r#""1.000000": 3"#);
        let text = doc(&[("j", read, dir(0, 0, 0.0, 0.0, 0))]);
        assert_eq!(jobs(&text).unwrap()[0].lat_p99_ns, 99.0);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(jobs("fio: error").unwrap_err().contains("no JSON"));
        assert!(jobs("{\"jobs\": 1}").unwrap_err().contains("\"jobs\""));
        let idle = doc(&[("idle", dir(0, 0, 0.0, 0.0, 0), dir(0, 0, 0.0, 0.0, 0))]);
        assert!(jobs(&idle).unwrap_err().contains("did no I/O"));
        assert!(jobs("{\"jobs\": [{\"jobname\": \"x\"}]}")
            .unwrap_err()
            .contains("read.total_ios"));
    }
}
