// SPDX-License-Identifier: GPL-2.0

//! The scenarios: each creates its own files in the directory under test, does its I/O and
//! verifies every byte; `Ok` carries a one-line summary, `Err` what went wrong.
//!
//! Every file has its own [`Pattern`], from the run's seed and the file's name, so each
//! sector also says which file it belongs to. Integrity scenarios compare against an
//! in-memory model of the file. Scenarios with concurrent writers cannot know the exact
//! content, so they judge each sector with [`Pattern::classify`]: it must be intact data
//! written for that file and offset (or zeroes where a hole is allowed), never garbage,
//! stale blocks of other offsets or files, or torn sectors; `truncate-race` also judges
//! each sector against the [`History`] of writes and truncates.
//!
//! Each scenario also has a `verify` part, which checks the files a finished run left
//! behind (with the same seed and logical block size) without writing: the run ends with
//! it, and it can run on its own (`--verify`), e.g. after a remount, or on files a test
//! corrupted on purpose.

use crate::{
    buffer::Aligned,
    history::History,
    pattern::{Pattern, Sector, SECTOR},
    sys,
};
use std::{
    fs::File,
    io::{IoSlice, IoSliceMut, Seek, Write},
    os::unix::fs::FileExt,
    path::{Path, PathBuf},
    sync::atomic::{AtomicBool, Ordering},
    thread,
};

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;
const PAGE: usize = 4096;

/// Where and how a scenario runs.
pub struct Ctx {
    /// The directory the scenario's files go to (on the file system under test).
    pub dir: PathBuf,
    /// The device's logical block size: the `O_DIRECT` alignment.
    pub lbs: usize,
    /// Seeds the data and the files' identities, so two runs do not write the same bytes.
    pub seed: u64,
}

impl Ctx {
    /// The path of a scenario's file.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The data of the file called `name`.
    pub fn pattern(&self, name: &str) -> Pattern {
        Pattern::new(self.seed, name)
    }

    /// A fresh file for a scenario, with `O_DIRECT` when `direct`.
    fn create(&self, name: &str, direct: bool) -> Result<(File, PathBuf), String> {
        let path = self.path(name);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(at(&path, e)),
            _ => {}
        }
        let file = sys::open(&path, direct).map_err(|e| at(&path, e))?;
        Ok((file, path))
    }

    /// A file a run left, with `O_DIRECT`.
    fn open(&self, name: &str) -> Result<(File, PathBuf), String> {
        let path = self.path(name);
        let file = sys::open_existing(&path, true).map_err(|e| at(&path, e))?;
        Ok((file, path))
    }
}

fn at(path: &Path, e: impl std::fmt::Display) -> String {
    format!("{}: {e}", path.display())
}

/// One `O_DIRECT` write of all of `buf`, which must be suitably aligned; a short write is
/// an error.
fn write_all_direct(file: &File, pos: u64, buf: &[u8]) -> Result<(), String> {
    match file.write_at(buf, pos) {
        Ok(n) if n == buf.len() => Ok(()),
        Ok(n) => Err(format!(
            "O_DIRECT write of {} bytes at {pos} wrote {n}",
            buf.len()
        )),
        Err(e) => Err(format!(
            "O_DIRECT write of {} bytes at {pos}: {e}",
            buf.len()
        )),
    }
}

/// One `O_DIRECT` write from a page-aligned copy of `data`.
fn dio_write(file: &File, pos: u64, data: &[u8]) -> Result<(), String> {
    write_all_direct(file, pos, &Aligned::from_slice(data))
}

/// One `O_DIRECT` read of up to `len` bytes: what it returned.
fn dio_read(file: &File, pos: u64, len: usize) -> Result<Vec<u8>, String> {
    let mut buf = Aligned::new(len);
    let n = file
        .read_at(&mut buf, pos)
        .map_err(|e| format!("O_DIRECT read of {len} bytes at {pos}: {e}"))?;
    Ok(buf[..n].to_vec())
}

fn expect_same(
    pattern: &Pattern,
    got: &[u8],
    want: &[u8],
    pos: u64,
    what: &str,
) -> Result<(), String> {
    match pattern.first_difference(got, want, pos) {
        None => Ok(()),
        Some(d) => Err(format!("{what}: {d}")),
    }
}

// Each scenario's first file is named after it (`ROUND_TRIP` and so on), so that its
// pattern, and thus its `verify`, follows from the name and the seed.

/// A write of a scenario's plan: `(file offset, length, version)`.
type Planned = (u64, usize, u32);

/// The expected content of a file, and the pattern its data was made with (which names
/// what a wrong sector holds instead).
struct Model {
    bytes: Vec<u8>,
    pattern: Pattern,
}

impl Model {
    fn new(pattern: Pattern) -> Self {
        Self {
            bytes: Vec::new(),
            pattern,
        }
    }

    /// The model of `version` written at each `(pos, len, version)`.
    fn of_writes(pattern: Pattern, writes: &[Planned]) -> Self {
        let mut model = Self::new(pattern);
        for &(pos, len, version) in writes {
            model.write_version(pos, len, version);
        }
        model
    }

    fn write(&mut self, pos: u64, data: &[u8]) {
        let (pos, end) = (pos as usize, pos as usize + data.len());
        if self.bytes.len() < end {
            self.bytes.resize(end, 0);
        }
        self.bytes[pos..end].copy_from_slice(data);
    }

    fn write_version(&mut self, pos: u64, len: usize, version: u32) {
        let data = self.pattern.data(version, pos, len);
        self.write(pos, &data);
    }

    fn set_len(&mut self, len: u64) {
        self.bytes.resize(len as usize, 0);
    }

    fn range(&self, pos: u64, len: usize) -> &[u8] {
        &self.bytes[pos as usize..pos as usize + len]
    }

    /// Reads the whole file with `O_DIRECT` (1 MiB at a time, the last read crossing EOF)
    /// and with buffered I/O, and compares both with the model.
    fn verify(&self, ctx: &Ctx, file: &File, path: &Path, what: &str) -> Result<(), String> {
        let size = file.metadata().map_err(|e| at(path, e))?.len();
        if size != self.bytes.len() as u64 {
            return Err(format!(
                "{what}: file size {size}, expected {}",
                self.bytes.len()
            ));
        }
        let mut got = Vec::with_capacity(self.bytes.len());
        loop {
            let want = MIB + ctx.lbs;
            let chunk = dio_read(file, got.len() as u64, want)?;
            got.extend_from_slice(&chunk);
            if got.len() > self.bytes.len() {
                return Err(format!(
                    "{what}: O_DIRECT reads return data past EOF ({size})"
                ));
            }
            // A short read ends at EOF; reading on from there could start at an offset that
            // is not block aligned, which O_DIRECT may refuse.
            if chunk.len() < want {
                break;
            }
        }
        let p = &self.pattern;
        expect_same(p, &got, &self.bytes, 0, &format!("{what}, O_DIRECT read"))?;
        let buffered = std::fs::read(path).map_err(|e| at(path, e))?;
        expect_same(
            p,
            &buffered,
            &self.bytes,
            0,
            &format!("{what}, buffered read"),
        )
    }
}

/// The `verify` part of the scenarios with a model: opens each file a run left and
/// compares it with its model.
fn verify_models(ctx: &Ctx, files: &[(&str, Model)]) -> Result<String, String> {
    for (name, model) in files {
        let (file, path) = ctx.open(name)?;
        model.verify(ctx, &file, &path, name)?;
    }
    Ok(format!("{} file(s) as expected", files.len()))
}

/// An `O_DIRECT` buffer of `len` bytes placed `at` bytes past a page boundary, between
/// guard bytes that a read into it must leave alone.
struct Placed {
    buf: Aligned,
    at: usize,
    len: usize,
}

const GUARD: u8 = 0xa5;

impl Placed {
    fn new(len: usize, at: usize) -> Self {
        // A page of guard bytes after the buffer, and `at` of them before it.
        let mut buf = Aligned::new(at + len + 4096);
        buf.fill(GUARD);
        Self { buf, at, len }
    }

    fn with(data: &[u8], at: usize) -> Self {
        let mut p = Self::new(data.len(), at);
        p.get_mut().copy_from_slice(data);
        p
    }

    fn get(&self) -> &[u8] {
        &self.buf[self.at..self.at + self.len]
    }

    fn get_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.at..self.at + self.len]
    }

    /// Whether the guard bytes are intact: a bounce copy of the wrong length or to the
    /// wrong place would change them.
    fn guards(&self, what: &str) -> Result<(), String> {
        let before = self.buf[..self.at].iter().rposition(|&b| b != GUARD);
        let after = self.buf[self.at + self.len..]
            .iter()
            .position(|&b| b != GUARD);
        match (before, after) {
            (None, None) => Ok(()),
            (Some(i), _) => Err(format!(
                "{what}: wrote into memory {} bytes before its buffer",
                self.at - i
            )),
            (_, Some(i)) => Err(format!(
                "{what}: wrote into memory {} bytes after its buffer",
                i + 1
            )),
        }
    }
}

const ROUND_TRIP: &str = "round-trip";

fn round_trip_writes(ctx: &Ctx) -> Vec<Planned> {
    let lbs = ctx.lbs;
    let sizes = [lbs, 4 * KIB, 4 * KIB + 3 * lbs, 64 * KIB, MIB, 4 * MIB];
    let mut pos = 3 * lbs as u64;
    let mut writes = Vec::new();
    for (i, &len) in sizes.iter().enumerate() {
        writes.push((pos, len, 1 + i as u32));
        pos += (len + (i + 1) * lbs) as u64;
    }
    writes
}

/// Round trips from one logical block to 4 MiB at offsets aligned to the logical block but
/// not to the I/O size; the gaps between them, inside and between file blocks, must read
/// back as zeroes.
pub fn round_trip(ctx: &Ctx) -> Result<String, String> {
    let (file, _) = ctx.create(ROUND_TRIP, true)?;
    let p = ctx.pattern(ROUND_TRIP);
    let writes = round_trip_writes(ctx);
    for &(pos, len, version) in &writes {
        let data = p.data(version, pos, len);
        dio_write(&file, pos, &data)?;
        let back = dio_read(&file, pos, len)?;
        expect_same(&p, &back, &data, pos, &format!("{len} bytes at {pos}"))?;
    }
    round_trip_verify(ctx)?;
    Ok(format!(
        "{} writes of {} B to 4 MiB at logical-block offsets, gaps read as zeroes",
        writes.len(),
        ctx.lbs
    ))
}

/// The `verify` part of [`round_trip`]: checks the files a finished run left.
pub fn round_trip_verify(ctx: &Ctx) -> Result<String, String> {
    let model = Model::of_writes(ctx.pattern(ROUND_TRIP), &round_trip_writes(ctx));
    verify_models(ctx, &[(ROUND_TRIP, model)])
}

const VECTORED: &str = "vectored";

fn vectored_plan(ctx: &Ctx) -> (u64, [usize; 5]) {
    let lbs = ctx.lbs;
    (
        (20 * KIB + lbs) as u64,
        [lbs, 4 * KIB, 2 * lbs, 64 * KIB, 12 * KIB],
    )
}

/// `pwritev`/`preadv` with segments of different sizes, read back with another split.
pub fn vectored(ctx: &Ctx) -> Result<String, String> {
    let (file, _) = ctx.create(VECTORED, true)?;
    let p = ctx.pattern(VECTORED);
    let (pos, sizes) = vectored_plan(ctx);
    let total: usize = sizes.iter().sum();
    let data = p.data(1, pos, total);
    let mut segments = Vec::new();
    let mut start = 0;
    for len in sizes {
        segments.push(Aligned::from_slice(&data[start..start + len]));
        start += len;
    }
    let slices: Vec<IoSlice<'_>> = segments.iter().map(|s| IoSlice::new(s)).collect();
    let n = sys::write_vectored_at(&file, &slices, pos).map_err(|e| format!("pwritev: {e}"))?;
    if n != total {
        return Err(format!("pwritev of {total} bytes wrote {n}"));
    }
    let split = total / 2 / ctx.lbs * ctx.lbs;
    let (mut a, mut b) = (Aligned::new(split), Aligned::new(total - split));
    let mut out = [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)];
    let n = sys::read_vectored_at(&file, &mut out, pos).map_err(|e| format!("preadv: {e}"))?;
    if n != total {
        return Err(format!("preadv of {total} bytes read {n}"));
    }
    expect_same(&p, &[&a[..], &b[..]].concat(), &data, pos, "preadv")?;
    vectored_verify(ctx)?;
    Ok(format!(
        "pwritev of {} segments ({total} B), preadv in 2",
        sizes.len()
    ))
}

/// The `verify` part of [`vectored`]: checks the files a finished run left.
pub fn vectored_verify(ctx: &Ctx) -> Result<String, String> {
    let (pos, sizes) = vectored_plan(ctx);
    let model = Model::of_writes(ctx.pattern(VECTORED), &[(pos, sizes.iter().sum(), 1)]);
    verify_models(ctx, &[(VECTORED, model)])
}

const EXTENDING: &str = "extending";

fn extending_writes(ctx: &Ctx) -> Vec<Planned> {
    let lbs = ctx.lbs;
    let mut writes = Vec::new();
    let mut pos = 0u64;
    for (i, len) in [4 * KIB, lbs, 3 * lbs, 64 * KIB, 8 * KIB]
        .into_iter()
        .enumerate()
    {
        writes.push((pos, len, 1 + i as u32));
        pos += len as u64;
    }
    writes.push((pos + (MIB + lbs) as u64, 4 * KIB, 9));
    writes
}

/// Writes that extend the file, of sizes that leave EOF inside a file block, then one far
/// past EOF that leaves a hole; the size follows each write and survives a reopen.
pub fn extending(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create(EXTENDING, true)?;
    let p = ctx.pattern(EXTENDING);
    let writes = extending_writes(ctx);
    for &(pos, len, version) in &writes {
        dio_write(&file, pos, &p.data(version, pos, len))?;
        let size = file.metadata().map_err(|e| at(&path, e))?.len();
        if size != pos + len as u64 {
            return Err(format!(
                "after an extending write to {}, the size is {size}",
                pos + len as u64
            ));
        }
    }
    file.sync_all().map_err(|e| at(&path, e))?;
    drop(file);
    extending_verify(ctx)?;
    Ok(format!(
        "{} extending writes, the size right after each and after a reopen, 1 MiB hole reads as zeroes",
        writes.len()
    ))
}

/// The `verify` part of [`extending`]: checks the files a finished run left.
pub fn extending_verify(ctx: &Ctx) -> Result<String, String> {
    let model = Model::of_writes(ctx.pattern(EXTENDING), &extending_writes(ctx));
    verify_models(ctx, &[(EXTENDING, model)])
}

const HOLES: &str = "holes";
const HOLES_SIZE: u64 = 8 * MIB as u64;

fn holes_writes(ctx: &Ctx) -> Vec<Planned> {
    let lbs = ctx.lbs as u64;
    vec![
        (40 * KIB as u64 + lbs, lbs as usize, 1),
        (MIB as u64, 4 * KIB, 2),
        (3 * MIB as u64 + 12 * KIB as u64, 64 * KIB, 3),
        (6 * MIB as u64 + 2 * lbs, MIB, 4),
    ]
}

/// Writes into the holes of a sparse file, some smaller than a file block.
pub fn holes(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create(HOLES, true)?;
    let p = ctx.pattern(HOLES);
    file.set_len(HOLES_SIZE).map_err(|e| at(&path, e))?;
    let writes = holes_writes(ctx);
    for &(pos, len, version) in &writes {
        dio_write(&file, pos, &p.data(version, pos, len))?;
    }
    holes_verify(ctx)?;
    Ok(format!(
        "{} writes into an 8 MiB sparse file, the rest reads as zeroes",
        writes.len()
    ))
}

/// The `verify` part of [`holes`]: checks the files a finished run left.
pub fn holes_verify(ctx: &Ctx) -> Result<String, String> {
    let mut model = Model::new(ctx.pattern(HOLES));
    model.set_len(HOLES_SIZE);
    for (pos, len, version) in holes_writes(ctx) {
        model.write_version(pos, len, version);
    }
    verify_models(ctx, &[(HOLES, model)])
}

const PREALLOCATED: &str = "preallocated";

/// The writes inside the preallocated 4 MiB, and the extending one past it.
fn preallocated_writes(ctx: &Ctx) -> ([Planned; 2], Planned) {
    let lbs = ctx.lbs as u64;
    (
        [(MIB as u64 + lbs, 64 * KIB, 1), (0, 4 * KIB, 2)],
        (4 * MIB as u64 + 4096, 8 * KIB, 3),
    )
}

/// Writes into preallocated space, inside EOF and (`FALLOC_FL_KEEP_SIZE`) past it.
pub fn preallocated(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create(PREALLOCATED, true)?;
    let mut model = Model::new(ctx.pattern(PREALLOCATED));
    sys::allocate(&file, 0, 0, 4 * MIB as u64).map_err(|e| format!("fallocate: {e}"))?;
    model.set_len(4 * MIB as u64);
    let (inside, past) = preallocated_writes(ctx);
    for (pos, len, version) in inside {
        model.write_version(pos, len, version);
        dio_write(&file, pos, model.range(pos, len))?;
    }
    model.verify(ctx, &file, &path, "preallocated within EOF")?;
    sys::allocate(&file, sys::FALLOC_FL_KEEP_SIZE, 4 * MIB as u64, MIB as u64)
        .map_err(|e| format!("fallocate KEEP_SIZE: {e}"))?;
    model.verify(ctx, &file, &path, "after KEEP_SIZE preallocation")?;
    let (pos, len, version) = past;
    model.write_version(pos, len, version);
    dio_write(&file, pos, model.range(pos, len))?;
    preallocated_verify(ctx)?;
    Ok("writes into 4 MiB preallocated, and past EOF into KEEP_SIZE space".into())
}

/// The `verify` part of [`preallocated`]: checks the files a finished run left.
pub fn preallocated_verify(ctx: &Ctx) -> Result<String, String> {
    let (inside, past) = preallocated_writes(ctx);
    let mut model = Model::new(ctx.pattern(PREALLOCATED));
    model.set_len(4 * MIB as u64);
    for (pos, len, version) in inside.into_iter().chain([past]) {
        model.write_version(pos, len, version);
    }
    verify_models(ctx, &[(PREALLOCATED, model)])
}

const ACROSS_EOF: &str = "across-eof";
const ACROSS_EOF_EMPTY: &str = "across-eof-empty";
const ACROSS_EOF_SIZE: u64 = 10_000;

fn across_eof_model(ctx: &Ctx) -> Model {
    let mut model = Model::new(ctx.pattern(ACROSS_EOF));
    model.write_version(0, 10 * KIB, 1);
    model.set_len(ACROSS_EOF_SIZE);
    model
}

/// `O_DIRECT` reads that cross or start past EOF return what is there and no more.
pub fn across_eof(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create(ACROSS_EOF, false)?;
    let model = across_eof_model(ctx);
    let size = ACROSS_EOF_SIZE;
    file.write_all_at(&model.bytes, 0)
        .map_err(|e| at(&path, e))?;
    drop(file);
    let file = sys::open(&path, true).map_err(|e| at(&path, e))?;
    let lbs = ctx.lbs as u64;
    let tail_start = size / lbs * lbs;
    for (pos, len) in [
        (8192, 4096),
        (8192, 64 * KIB),
        (tail_start, ctx.lbs),
        (0, MIB),
    ] {
        let got = dio_read(&file, pos, len)?;
        let want_end = (pos + len as u64).min(size);
        let want = &model.bytes[pos as usize..want_end as usize];
        expect_same(
            &model.pattern,
            &got,
            want,
            pos,
            &format!("O_DIRECT read of {len} at {pos} across EOF"),
        )?;
    }
    for pos in [12 * 1024, size.div_ceil(lbs) * lbs, 64 * MIB as u64] {
        let got = dio_read(&file, pos, 4 * KIB)?;
        if !got.is_empty() {
            return Err(format!(
                "O_DIRECT read at {pos}, past EOF {size}, returned {} bytes",
                got.len()
            ));
        }
    }
    let (empty, _) = ctx.create(ACROSS_EOF_EMPTY, true)?;
    if !dio_read(&empty, 0, 4 * KIB)?.is_empty() {
        return Err("O_DIRECT read of an empty file returned data".into());
    }
    across_eof_verify(ctx)?;
    Ok(format!(
        "reads crossing EOF at {size} are short, reads past it return 0"
    ))
}

/// The `verify` part of [`across_eof`]: checks the files a finished run left.
pub fn across_eof_verify(ctx: &Ctx) -> Result<String, String> {
    let empty = Model::new(ctx.pattern(ACROSS_EOF_EMPTY));
    verify_models(
        ctx,
        &[
            (ACROSS_EOF, across_eof_model(ctx)),
            (ACROSS_EOF_EMPTY, empty),
        ],
    )
}

/// A small deterministic generator for the threads' choices.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// A worker thread of the concurrent scenarios: how many I/Os it did, or why it stopped.
type Worker<'scope> = thread::ScopedJoinHandle<'scope, Result<u64, String>>;

/// Waits for the writers, then tells the readers (which loop until `done`) to stop and
/// waits for them: the writes and reads done, or the first failure.
fn join_writers_then_readers(
    writers: Vec<Worker<'_>>,
    readers: Vec<Worker<'_>>,
    done: &AtomicBool,
) -> Result<(u64, u64), String> {
    let mut failure = None;
    let mut join = |workers: Vec<Worker<'_>>, what: &str| -> u64 {
        let mut count = 0;
        for worker in workers {
            match worker
                .join()
                .unwrap_or_else(|_| Err(format!("{what} panicked")))
            {
                Ok(n) => count += n,
                Err(e) => failure = failure.take().or(Some(e)),
            }
        }
        count
    };
    let writes = join(writers, "writer");
    done.store(true, Ordering::Relaxed);
    let reads = join(readers, "reader");
    failure.map_or(Ok((writes, reads)), Err)
}

const CONCURRENT_DISJOINT: &str = "concurrent-disjoint";
const DISJOINT_REGION: usize = MIB;
const DISJOINT_ROUNDS: u32 = 4;

/// Writers on their own regions while readers check a static region and the live ones.
pub fn concurrent_disjoint(ctx: &Ctx) -> Result<String, String> {
    const REGION: usize = DISJOINT_REGION;
    const CHUNK: usize = 64 * KIB;
    const ROUNDS: u32 = DISJOINT_ROUNDS;
    let (file, _) = ctx.create(CONCURRENT_DISJOINT, true)?;
    let p = ctx.pattern(CONCURRENT_DISJOINT);
    dio_write(&file, 0, &p.data(1, 0, 4 * REGION))?;
    let done = AtomicBool::new(false);
    let seed = ctx.seed;
    let result = thread::scope(|s| {
        let writers: Vec<_> = (0..2u32)
            .map(|w| {
                let (file, p) = (&file, &p);
                s.spawn(move || -> Result<u64, String> {
                    let base = w as u64 * REGION as u64;
                    for round in 0..ROUNDS {
                        let version = 2 + w * ROUNDS + round;
                        for c in (0..REGION).step_by(CHUNK) {
                            let pos = base + c as u64;
                            dio_write(file, pos, &p.data(version, pos, CHUNK))?;
                        }
                    }
                    Ok((REGION / CHUNK) as u64 * ROUNDS as u64)
                })
            })
            .collect();
        let readers: Vec<_> = (0..2u64)
            .map(|r| {
                let (file, done, p) = (&file, &done, &p);
                s.spawn(move || -> Result<u64, String> {
                    let mut rng = Rng(seed ^ (r + 1));
                    let mut reads = 0;
                    while !done.load(Ordering::Relaxed) || reads < 8 {
                        // Static regions must hold version 1 exactly; the live ones any
                        // version written for that region, sector by sector.
                        let region = rng.below(4);
                        let pos = region * REGION as u64
                            + rng.below((REGION / CHUNK) as u64) * CHUNK as u64;
                        let got = dio_read(file, pos, CHUNK)?;
                        p.check_range(&got, pos, |_, v| match (region, v) {
                            (2 | 3, Sector::Version(1)) => true,
                            (0 | 1, Sector::Version(v)) => {
                                v == 1
                                    || v.checked_sub(2)
                                        .is_some_and(|x| x / ROUNDS == region as u32)
                            }
                            _ => false,
                        })?;
                        reads += 1;
                    }
                    Ok(reads)
                })
            })
            .collect();
        join_writers_then_readers(writers, readers, &done)
    });
    let (writes, reads) = result?;
    concurrent_disjoint_verify(ctx)?;
    Ok(format!(
        "2 writers ({writes} writes of 64 KiB), 2 readers ({reads} reads) on disjoint regions"
    ))
}

/// The `verify` part of [`concurrent_disjoint`]: checks the files a finished run left.
pub fn concurrent_disjoint_verify(ctx: &Ctx) -> Result<String, String> {
    let (region, rounds) = (DISJOINT_REGION, DISJOINT_ROUNDS);
    let mut model = Model::new(ctx.pattern(CONCURRENT_DISJOINT));
    for w in 0..2u32 {
        model.write_version(
            w as u64 * region as u64,
            region,
            2 + w * rounds + rounds - 1,
        );
    }
    model.write_version(2 * region as u64, 2 * region, 1);
    verify_models(ctx, &[(CONCURRENT_DISJOINT, model)])
}

const CONCURRENT_OVERLAPPING: &str = "concurrent-overlapping";
const OVERLAPPING_RANGE: usize = 512 * KIB;
const OVERLAPPING_ROUNDS: u32 = 3;
const OVERLAPPING_WRITERS: u32 = 3;

fn overlapping_valid(_: u64, v: Sector) -> bool {
    matches!(v, Sector::Version(v) if (1..2 + OVERLAPPING_WRITERS * OVERLAPPING_ROUNDS).contains(&v))
}

/// Three writers and two readers on the same 512 KiB: every sector read, during and after,
/// is intact data of one of the writes for that offset.
pub fn concurrent_overlapping(ctx: &Ctx) -> Result<String, String> {
    const RANGE: usize = OVERLAPPING_RANGE;
    const CHUNK: usize = 64 * KIB;
    const ROUNDS: u32 = OVERLAPPING_ROUNDS;
    const WRITERS: u32 = OVERLAPPING_WRITERS;
    let (file, _) = ctx.create(CONCURRENT_OVERLAPPING, true)?;
    let p = ctx.pattern(CONCURRENT_OVERLAPPING);
    dio_write(&file, 0, &p.data(1, 0, RANGE))?;
    let done = AtomicBool::new(false);
    let seed = ctx.seed;
    let result = thread::scope(|s| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (file, p) = (&file, &p);
                s.spawn(move || -> Result<u64, String> {
                    let mut rng = Rng(seed ^ 0x5eed ^ u64::from(w));
                    let chunks = (RANGE / CHUNK) as u64;
                    for round in 0..ROUNDS {
                        let version = 2 + w * ROUNDS + round;
                        let start = rng.below(chunks);
                        for c in 0..chunks {
                            let pos = (start + c) % chunks * CHUNK as u64;
                            dio_write(file, pos, &p.data(version, pos, CHUNK))?;
                        }
                    }
                    Ok(chunks * ROUNDS as u64)
                })
            })
            .collect();
        let readers: Vec<_> = (0..2u64)
            .map(|r| {
                let (file, done, p) = (&file, &done, &p);
                s.spawn(move || -> Result<u64, String> {
                    let mut rng = Rng(seed ^ 0xbeef ^ r);
                    let mut reads = 0;
                    while !done.load(Ordering::Relaxed) || reads < 8 {
                        let pos = rng.below((RANGE / SECTOR) as u64) * SECTOR as u64;
                        let len = CHUNK.min(RANGE - pos as usize);
                        let got = dio_read(file, pos, len)?;
                        p.check_range(&got, pos, overlapping_valid)?;
                        reads += 1;
                    }
                    Ok(reads)
                })
            })
            .collect();
        join_writers_then_readers(writers, readers, &done)
    });
    let (writes, reads) = result?;
    concurrent_overlapping_verify(ctx)?;
    Ok(format!("{WRITERS} writers ({writes} writes of 64 KiB) and 2 readers ({reads} reads) on one 512 KiB range"))
}

/// The `verify` part of [`concurrent_overlapping`]: checks the files a finished run left.
pub fn concurrent_overlapping_verify(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.open(CONCURRENT_OVERLAPPING)?;
    let p = ctx.pattern(CONCURRENT_OVERLAPPING);
    let size = file.metadata().map_err(|e| at(&path, e))?.len();
    if size != OVERLAPPING_RANGE as u64 {
        return Err(format!("final size {size}, expected {OVERLAPPING_RANGE}"));
    }
    let all = dio_read(&file, 0, OVERLAPPING_RANGE)?;
    p.check_range(&all, 0, overlapping_valid)
        .map_err(|e| format!("final content: {e}"))?;
    let buffered = std::fs::read(&path).map_err(|e| at(&path, e))?;
    expect_same(&p, &buffered, &all, 0, "buffered read of the final content")?;
    Ok("every sector a version written for it".into())
}

const BUFFERED_DIRECT: &str = "buffered-direct";

/// The buffered write, the buffered overwrite and the `O_DIRECT` overwrite.
fn buffered_direct_writes(ctx: &Ctx) -> [Planned; 3] {
    [
        (0, MIB + ctx.lbs, 1),
        (100 * KIB as u64, 8 * KIB, 2),
        (64 * KIB as u64 + ctx.lbs as u64, 128 * KIB, 3),
    ]
}

/// Buffered writes, not yet written back, are what `O_DIRECT` reads; `O_DIRECT` writes are
/// what buffered reads see afterwards, also when the pages were cached before.
pub fn buffered_and_direct(ctx: &Ctx) -> Result<String, String> {
    let (buffered, path) = ctx.create(BUFFERED_DIRECT, false)?;
    let direct = sys::open(&path, true).map_err(|e| at(&path, e))?;
    let p = ctx.pattern(BUFFERED_DIRECT);
    let [first, second, third] = buffered_direct_writes(ctx);
    for ((pos, len, version), what) in [
        (first, "O_DIRECT read after buffered write"),
        (second, "O_DIRECT read after buffered overwrite"),
    ] {
        let data = p.data(version, pos, len);
        buffered
            .write_all_at(&data, pos)
            .map_err(|e| at(&path, e))?;
        expect_same(&p, &dio_read(&direct, pos, len)?, &data, pos, what)?;
    }
    // Cache every page, then overwrite part of them directly.
    std::fs::read(&path).map_err(|e| at(&path, e))?;
    let (pos, len, version) = third;
    let data = p.data(version, pos, len);
    dio_write(&direct, pos, &data)?;
    let mut back = vec![0; len];
    buffered
        .read_exact_at(&mut back, pos)
        .map_err(|e| at(&path, e))?;
    expect_same(
        &p,
        &back,
        &data,
        pos,
        "buffered read of cached pages after O_DIRECT write",
    )?;
    buffered_direct_verify(ctx)?;
    Ok("buffered write -> O_DIRECT read, O_DIRECT write -> buffered read of cached pages".into())
}

/// The `verify` part of [`buffered_and_direct`]: checks the files a finished run left.
pub fn buffered_direct_verify(ctx: &Ctx) -> Result<String, String> {
    let model = Model::of_writes(ctx.pattern(BUFFERED_DIRECT), &buffered_direct_writes(ctx));
    verify_models(ctx, &[(BUFFERED_DIRECT, model)])
}

const MMAP_DIRECT: &str = "mmap-direct";

/// The `O_DIRECT` write, the stores through the mapping and the `O_DIRECT` overwrite.
fn mmap_direct_writes(ctx: &Ctx) -> [Planned; 3] {
    [
        (0, MIB, 1),
        (128 * KIB as u64, 256 * KIB, 2),
        ((256 * KIB + ctx.lbs) as u64, 64 * KIB, 3),
    ]
}

/// Stores through a shared mapping are what `O_DIRECT` reads (no msync); `O_DIRECT` writes
/// are what the mapping shows afterwards.
pub fn mmap_and_direct(ctx: &Ctx) -> Result<String, String> {
    let (file, _) = ctx.create(MMAP_DIRECT, true)?;
    let p = ctx.pattern(MMAP_DIRECT);
    let [first, stored, direct] = mmap_direct_writes(ctx);
    let (pos, len, version) = first;
    dio_write(&file, pos, &p.data(version, pos, len))?;
    let map = sys::Mapping::new(&file, len).map_err(|e| format!("mmap: {e}"))?;
    let (pos, len, version) = stored;
    let data = p.data(version, pos, len);
    map.store(pos as usize, &data);
    expect_same(
        &p,
        &dio_read(&file, pos, len)?,
        &data,
        pos,
        "O_DIRECT read after stores through mmap",
    )?;
    let (pos, len, version) = direct;
    let data = p.data(version, pos, len);
    dio_write(&file, pos, &data)?;
    expect_same(
        &p,
        &map.load(pos as usize, len),
        &data,
        pos,
        "mmap load after O_DIRECT write",
    )?;
    drop(map);
    mmap_direct_verify(ctx)?;
    Ok("mmap store -> O_DIRECT read, O_DIRECT write -> mmap load".into())
}

/// The `verify` part of [`mmap_and_direct`]: checks the files a finished run left.
pub fn mmap_direct_verify(ctx: &Ctx) -> Result<String, String> {
    let model = Model::of_writes(ctx.pattern(MMAP_DIRECT), &mmap_direct_writes(ctx));
    verify_models(ctx, &[(MMAP_DIRECT, model)])
}

const TRUNCATE_RACE: &str = "truncate-race";
const TRUNCATE_SIZE: u64 = 4 * MIB as u64;
const TRUNCATE_OPS: u64 = 150;

/// `O_DIRECT` writers and readers while another thread keeps truncating and extending the
/// file: no error, and every sector read, during the race and after it, holds what the
/// [`History`] of writes and truncates allows there: never data from before a truncate
/// that cut below its offset (unless rewritten since), never a version older than a
/// completed overwrite, never zeroes where data must be, and never another file's or
/// another offset's data (a freed block read back elsewhere).
pub fn truncate_race(ctx: &Ctx) -> Result<String, String> {
    const SIZE: u64 = TRUNCATE_SIZE;
    const CHUNK: usize = 64 * KIB;
    const OPS: u64 = TRUNCATE_OPS;
    let (file, path) = ctx.create(TRUNCATE_RACE, true)?;
    let p = ctx.pattern(TRUNCATE_RACE);
    dio_write(&file, 0, &p.data(1, 0, SIZE as usize))?;
    let history = History::new(SIZE, 1);
    let seed = ctx.seed;
    let done = AtomicBool::new(false);
    let (file, history, p) = (&file, &history, &p);
    let result = thread::scope(|s| {
        let writer = s.spawn(|| -> Result<u64, String> {
            let mut rng = Rng(seed ^ 11);
            for i in 0..OPS {
                let pos = rng.below(SIZE / CHUNK as u64) * CHUNK as u64;
                let version = 2 + i as u32;
                let data = p.data(version, pos, CHUNK);
                let event = history.begin_write(pos, CHUNK as u64, version);
                dio_write(file, pos, &data)?;
                history.end(event);
            }
            Ok(OPS)
        });
        let reader = s.spawn(|| -> Result<u64, String> {
            let mut rng = Rng(seed ^ 13);
            let mut reads = 0;
            while !done.load(Ordering::Relaxed) || reads < 8 {
                let pos = rng.below(SIZE / CHUNK as u64) * CHUNK as u64;
                let rs = history.now();
                let got = dio_read(file, pos, CHUNK)?;
                let re = history.now();
                history.check(&got, p, pos, rs, re)?;
                reads += 1;
            }
            Ok(reads)
        });
        let truncator = s.spawn(|| -> Result<u64, String> {
            let mut rng = Rng(seed ^ 17);
            for _ in 0..OPS / 2 {
                let len = rng.below(SIZE / 4096 + 1) * 4096 + rng.below(2) * ctx.lbs as u64;
                let event = history.begin_truncate(len);
                file.set_len(len)
                    .map_err(|e| format!("truncate to {len}: {e}"))?;
                history.end(event);
            }
            Ok(OPS / 2)
        });
        let w = writer
            .join()
            .unwrap_or_else(|_| Err("writer panicked".into()));
        let t = truncator
            .join()
            .unwrap_or_else(|_| Err("truncator panicked".into()));
        done.store(true, Ordering::Relaxed);
        let r = reader
            .join()
            .unwrap_or_else(|_| Err("reader panicked".into()));
        Ok::<_, String>((w?, t?, r?))
    });
    let (writes, truncates, reads) = result?;
    let size = history.verify_file(file, &path, p)?;
    Ok(format!(
        "{writes} writes, {reads} reads, {truncates} truncates; final size {size}, \
         every sector what the history of writes and truncates leaves there"
    ))
}

/// Without the history of a run (only the run has it), what is left to check: every
/// sector is zeroes or intact data this scenario wrote for this file and offset.
pub fn truncate_race_verify(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.open(TRUNCATE_RACE)?;
    let p = ctx.pattern(TRUNCATE_RACE);
    let size = file.metadata().map_err(|e| at(&path, e))?.len();
    let versions = 1..2 + TRUNCATE_OPS as u32;
    let mut all = Vec::new();
    while (all.len() as u64) < size {
        let got = dio_read(&file, all.len() as u64, MIB)?;
        if got.is_empty() {
            return Err(format!(
                "O_DIRECT read at {} returned nothing, the size is {size}",
                all.len()
            ));
        }
        all.extend_from_slice(&got);
    }
    p.check_range(&all, 0, |_, v| match v {
        Sector::Zero => true,
        Sector::Version(v) => versions.contains(&v),
    })
    .map_err(|e| format!("final content: {e}"))?;
    let buffered = std::fs::read(&path).map_err(|e| at(&path, e))?;
    expect_same(&p, &buffered, &all, 0, "buffered read of the final content")?;
    Ok(format!(
        "size {size}, every sector zeroes or data written for it (the truncate rule needs the run's history)"
    ))
}

const UNALIGNED_BUFFERS: &str = "unaligned-buffers";

/// The offsets into a page of the buffers: logical-block multiples, none 0 unless the
/// logical block is the page.
fn in_page_offsets(lbs: usize) -> [usize; 3] {
    [lbs % PAGE, 3 * lbs % PAGE, (PAGE - lbs) % PAGE]
}

fn unaligned_buffers_writes(ctx: &Ctx) -> Vec<Planned> {
    let lbs = ctx.lbs;
    let mut pos = 5 * lbs as u64;
    let mut writes = Vec::new();
    for (i, len) in [lbs, 4 * KIB, 4 * KIB + lbs, 64 * KIB + 3 * lbs, MIB]
        .into_iter()
        .enumerate()
    {
        writes.push((pos, len, 1 + i as u32));
        pos += (len + (i + 1) * lbs) as u64;
    }
    writes
}

/// `O_DIRECT` from and into user buffers that are aligned to the logical block but not to
/// the page (the buffer starts `lbs * k` bytes into a page; with 4 KiB blocks this is
/// page-aligned), of one block to 1 MiB; reads must fill exactly their buffer, leaving the
/// bytes around it alone.
pub fn unaligned_buffers(ctx: &Ctx) -> Result<String, String> {
    let (file, _) = ctx.create(UNALIGNED_BUFFERS, true)?;
    let p = ctx.pattern(UNALIGNED_BUFFERS);
    let offsets = in_page_offsets(ctx.lbs);
    let writes = unaligned_buffers_writes(ctx);
    for (i, &(pos, len, version)) in writes.iter().enumerate() {
        let data = p.data(version, pos, len);
        let (w_at, r_at) = (offsets[i % 3], offsets[(i + 1) % 3]);
        let src = Placed::with(&data, w_at);
        write_all_direct(&file, pos, src.get())?;
        let mut dst = Placed::new(len, r_at);
        let what = format!("O_DIRECT read of {len} at {pos} into a buffer at page + {r_at}");
        let n = file
            .read_at(dst.get_mut(), pos)
            .map_err(|e| format!("{what}: {e}"))?;
        if n != len {
            return Err(format!("{what}: read {n} bytes"));
        }
        dst.guards(&what)?;
        expect_same(&p, dst.get(), &data, pos, &what)?;
    }
    unaligned_buffers_verify(ctx)?;
    Ok(format!(
        "{} writes and reads of {} B to 1 MiB from and into buffers at page + {:?}",
        writes.len(),
        ctx.lbs,
        offsets
    ))
}

/// The `verify` part of [`unaligned_buffers`]: checks the files a finished run left.
pub fn unaligned_buffers_verify(ctx: &Ctx) -> Result<String, String> {
    let model = Model::of_writes(
        ctx.pattern(UNALIGNED_BUFFERS),
        &unaligned_buffers_writes(ctx),
    );
    verify_models(ctx, &[(UNALIGNED_BUFFERS, model)])
}

const MIXED_IOVECS: &str = "mixed-iovecs";

/// `(length, offset into the page)` of the segments of the first write, of the overwrite
/// and of the read; and where the write and the overwrite go.
struct IovecPlan {
    pos: u64,
    write: Vec<(usize, usize)>,
    overwrite_pos: u64,
    overwrite: Vec<(usize, usize)>,
    read: Vec<(usize, usize)>,
}

fn mixed_iovecs_plan(ctx: &Ctx) -> IovecPlan {
    let lbs = ctx.lbs;
    let [a, b, c] = in_page_offsets(lbs);
    let write = vec![
        (lbs, a),
        (3 * lbs, b),
        // From the last block of a page into the next two.
        (PAGE + lbs, c),
        (2 * PAGE, 0),
        (5 * lbs, b),
        (64 * KIB + lbs, a),
    ];
    let total: usize = write.iter().map(|s| s.0).sum();
    let mut read = Vec::new();
    let mut left = total;
    for (len, off) in [(2 * lbs, b), (PAGE + 3 * lbs, c), (7 * lbs, a), (PAGE, 0)]
        .into_iter()
        .cycle()
    {
        if left <= len {
            read.push((left, c));
            break;
        }
        read.push((len, off));
        left -= len;
    }
    let pos = (20 * KIB + lbs) as u64;
    IovecPlan {
        pos,
        write,
        overwrite_pos: pos + 2 * lbs as u64,
        overwrite: vec![(2 * lbs, b), (PAGE + 3 * lbs, c), (lbs, 0)],
        read,
    }
}

/// One `pwritev` of `data` from segments placed as `segments` says.
fn pwritev_placed(
    file: &File,
    pos: u64,
    data: &[u8],
    segments: &[(usize, usize)],
) -> Result<(), String> {
    let mut bufs = Vec::new();
    let mut start = 0;
    for &(len, at) in segments {
        bufs.push(Placed::with(&data[start..start + len], at));
        start += len;
    }
    let slices: Vec<IoSlice<'_>> = bufs.iter().map(|b| IoSlice::new(b.get())).collect();
    let what = format!("pwritev of {} segments at {pos}", segments.len());
    match sys::write_vectored_at(file, &slices, pos) {
        Ok(n) if n == data.len() => Ok(()),
        Ok(n) => Err(format!("{what}: wrote {n} of {} bytes", data.len())),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// `pwritev`/`preadv` whose segments (logical-block multiples) sit at different offsets
/// into their pages, some crossing page boundaries, read back with another split: the
/// bounce copy must gather and scatter each segment at its own address.
pub fn mixed_iovecs(ctx: &Ctx) -> Result<String, String> {
    let (file, _) = ctx.create(MIXED_IOVECS, true)?;
    let p = ctx.pattern(MIXED_IOVECS);
    let plan = mixed_iovecs_plan(ctx);
    let total: usize = plan.write.iter().map(|s| s.0).sum();
    let mut model = Model::new(p);
    model.write_version(plan.pos, total, 1);
    pwritev_placed(&file, plan.pos, model.range(plan.pos, total), &plan.write)?;
    let len: usize = plan.overwrite.iter().map(|s| s.0).sum();
    let data = p.data(2, plan.overwrite_pos, len);
    pwritev_placed(&file, plan.overwrite_pos, &data, &plan.overwrite)?;
    model.write(plan.overwrite_pos, &data);
    let mut bufs: Vec<Placed> = plan
        .read
        .iter()
        .map(|&(l, at)| Placed::new(l, at))
        .collect();
    let mut slices: Vec<IoSliceMut<'_>> = bufs
        .iter_mut()
        .map(|b| IoSliceMut::new(b.get_mut()))
        .collect();
    let what = format!("preadv of {} segments at {}", plan.read.len(), plan.pos);
    let n =
        sys::read_vectored_at(&file, &mut slices, plan.pos).map_err(|e| format!("{what}: {e}"))?;
    drop(slices);
    if n != total {
        return Err(format!("{what}: read {n} of {total} bytes"));
    }
    for b in &bufs {
        b.guards(&what)?;
    }
    let got: Vec<u8> = bufs.iter().flat_map(|b| b.get().iter().copied()).collect();
    expect_same(&p, &got, model.range(plan.pos, total), plan.pos, &what)?;
    mixed_iovecs_verify(ctx)?;
    Ok(format!(
        "pwritev of {} and {} segments, preadv of {}, at page offsets {:?}",
        plan.write.len(),
        plan.overwrite.len(),
        plan.read.len(),
        in_page_offsets(ctx.lbs)
    ))
}

/// The `verify` part of [`mixed_iovecs`]: checks the files a finished run left.
pub fn mixed_iovecs_verify(ctx: &Ctx) -> Result<String, String> {
    let plan = mixed_iovecs_plan(ctx);
    let total = plan.write.iter().map(|s| s.0).sum();
    let len = plan.overwrite.iter().map(|s| s.0).sum();
    let model = Model::of_writes(
        ctx.pattern(MIXED_IOVECS),
        &[(plan.pos, total, 1), (plan.overwrite_pos, len, 2)],
    );
    verify_models(ctx, &[(MIXED_IOVECS, model)])
}

const MMAP_SOURCE: &str = "mmap-source";
const MMAP_SOURCE_SRC: &str = "mmap-source-src";
const MMAP_SOURCE_DST: &str = "mmap-source-dst";
const MMAP_SOURCE_LEN: usize = MIB;

/// The source's `O_DIRECT` write and its stores through the mapping; the ranges written
/// from the source's mapping; the ranges read into the destination's mapping.
type MmapSourcePlan = ([Planned; 2], [(u64, usize); 4], [(u64, usize); 2]);

fn mmap_source_plan(ctx: &Ctx) -> MmapSourcePlan {
    let lbs = ctx.lbs as u64;
    let k = KIB as u64;
    (
        [(0, MMAP_SOURCE_LEN, 1), (256 * k, 128 * KIB, 2)],
        [
            (0, 256 * KIB),
            (256 * k, 128 * KIB),
            (384 * k + lbs, 64 * KIB),
            (512 * k, 512 * KIB),
        ],
        [(0, 512 * KIB), (512 * k + lbs, 256 * KIB)],
    )
}

/// The models of the written file, the source and the destination.
fn mmap_source_models(ctx: &Ctx) -> [(&'static str, Model); 3] {
    let p = ctx.pattern(MMAP_SOURCE);
    let (src_writes, writes, reads) = mmap_source_plan(ctx);
    let src = Model::of_writes(p, &src_writes);
    let mut written = Model::new(p);
    for (pos, len) in writes {
        written.write(pos, src.range(pos, len));
    }
    let mut dst = Model::new(p);
    dst.set_len(MMAP_SOURCE_LEN as u64);
    for (pos, len) in reads {
        dst.write(pos, written.range(pos, len));
    }
    [
        (MMAP_SOURCE, written),
        (MMAP_SOURCE_SRC, src),
        (MMAP_SOURCE_DST, dst),
    ]
}

/// `O_DIRECT` writes whose source buffer is a shared mapping of another file on the file
/// system under test (its pages partly dirty, partly not yet read in), and `O_DIRECT`
/// reads into a shared mapping of a third one; all three files are verified. The source
/// and the destination hold copies of the written file's data, at the same offsets.
pub fn mmap_source(ctx: &Ctx) -> Result<String, String> {
    let (file, _) = ctx.create(MMAP_SOURCE, true)?;
    let (src, _) = ctx.create(MMAP_SOURCE_SRC, true)?;
    let (dst, dst_path) = ctx.create(MMAP_SOURCE_DST, true)?;
    let p = ctx.pattern(MMAP_SOURCE);
    let (src_writes, writes, reads) = mmap_source_plan(ctx);
    let [(pos, len, version), (s_pos, s_len, s_version)] = src_writes;
    dio_write(&src, pos, &p.data(version, pos, len))?;
    let src_map = sys::Mapping::new(&src, MMAP_SOURCE_LEN).map_err(|e| format!("mmap: {e}"))?;
    // Dirty pages in the source: the write must take the stored data, not the disk's.
    src_map.store(s_pos as usize, &p.data(s_version, s_pos, s_len));
    for (pos, len) in writes {
        let from = &src_map.as_slice()[pos as usize..pos as usize + len];
        write_all_direct(&file, pos, from)
            .map_err(|e| format!("from a mapping of {MMAP_SOURCE_SRC}: {e}"))?;
    }
    drop(src_map);
    dst.set_len(MMAP_SOURCE_LEN as u64)
        .map_err(|e| at(&dst_path, e))?;
    let mut dst_map = sys::Mapping::new(&dst, MMAP_SOURCE_LEN).map_err(|e| format!("mmap: {e}"))?;
    for (pos, len) in reads {
        let into = &mut dst_map.as_mut_slice()[pos as usize..pos as usize + len];
        let what = format!("O_DIRECT read of {len} at {pos} into a mapping of {MMAP_SOURCE_DST}");
        match file.read_at(into, pos) {
            Ok(n) if n == len => {}
            Ok(n) => return Err(format!("{what}: read {n} bytes")),
            Err(e) => return Err(format!("{what}: {e}")),
        }
    }
    drop(dst_map);
    mmap_source_verify(ctx)?;
    Ok(format!(
        "{} O_DIRECT writes from a mapping (dirty and clean pages), {} O_DIRECT reads into one",
        writes.len(),
        reads.len()
    ))
}

/// The `verify` part of [`mmap_source`]: checks the files a finished run left.
pub fn mmap_source_verify(ctx: &Ctx) -> Result<String, String> {
    verify_models(ctx, &mmap_source_models(ctx))
}

const APPEND: &str = "append";

#[derive(Clone, Copy)]
enum Append {
    /// `write(2)` of this many bytes.
    Write(usize),
    /// `writev(2)` of two segments of these lengths.
    Writev(usize, usize),
    /// `pwrite(2)` at offset 0 of this many bytes.
    Pwrite(usize),
}

/// The first write (without `O_APPEND`) and the appends, each with its version.
fn append_plan(ctx: &Ctx) -> (usize, Vec<(Append, u32)>) {
    let lbs = ctx.lbs;
    let appends = vec![
        (Append::Write(lbs), 2),
        (Append::Write(4 * KIB), 3),
        (Append::Pwrite(3 * lbs), 4),
        (Append::Writev(lbs, 4 * KIB + lbs), 5),
        (Append::Write(64 * KIB), 6),
        (Append::Pwrite(lbs), 7),
        (Append::Write(MIB + lbs), 8),
    ];
    (8 * KIB, appends)
}

impl Append {
    fn len(self) -> usize {
        match self {
            Append::Write(n) | Append::Pwrite(n) => n,
            Append::Writev(a, b) => a + b,
        }
    }
}

/// `O_DIRECT` with `O_APPEND`: writes (one of them vectored) land at EOF, and leave the
/// file position there; `pwrite` on an `O_APPEND` descriptor appends too, whatever its
/// offset (Linux, pwrite(2) "BUGS").
pub fn append(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create(APPEND, true)?;
    let p = ctx.pattern(APPEND);
    let (first, appends) = append_plan(ctx);
    dio_write(&file, 0, &p.data(1, 0, first))?;
    drop(file);
    let file = sys::open_append(&path).map_err(|e| at(&path, e))?;
    let mut size = first as u64;
    for &(op, version) in &appends {
        let len = op.len();
        let data = Aligned::from_slice(&p.data(version, size, len));
        let (what, n) = match op {
            Append::Write(_) => ("write", (&file).write(&data)),
            Append::Pwrite(_) => ("pwrite at offset 0", file.write_at(&data, 0)),
            Append::Writev(a, _) => {
                let (x, y) = data.split_at(a);
                let (x, y) = (Aligned::from_slice(x), Aligned::from_slice(y));
                let slices = [IoSlice::new(&x), IoSlice::new(&y)];
                ("writev", (&file).write_vectored(&slices))
            }
        };
        let what = format!("O_APPEND O_DIRECT {what} of {len} bytes to a {size}-byte file");
        match n {
            Ok(n) if n == len => {}
            Ok(n) => return Err(format!("{what}: wrote {n}")),
            Err(e) => return Err(format!("{what}: {e}")),
        }
        let back = dio_read(&file, size, len)?;
        expect_same(
            &p,
            &back,
            &data,
            size,
            &format!("{what}: read back at {size}"),
        )?;
        size += len as u64;
        let now = file.metadata().map_err(|e| at(&path, e))?.len();
        if now != size {
            return Err(format!("{what}: the size is {now}, expected {size}"));
        }
        // pwrite does not move the file position; the others leave it at the new EOF.
        if !matches!(op, Append::Pwrite(_)) {
            let position = (&file).stream_position().map_err(|e| at(&path, e))?;
            if position != size {
                return Err(format!("{what}: file position {position}, expected {size}"));
            }
        }
    }
    append_verify(ctx)?;
    Ok(format!(
        "{} appends (write, writev, pwrite at 0) after {first} bytes; size {size}",
        appends.len()
    ))
}

/// The `verify` part of [`append`]: checks the files a finished run left.
pub fn append_verify(ctx: &Ctx) -> Result<String, String> {
    let p = ctx.pattern(APPEND);
    let (first, appends) = append_plan(ctx);
    let mut model = Model::new(p);
    model.write_version(0, first, 1);
    for (op, version) in appends {
        model.write_version(model.bytes.len() as u64, op.len(), version);
    }
    verify_models(ctx, &[(APPEND, model)])
}

/// File systems that do not do direct I/O at all (they serve `O_DIRECT` from the page
/// cache, or fall back to buffered I/O when it is misaligned), so there is no alignment
/// for them to enforce and `RWF_NOWAIT` may be unsupported: tmpfs, ramfs, btrfs, overlayfs,
/// NFS, FUSE, 9p, ZFS, CIFS and SMB2. Only the host tests meet them; bouncefs and XFS are
/// not among them.
const NO_DIRECT_IO: &[u64] = &[
    0x0102_1994,
    0x8584_58f6,
    0x9123_683e,
    0x794c_7630,
    0x6969,
    0x6573_5546,
    0x0102_1997,
    0x2fc1_2fc1,
    0xff53_4d42,
    0xfe53_4d42,
];

/// bouncefs' `f_type`: it requires memory aligned to the logical block, like the file
/// offset and the length.
const BOUNCEFS_MAGIC: u64 = 0x424f_4e43;

const MISALIGNED: &str = "misaligned";
const MISALIGNED_SIZE: usize = 256 * KIB;

/// Misaligned `O_DIRECT` fails with `EINVAL`, exactly, and changes nothing, for `pwrite`,
/// `pread`, `pwritev` and `preadv`: a file offset or a length 256 bytes off a sector
/// (misaligned for every logical block size) or a file offset one byte off, on every file
/// system that does direct I/O; and a buffer (or one iovec of two) at an odd address, on
/// bouncefs. Elsewhere memory alignment is the block layer's business, and current kernels
/// accept some misaligned buffers (Linux 6.18 on ext4 does, for a buffer within one page):
/// there such a call must fail with `EINVAL` or transfer exactly the right bytes, nothing
/// else; it writes the bytes already in the file, so the file stays unchanged either way.
/// On a file system without direct I/O (tmpfs, btrfs, NFS and the like) every case is of that kind.
pub fn misaligned(ctx: &Ctx) -> Result<String, String> {
    let (file, _) = ctx.create(MISALIGNED, true)?;
    let p = ctx.pattern(MISALIGNED);
    let mut model = Model::new(p);
    model.write_version(0, MISALIGNED_SIZE, 1);
    dio_write(&file, 0, &model.bytes)?;
    let kind = sys::fs_type(&file).map_err(|e| format!("fstatfs: {e}"))?;
    let direct_io = !NO_DIRECT_IO.contains(&kind);
    let lbs = ctx.lbs;
    let base = 64 * KIB as u64;
    let half = (SECTOR / 2) as u64;
    // (what, file offset, length, buffer offset into its page, second segment's offset
    // into its page for the vectored calls, whether only the memory is misaligned).
    let cases = [
        (
            "file offset 256 bytes off",
            base + half,
            2 * lbs,
            0,
            0,
            false,
        ),
        (
            "file offset 1 byte off",
            base + lbs as u64 + 1,
            2 * lbs,
            0,
            0,
            false,
        ),
        (
            "length 256 bytes off",
            base,
            2 * lbs + SECTOR / 2,
            0,
            0,
            false,
        ),
        ("buffer at an odd address", base, 2 * lbs, 1, 1, true),
        ("second iovec at an odd address", base, 2 * lbs, 0, 1, true),
    ];
    let other = p.data(2, base, 3 * lbs);
    let (mut refused, mut either) = (0, 0);
    for (what, pos, len, at, second, memory) in cases {
        let strict = direct_io && (!memory || kind == BOUNCEFS_MAGIC);
        // Other data where the call must fail (a partial write would show); the data
        // already there where it may succeed.
        let current = model.range(pos, len);
        let data = if strict { &other[..len] } else { current };
        let outcome = |call: &str, r: std::io::Result<usize>| -> Result<bool, String> {
            let what = format!("misaligned O_DIRECT {call}, {what}");
            match r {
                Err(e) if e.raw_os_error() == Some(sys::EINVAL) => Ok(false),
                Ok(n) if !strict && n == len => Ok(true),
                Err(e) if strict => Err(format!("{what}: {e}, expected EINVAL")),
                Ok(n) if strict => Err(format!("{what}: did {n} bytes, expected EINVAL")),
                Err(e) => Err(format!("{what}: {e}, expected EINVAL or success")),
                Ok(n) => Err(format!("{what}: did {n} of {len} bytes")),
            }
        };
        let mut count = |done: bool| {
            if done {
                either += 1;
            } else {
                refused += 1;
            }
        };
        // A read that succeeded must have read the right bytes, and only into its buffer.
        let read_back = |call: &str, bufs: &[&Placed]| -> Result<(), String> {
            let what = format!("misaligned O_DIRECT {call}, {what}");
            for b in bufs {
                b.guards(&what)?;
            }
            let got: Vec<u8> = bufs.iter().flat_map(|b| b.get().iter().copied()).collect();
            expect_same(&p, &got, current, pos, &what)
        };
        if second == at {
            let src = Placed::with(data, at);
            count(outcome("pwrite", file.write_at(src.get(), pos))?);
            let mut dst = Placed::new(len, at);
            let done = outcome("pread", file.read_at(dst.get_mut(), pos))?;
            if done {
                read_back("pread", &[&dst])?;
            }
            count(done);
        }
        // The same as two segments, the second one placed at `second`; neither empty, as
        // the kernel's alignment check skips empty segments.
        let (a, b) = (
            Placed::with(&data[..lbs], at),
            Placed::with(&data[lbs..], second),
        );
        let slices = [IoSlice::new(a.get()), IoSlice::new(b.get())];
        count(outcome(
            "pwritev",
            sys::write_vectored_at(&file, &slices, pos),
        )?);
        let (mut a, mut b) = (Placed::new(lbs, at), Placed::new(len - lbs, second));
        let mut slices = [IoSliceMut::new(a.get_mut()), IoSliceMut::new(b.get_mut())];
        let done = outcome("preadv", sys::read_vectored_at(&file, &mut slices, pos))?;
        if done {
            read_back("preadv", &[&a, &b])?;
        }
        count(done);
    }
    misaligned_verify(ctx)?;
    let lenient = if either == 0 {
        String::new()
    } else {
        format!(
            ", {either} succeeded where allowed (memory alignment outside bouncefs, or no \
             direct I/O at all)"
        )
    };
    Ok(format!(
        "{refused} misaligned pwrite/pread/pwritev/preadv calls refused with EINVAL{lenient}; the file unchanged"
    ))
}

/// The `verify` part of [`misaligned`]: checks the files a finished run left.
pub fn misaligned_verify(ctx: &Ctx) -> Result<String, String> {
    let model = Model::of_writes(ctx.pattern(MISALIGNED), &[(0, MISALIGNED_SIZE, 1)]);
    verify_models(ctx, &[(MISALIGNED, model)])
}

const NOWAIT: &str = "nowait";
const NOWAIT_ALLOCATED: usize = MIB;
const NOWAIT_SIZE: u64 = 2 * MIB as u64;

/// The `RWF_NOWAIT` writes: overwrites inside the first MiB, then one into the hole.
fn nowait_writes(ctx: &Ctx) -> Vec<Planned> {
    const CHUNK: usize = 64 * KIB;
    let mut rng = Rng(ctx.seed ^ 0x0a17);
    let mut writes = Vec::new();
    for i in 0..12u32 {
        let shorter = (i % 2) as usize * ctx.lbs;
        let pos = rng.below((NOWAIT_ALLOCATED / CHUNK) as u64) * CHUNK as u64 + shorter as u64;
        writes.push((pos, CHUNK - shorter, 2 + i));
    }
    writes.push(((NOWAIT_ALLOCATED + CHUNK) as u64, CHUNK, 20));
    writes
}

/// What the `RWF_NOWAIT` calls of a run got: a file system may not offer the flag at all
/// (`EOPNOTSUPP`: no `FMODE_NOWAIT`), but then it must refuse it every time.
#[derive(Default)]
struct NowaitCalls {
    calls: usize,
    refused: usize,
}

impl NowaitCalls {
    /// The outcome of one `RWF_NOWAIT` call: how many bytes it did, 0 for `EAGAIN` or
    /// `EOPNOTSUPP`.
    fn outcome(&mut self, r: std::io::Result<usize>, what: &str) -> Result<usize, String> {
        self.calls += 1;
        match r {
            Ok(n) => Ok(n),
            Err(e) if e.raw_os_error() == Some(sys::EAGAIN) => Ok(0),
            Err(e) if e.raw_os_error() == Some(sys::EOPNOTSUPP) => {
                self.refused += 1;
                Ok(0)
            }
            Err(e) => Err(format!(
                "{what} with RWF_NOWAIT: {e}, expected success, EAGAIN or EOPNOTSUPP"
            )),
        }
    }

    /// Refusing the flag sometimes and taking it at other times is a bug.
    fn consistent(&self) -> Result<(), String> {
        if self.refused != 0 && self.refused != self.calls {
            return Err(format!(
                "RWF_NOWAIT refused with EOPNOTSUPP {} times of {}: either always or never",
                self.refused, self.calls
            ));
        }
        Ok(())
    }
}

/// Reads `len` bytes at `pos` with `RWF_NOWAIT`, the rest without: the data and whether
/// all of it came from the `RWF_NOWAIT` read.
fn nowait_read(
    ctx: &Ctx,
    file: &File,
    pos: u64,
    len: usize,
    nowait: &mut NowaitCalls,
) -> Result<(Vec<u8>, bool), String> {
    let mut buf = Aligned::new(len);
    let what = format!("O_DIRECT preadv2 of {len} bytes at {pos}");
    let r =
        sys::read_vectored_at_flags(file, &mut [IoSliceMut::new(&mut buf)], pos, sys::RWF_NOWAIT);
    let n = nowait.outcome(r, &what)?;
    // Finish from the last whole logical block on: a short count need not be aligned.
    let done = n.min(len);
    let mut got = buf[..done].to_vec();
    let redo = done / ctx.lbs * ctx.lbs;
    got.truncate(redo);
    if redo < len {
        got.extend_from_slice(&dio_read(file, pos + redo as u64, len - redo)?);
    }
    Ok((got, done == len))
}

/// `pwritev2`/`preadv2` with `RWF_NOWAIT` on an `O_DIRECT` file: overwrites of allocated
/// blocks, reads of them, a write into a hole and a read of the whole file either succeed
/// (perhaps short) or fail with `EAGAIN`, nothing else; what `EAGAIN` or a short count
/// left undone is then done without `RWF_NOWAIT`, and the data must be right. A file
/// system that does not offer the flag (no `FMODE_NOWAIT`: tmpfs, and bouncefs today) must
/// refuse every call with `EOPNOTSUPP`, and the summary says so.
pub fn nowait(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create(NOWAIT, true)?;
    let p = ctx.pattern(NOWAIT);
    let mut nowait = NowaitCalls::default();
    let mut model = Model::new(p);
    model.write_version(0, NOWAIT_ALLOCATED, 1);
    dio_write(&file, 0, model.range(0, NOWAIT_ALLOCATED))?;
    // Allocated and written for certain, so the overwrites need no allocation.
    file.sync_all().map_err(|e| at(&path, e))?;
    file.set_len(NOWAIT_SIZE).map_err(|e| at(&path, e))?;
    model.set_len(NOWAIT_SIZE);
    let (mut whole, mut calls) = (0, 0);
    for (pos, len, version) in nowait_writes(ctx) {
        model.write_version(pos, len, version);
        let data = Aligned::from_slice(model.range(pos, len));
        let what = format!("O_DIRECT pwritev2 of {len} bytes at {pos}");
        let r = sys::write_vectored_at_flags(&file, &[IoSlice::new(&data)], pos, sys::RWF_NOWAIT);
        let n = nowait.outcome(r, &what)?.min(len);
        // What it left undone, from the last whole logical block on, without RWF_NOWAIT.
        let redo = n / ctx.lbs * ctx.lbs;
        if redo < len {
            dio_write(&file, pos + redo as u64, &data[redo..])?;
        }
        let (back, all) = nowait_read(ctx, &file, pos, len, &mut nowait)?;
        expect_same(
            &p,
            &back,
            model.range(pos, len),
            pos,
            &format!("{what}, read back"),
        )?;
        whole += usize::from(n == len) + usize::from(all);
        calls += 2;
    }
    let (back, all) = nowait_read(ctx, &file, 0, NOWAIT_SIZE as usize, &mut nowait)?;
    expect_same(
        &p,
        &back,
        &model.bytes,
        0,
        "O_DIRECT preadv2 of the whole file",
    )?;
    whole += usize::from(all);
    calls += 1;
    nowait.consistent()?;
    nowait_verify(ctx)?;
    if nowait.refused > 0 {
        return Ok(format!(
            "RWF_NOWAIT not offered: {calls} overwrites, reads and a write into a hole all \
             refused with EOPNOTSUPP, the data right without the flag"
        ));
    }
    Ok(format!(
        "{calls} RWF_NOWAIT overwrites, reads and a write into a hole: {whole} done whole, \
         the rest EAGAIN or short"
    ))
}

/// The `verify` part of [`nowait`]: checks the files a finished run left.
pub fn nowait_verify(ctx: &Ctx) -> Result<String, String> {
    let mut model = Model::new(ctx.pattern(NOWAIT));
    model.write_version(0, NOWAIT_ALLOCATED, 1);
    model.set_len(NOWAIT_SIZE);
    for (pos, len, version) in nowait_writes(ctx) {
        model.write_version(pos, len, version);
    }
    verify_models(ctx, &[(NOWAIT, model)])
}

/// A scenario: its name, the run (I/O and checks, ending with `verify`), and `verify`
/// alone, on the files a finished run left.
pub struct Scenario {
    pub name: &'static str,
    pub run: fn(&Ctx) -> Result<String, String>,
    pub verify: fn(&Ctx) -> Result<String, String>,
}

const fn scenario(
    name: &'static str,
    run: fn(&Ctx) -> Result<String, String>,
    verify: fn(&Ctx) -> Result<String, String>,
) -> Scenario {
    Scenario { name, run, verify }
}

/// Every scenario, in the order `all` runs them.
pub const ALL: &[Scenario] = &[
    scenario(ROUND_TRIP, round_trip, round_trip_verify),
    scenario(VECTORED, vectored, vectored_verify),
    scenario(EXTENDING, extending, extending_verify),
    scenario(HOLES, holes, holes_verify),
    scenario(PREALLOCATED, preallocated, preallocated_verify),
    scenario(ACROSS_EOF, across_eof, across_eof_verify),
    scenario(
        CONCURRENT_DISJOINT,
        concurrent_disjoint,
        concurrent_disjoint_verify,
    ),
    scenario(
        CONCURRENT_OVERLAPPING,
        concurrent_overlapping,
        concurrent_overlapping_verify,
    ),
    scenario(BUFFERED_DIRECT, buffered_and_direct, buffered_direct_verify),
    scenario(MMAP_DIRECT, mmap_and_direct, mmap_direct_verify),
    scenario(TRUNCATE_RACE, truncate_race, truncate_race_verify),
    scenario(
        UNALIGNED_BUFFERS,
        unaligned_buffers,
        unaligned_buffers_verify,
    ),
    scenario(MIXED_IOVECS, mixed_iovecs, mixed_iovecs_verify),
    scenario(MMAP_SOURCE, mmap_source, mmap_source_verify),
    scenario(APPEND, append, append_verify),
    scenario(MISALIGNED, misaligned, misaligned_verify),
    scenario(NOWAIT, nowait, nowait_verify),
];

/// The scenario called `name`.
pub fn find(name: &str) -> Option<&'static Scenario> {
    ALL.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_systems_under_test_do_direct_io() {
        for magic in [BOUNCEFS_MAGIC, 0x5846_5342, 0xef53] {
            assert!(!NO_DIRECT_IO.contains(&magic), "{magic:#x}");
        }
    }

    #[test]
    fn iovec_plans_are_aligned_and_cross_pages() {
        for lbs in [512, 1024, 2048, 4096] {
            let ctx = Ctx {
                dir: PathBuf::new(),
                lbs,
                seed: 1,
            };
            let plan = mixed_iovecs_plan(&ctx);
            let total: usize = plan.write.iter().map(|s| s.0).sum();
            assert_eq!(total, plan.read.iter().map(|s| s.0).sum::<usize>());
            for &(len, at) in plan.write.iter().chain(&plan.read).chain(&plan.overwrite) {
                assert!(len > 0 && len % lbs == 0 && at % lbs == 0 && at < PAGE);
            }
            assert!(
                plan.write
                    .iter()
                    .any(|&(len, at)| at != 0 && at + len > PAGE)
                    || lbs == 4096
            );
            assert!(
                plan.overwrite_pos + plan.overwrite.iter().map(|s| s.0).sum::<usize>() as u64
                    <= plan.pos + total as u64
            );
            for at in in_page_offsets(lbs) {
                assert_eq!(at == 0, lbs == PAGE, "lbs {lbs}");
            }
        }
    }

    #[test]
    fn scenario_names_are_unique() {
        for (i, s) in ALL.iter().enumerate() {
            assert!(ALL[..i].iter().all(|t| t.name != s.name), "{}", s.name);
            assert_eq!(find(s.name).map(|f| f.run as usize), Some(s.run as usize));
        }
    }
}
