// SPDX-License-Identifier: GPL-2.0

//! The scenarios: each creates its own files in the directory under test, does its I/O and
//! verifies every byte; `Ok` carries a one-line summary, `Err` what went wrong.
//!
//! Integrity scenarios compare against an in-memory model of the file. Scenarios with
//! concurrent writers cannot know the exact content, so they judge each sector with
//! [`pattern::classify`]: it must be intact data written for that offset (or zeroes where a
//! hole is allowed), never garbage, stale blocks of other offsets or torn sectors.

use crate::{
    buffer::Aligned,
    pattern::{self, Sector, SECTOR},
    sys,
};
use std::{
    fs::File,
    io::{IoSlice, IoSliceMut},
    os::unix::fs::FileExt,
    path::{Path, PathBuf},
    sync::atomic::{AtomicBool, Ordering},
    thread,
};

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// Where and how a scenario runs.
pub struct Ctx {
    /// The directory the scenario's files go to (on the file system under test).
    pub dir: PathBuf,
    /// The device's logical block size: the `O_DIRECT` alignment.
    pub lbs: usize,
    /// Seeds the data, so two runs do not write the same bytes.
    pub seed: u64,
}

impl Ctx {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
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

    fn data(&self, version: u32, pos: u64, len: usize) -> Vec<u8> {
        pattern::data(self.seed, version, pos, len)
    }
}

fn at(path: &Path, e: impl std::fmt::Display) -> String {
    format!("{}: {e}", path.display())
}

/// One `O_DIRECT` write from an aligned copy of `data`; a short write is an error.
fn dio_write(file: &File, pos: u64, data: &[u8]) -> Result<(), String> {
    let buf = Aligned::from_slice(data);
    match file.write_at(&buf, pos) {
        Ok(n) if n == data.len() => Ok(()),
        Ok(n) => Err(format!(
            "O_DIRECT write of {} bytes at {pos} wrote {n}",
            data.len()
        )),
        Err(e) => Err(format!(
            "O_DIRECT write of {} bytes at {pos}: {e}",
            data.len()
        )),
    }
}

/// One `O_DIRECT` read of up to `len` bytes: what it returned.
fn dio_read(file: &File, pos: u64, len: usize) -> Result<Vec<u8>, String> {
    let mut buf = Aligned::new(len);
    let n = file
        .read_at(&mut buf, pos)
        .map_err(|e| format!("O_DIRECT read of {len} bytes at {pos}: {e}"))?;
    Ok(buf[..n].to_vec())
}

fn expect_same(got: &[u8], want: &[u8], pos: u64, what: &str) -> Result<(), String> {
    match pattern::first_difference(got, want, pos) {
        None => Ok(()),
        Some(d) => Err(format!("{what}: {d}")),
    }
}

/// The expected content of a file.
#[derive(Default)]
struct Model(Vec<u8>);

impl Model {
    fn write(&mut self, pos: u64, data: &[u8]) {
        let (pos, end) = (pos as usize, pos as usize + data.len());
        if self.0.len() < end {
            self.0.resize(end, 0);
        }
        self.0[pos..end].copy_from_slice(data);
    }

    fn set_len(&mut self, len: u64) {
        self.0.resize(len as usize, 0);
    }

    /// Reads the whole file with `O_DIRECT` (1 MiB at a time, the last read crossing EOF)
    /// and with buffered I/O, and compares both with the model.
    fn verify(&self, ctx: &Ctx, file: &File, path: &Path, what: &str) -> Result<(), String> {
        let size = file.metadata().map_err(|e| at(path, e))?.len();
        if size != self.0.len() as u64 {
            return Err(format!(
                "{what}: file size {size}, expected {}",
                self.0.len()
            ));
        }
        let mut got = Vec::with_capacity(self.0.len());
        loop {
            let chunk = dio_read(file, got.len() as u64, MIB + ctx.lbs)?;
            if chunk.is_empty() {
                break;
            }
            got.extend_from_slice(&chunk);
            if got.len() > self.0.len() {
                return Err(format!(
                    "{what}: O_DIRECT reads return data past EOF ({size})"
                ));
            }
        }
        expect_same(&got, &self.0, 0, &format!("{what}, O_DIRECT read back"))?;
        let buffered = std::fs::read(path).map_err(|e| at(path, e))?;
        expect_same(
            &buffered,
            &self.0,
            0,
            &format!("{what}, buffered read back"),
        )
    }
}

/// Round trips from one logical block to 4 MiB at offsets aligned to the logical block but
/// not to the I/O size; the gaps between them, inside and between file blocks, must read
/// back as zeroes.
pub fn round_trip(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create("round-trip", true)?;
    let mut model = Model::default();
    let lbs = ctx.lbs;
    let sizes = [lbs, 4 * KIB, 4 * KIB + 3 * lbs, 64 * KIB, MIB, 4 * MIB];
    let mut pos = 3 * lbs as u64;
    for (i, &len) in sizes.iter().enumerate() {
        let data = ctx.data(1 + i as u32, pos, len);
        dio_write(&file, pos, &data)?;
        let back = dio_read(&file, pos, len)?;
        expect_same(&back, &data, pos, &format!("{len} bytes at {pos}"))?;
        model.write(pos, &data);
        pos += (len + (i + 1) * lbs) as u64;
    }
    model.verify(ctx, &file, &path, "round trips")?;
    Ok(format!(
        "{} writes of {lbs} B to 4 MiB at logical-block offsets, gaps read as zeroes",
        sizes.len()
    ))
}

/// `pwritev`/`preadv` with segments of different sizes, read back with another split.
pub fn vectored(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create("vectored", true)?;
    let lbs = ctx.lbs;
    let pos = (20 * KIB + lbs) as u64;
    let sizes = [lbs, 4 * KIB, 2 * lbs, 64 * KIB, 12 * KIB];
    let total: usize = sizes.iter().sum();
    let data = ctx.data(1, pos, total);
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
    let split = total / 2 / lbs * lbs;
    let (mut a, mut b) = (Aligned::new(split), Aligned::new(total - split));
    let mut out = [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)];
    let n = sys::read_vectored_at(&file, &mut out, pos).map_err(|e| format!("preadv: {e}"))?;
    if n != total {
        return Err(format!("preadv of {total} bytes read {n}"));
    }
    expect_same(&[&a[..], &b[..]].concat(), &data, pos, "preadv")?;
    let mut model = Model::default();
    model.write(pos, &data);
    model.verify(ctx, &file, &path, "vectored")?;
    Ok(format!(
        "pwritev of {} segments ({total} B), preadv in 2",
        sizes.len()
    ))
}

/// Writes that extend the file, of sizes that leave EOF inside a file block, then one far
/// past EOF that leaves a hole; the size follows each write and survives a reopen.
pub fn extending(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create("extending", true)?;
    let lbs = ctx.lbs;
    let mut model = Model::default();
    let mut pos = 0u64;
    for (i, len) in [4 * KIB, lbs, 3 * lbs, 64 * KIB, 8 * KIB]
        .into_iter()
        .enumerate()
    {
        let data = ctx.data(1 + i as u32, pos, len);
        dio_write(&file, pos, &data)?;
        model.write(pos, &data);
        pos += len as u64;
        let size = file.metadata().map_err(|e| at(&path, e))?.len();
        if size != pos {
            return Err(format!(
                "after an extending write to {pos}, the size is {size}"
            ));
        }
    }
    let far = pos + (MIB + lbs) as u64;
    let data = ctx.data(9, far, 4 * KIB);
    dio_write(&file, far, &data)?;
    model.write(far, &data);
    file.sync_all().map_err(|e| at(&path, e))?;
    drop(file);
    let file = sys::open(&path, true).map_err(|e| at(&path, e))?;
    model.verify(ctx, &file, &path, "extending writes")?;
    Ok(format!(
        "6 extending writes, size {} after reopen, 1 MiB hole reads as zeroes",
        model.0.len()
    ))
}

/// Writes into the holes of a sparse file, some smaller than a file block.
pub fn holes(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create("holes", true)?;
    let lbs = ctx.lbs as u64;
    let mut model = Model::default();
    file.set_len(8 * MIB as u64).map_err(|e| at(&path, e))?;
    model.set_len(8 * MIB as u64);
    let writes = [
        (40 * KIB as u64 + lbs, lbs as usize),
        (MIB as u64, 4 * KIB),
        (3 * MIB as u64 + 12 * KIB as u64, 64 * KIB),
        (6 * MIB as u64 + 2 * lbs, MIB),
    ];
    for (i, &(pos, len)) in writes.iter().enumerate() {
        let data = ctx.data(1 + i as u32, pos, len);
        dio_write(&file, pos, &data)?;
        model.write(pos, &data);
    }
    model.verify(ctx, &file, &path, "writes into holes")?;
    Ok(format!(
        "{} writes into an 8 MiB sparse file, the rest reads as zeroes",
        writes.len()
    ))
}

/// Writes into preallocated space, inside EOF and (`FALLOC_FL_KEEP_SIZE`) past it.
pub fn preallocated(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create("preallocated", true)?;
    let lbs = ctx.lbs as u64;
    let mut model = Model::default();
    sys::allocate(&file, 0, 0, 4 * MIB as u64).map_err(|e| format!("fallocate: {e}"))?;
    model.set_len(4 * MIB as u64);
    for (i, (pos, len)) in [(MIB as u64 + lbs, 64 * KIB), (0, 4 * KIB)]
        .into_iter()
        .enumerate()
    {
        let data = ctx.data(1 + i as u32, pos, len);
        dio_write(&file, pos, &data)?;
        model.write(pos, &data);
    }
    model.verify(ctx, &file, &path, "preallocated within EOF")?;
    sys::allocate(&file, sys::FALLOC_FL_KEEP_SIZE, 4 * MIB as u64, MIB as u64)
        .map_err(|e| format!("fallocate KEEP_SIZE: {e}"))?;
    model.verify(ctx, &file, &path, "after KEEP_SIZE preallocation")?;
    let pos = 4 * MIB as u64 + 4096;
    let data = ctx.data(3, pos, 8 * KIB);
    dio_write(&file, pos, &data)?;
    model.write(pos, &data);
    model.verify(ctx, &file, &path, "extending write into preallocated space")?;
    Ok("writes into 4 MiB preallocated, and past EOF into KEEP_SIZE space".into())
}

/// `O_DIRECT` reads that cross or start past EOF return what is there and no more.
pub fn across_eof(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create("across-eof", false)?;
    let size = 10_000u64;
    let all = ctx.data(1, 0, 10 * KIB);
    file.write_all_at(&all[..size as usize], 0)
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
        let want = &all[pos as usize..want_end as usize];
        expect_same(
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
    let (empty, _) = ctx.create("across-eof-empty", true)?;
    if !dio_read(&empty, 0, 4 * KIB)?.is_empty() {
        return Err("O_DIRECT read of an empty file returned data".into());
    }
    Ok(format!(
        "reads crossing EOF at {size} are short, reads past it return 0"
    ))
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

/// Writers on their own regions while readers check a static region and the live ones.
pub fn concurrent_disjoint(ctx: &Ctx) -> Result<String, String> {
    const REGION: usize = MIB;
    const CHUNK: usize = 64 * KIB;
    const ROUNDS: u32 = 4;
    let (file, path) = ctx.create("concurrent-disjoint", true)?;
    dio_write(&file, 0, &ctx.data(1, 0, 4 * REGION))?;
    let done = AtomicBool::new(false);
    let seed = ctx.seed;
    let result = thread::scope(|s| {
        let writers: Vec<_> = (0..2u32)
            .map(|w| {
                let file = &file;
                s.spawn(move || -> Result<u64, String> {
                    let base = w as u64 * REGION as u64;
                    for round in 0..ROUNDS {
                        let version = 2 + w * ROUNDS + round;
                        for c in (0..REGION).step_by(CHUNK) {
                            let pos = base + c as u64;
                            dio_write(file, pos, &pattern::data(seed, version, pos, CHUNK))?;
                        }
                    }
                    Ok((REGION / CHUNK) as u64 * ROUNDS as u64)
                })
            })
            .collect();
        let readers: Vec<_> = (0..2u64)
            .map(|r| {
                let (file, done) = (&file, &done);
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
                        pattern::check_range(&got, seed, pos, |_, v| match (region, v) {
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
    let mut model = Model::default();
    for w in 0..2u32 {
        let pos = w as u64 * REGION as u64;
        model.write(pos, &ctx.data(2 + w * ROUNDS + ROUNDS - 1, pos, REGION));
    }
    model.write(
        2 * REGION as u64,
        &ctx.data(1, 2 * REGION as u64, 2 * REGION),
    );
    model.verify(ctx, &file, &path, "after disjoint writers")?;
    Ok(format!(
        "2 writers ({writes} writes of 64 KiB), 2 readers ({reads} reads) on disjoint regions"
    ))
}

/// Three writers and two readers on the same 512 KiB: every sector read, during and after,
/// is intact data of one of the writes for that offset.
pub fn concurrent_overlapping(ctx: &Ctx) -> Result<String, String> {
    const RANGE: usize = 512 * KIB;
    const CHUNK: usize = 64 * KIB;
    const ROUNDS: u32 = 3;
    const WRITERS: u32 = 3;
    let (file, path) = ctx.create("concurrent-overlapping", true)?;
    dio_write(&file, 0, &ctx.data(1, 0, RANGE))?;
    let done = AtomicBool::new(false);
    let seed = ctx.seed;
    let valid = |_: u64, v: Sector| matches!(v, Sector::Version(v) if (1..2 + WRITERS * ROUNDS).contains(&v));
    let result = thread::scope(|s| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let file = &file;
                s.spawn(move || -> Result<u64, String> {
                    let mut rng = Rng(seed ^ 0x5eed ^ u64::from(w));
                    let chunks = (RANGE / CHUNK) as u64;
                    for round in 0..ROUNDS {
                        let version = 2 + w * ROUNDS + round;
                        let start = rng.below(chunks);
                        for c in 0..chunks {
                            let pos = (start + c) % chunks * CHUNK as u64;
                            dio_write(file, pos, &pattern::data(seed, version, pos, CHUNK))?;
                        }
                    }
                    Ok(chunks * ROUNDS as u64)
                })
            })
            .collect();
        let readers: Vec<_> = (0..2u64)
            .map(|r| {
                let (file, done) = (&file, &done);
                s.spawn(move || -> Result<u64, String> {
                    let mut rng = Rng(seed ^ 0xbeef ^ r);
                    let mut reads = 0;
                    while !done.load(Ordering::Relaxed) || reads < 8 {
                        let pos = rng.below((RANGE / SECTOR) as u64) * SECTOR as u64;
                        let len = CHUNK.min(RANGE - pos as usize);
                        let got = dio_read(file, pos, len)?;
                        pattern::check_range(&got, seed, pos, valid)?;
                        reads += 1;
                    }
                    Ok(reads)
                })
            })
            .collect();
        join_writers_then_readers(writers, readers, &done)
    });
    let (writes, reads) = result?;
    let all = dio_read(&file, 0, RANGE)?;
    pattern::check_range(&all, ctx.seed, 0, valid).map_err(|e| format!("final content: {e}"))?;
    let buffered = std::fs::read(&path).map_err(|e| at(&path, e))?;
    expect_same(&buffered, &all, 0, "buffered read of the final content")?;
    Ok(format!("{WRITERS} writers ({writes} writes of 64 KiB) and 2 readers ({reads} reads) on one 512 KiB range"))
}

/// Buffered writes, not yet written back, are what `O_DIRECT` reads; `O_DIRECT` writes are
/// what buffered reads see afterwards, also when the pages were cached before.
pub fn buffered_and_direct(ctx: &Ctx) -> Result<String, String> {
    let (buffered, path) = ctx.create("buffered-direct", false)?;
    let direct = sys::open(&path, true).map_err(|e| at(&path, e))?;
    let len = MIB + ctx.lbs;
    let mut model = Model::default();
    let data = ctx.data(1, 0, len);
    buffered.write_all_at(&data, 0).map_err(|e| at(&path, e))?;
    model.write(0, &data);
    expect_same(
        &dio_read(&direct, 0, len)?,
        &data,
        0,
        "O_DIRECT read after buffered write",
    )?;
    let pos = 100 * KIB as u64;
    let data = ctx.data(2, pos, 8 * KIB);
    buffered
        .write_all_at(&data, pos)
        .map_err(|e| at(&path, e))?;
    model.write(pos, &data);
    expect_same(
        &dio_read(&direct, pos, 8 * KIB)?,
        &data,
        pos,
        "O_DIRECT read after buffered overwrite",
    )?;
    // Cache every page, then overwrite part of them directly.
    std::fs::read(&path).map_err(|e| at(&path, e))?;
    let pos = 64 * KIB as u64 + ctx.lbs as u64;
    let data = ctx.data(3, pos, 128 * KIB);
    dio_write(&direct, pos, &data)?;
    model.write(pos, &data);
    let mut back = vec![0; 128 * KIB];
    buffered
        .read_exact_at(&mut back, pos)
        .map_err(|e| at(&path, e))?;
    expect_same(
        &back,
        &data,
        pos,
        "buffered read of cached pages after O_DIRECT write",
    )?;
    model.verify(ctx, &direct, &path, "buffered and direct")?;
    Ok("buffered write -> O_DIRECT read, O_DIRECT write -> buffered read of cached pages".into())
}

/// Stores through a shared mapping are what `O_DIRECT` reads (no msync); `O_DIRECT` writes
/// are what the mapping shows afterwards.
pub fn mmap_and_direct(ctx: &Ctx) -> Result<String, String> {
    let (file, path) = ctx.create("mmap-direct", true)?;
    let len = MIB;
    let mut model = Model::default();
    let data = ctx.data(1, 0, len);
    dio_write(&file, 0, &data)?;
    model.write(0, &data);
    let map = sys::Mapping::new(&file, len).map_err(|e| format!("mmap: {e}"))?;
    let pos = 128 * KIB;
    let data = ctx.data(2, pos as u64, 256 * KIB);
    map.store(pos, &data);
    model.write(pos as u64, &data);
    expect_same(
        &dio_read(&file, pos as u64, 256 * KIB)?,
        &data,
        pos as u64,
        "O_DIRECT read after stores through mmap",
    )?;
    let pos = 256 * KIB + ctx.lbs;
    let data = ctx.data(3, pos as u64, 64 * KIB);
    dio_write(&file, pos as u64, &data)?;
    model.write(pos as u64, &data);
    expect_same(
        &map.load(pos, 64 * KIB),
        &data,
        pos as u64,
        "mmap load after O_DIRECT write",
    )?;
    drop(map);
    model.verify(ctx, &file, &path, "mmap and direct")?;
    Ok("mmap store -> O_DIRECT read, O_DIRECT write -> mmap load".into())
}

/// `O_DIRECT` writers and readers while another thread keeps truncating and extending the
/// file: no error, and no sector ever holds anything but zeroes or data written for it
/// (a freed block read back at another offset would show up as misplaced).
pub fn truncate_race(ctx: &Ctx) -> Result<String, String> {
    const SIZE: u64 = 4 * MIB as u64;
    const CHUNK: usize = 64 * KIB;
    const OPS: u64 = 150;
    let (file, path) = ctx.create("truncate-race", true)?;
    dio_write(&file, 0, &ctx.data(1, 0, SIZE as usize))?;
    let seed = ctx.seed;
    let any = |_: u64, _: Sector| true;
    let done = AtomicBool::new(false);
    let result = thread::scope(|s| {
        let writer = s.spawn(|| -> Result<u64, String> {
            let mut rng = Rng(seed ^ 11);
            for i in 0..OPS {
                let pos = rng.below(SIZE / CHUNK as u64) * CHUNK as u64;
                dio_write(&file, pos, &pattern::data(seed, 2 + i as u32, pos, CHUNK))?;
            }
            Ok(OPS)
        });
        let reader = s.spawn(|| -> Result<u64, String> {
            let mut rng = Rng(seed ^ 13);
            let mut reads = 0;
            while !done.load(Ordering::Relaxed) || reads < 8 {
                let pos = rng.below(SIZE / CHUNK as u64) * CHUNK as u64;
                let got = dio_read(&file, pos, CHUNK)?;
                pattern::check_range(&got, seed, pos, any)?;
                reads += 1;
            }
            Ok(reads)
        });
        let truncator = s.spawn(|| -> Result<u64, String> {
            let mut rng = Rng(seed ^ 17);
            for _ in 0..OPS / 2 {
                let len = rng.below(SIZE / 4096 + 1) * 4096 + rng.below(2) * ctx.lbs as u64;
                file.set_len(len)
                    .map_err(|e| format!("truncate to {len}: {e}"))?;
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
    let size = file.metadata().map_err(|e| at(&path, e))?.len();
    let mut pos = 0;
    while pos < size {
        let got = dio_read(&file, pos, MIB)?;
        pattern::check_range(&got, seed, pos, any).map_err(|e| format!("final content: {e}"))?;
        if got.is_empty() {
            return Err(format!(
                "O_DIRECT read at {pos} returned nothing, the size is {size}"
            ));
        }
        pos += got.len() as u64;
    }
    Ok(format!("{writes} writes, {reads} reads, {truncates} truncates; final size {size}, every sector valid"))
}

/// A scenario: its name and function.
pub type Scenario = (&'static str, fn(&Ctx) -> Result<String, String>);

/// Every scenario, in the order `all` runs them.
pub const ALL: &[Scenario] = &[
    ("round-trip", round_trip),
    ("vectored", vectored),
    ("extending", extending),
    ("holes", holes),
    ("preallocated", preallocated),
    ("across-eof", across_eof),
    ("concurrent-disjoint", concurrent_disjoint),
    ("concurrent-overlapping", concurrent_overlapping),
    ("buffered-direct", buffered_and_direct),
    ("mmap-direct", mmap_and_direct),
    ("truncate-race", truncate_race),
];
