// SPDX-License-Identifier: GPL-2.0

//! Self-describing data: every 512-byte sector says which file, which file offset and which
//! version of a write it belongs to, and the rest of it is a pseudo-random stream derived
//! from all three and the run's seed.
//!
//! A sector read back can therefore be judged alone: misplaced data (a block mapped at the
//! wrong file offset), stale data of another file (even one that wrote the same version at
//! the same offset), data of an earlier run (another seed), torn sectors and corrupted bytes
//! are all told apart from the data that was written, also when concurrent writers make the
//! exact content unpredictable.
//!
//! Sector layout: magic (4 bytes), version (4), file offset (8), file id (8), then the
//! stream; all little-endian.

/// The unit the pattern describes itself in: the smallest logical block of any disk.
pub const SECTOR: usize = 512;

// Changed with the layout, so that sectors of the old layout read as garbage, not as data.
const MAGIC: u32 = 0xb0c3_f5d2;
const HEADER: usize = 24;

/// What a sector turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sector {
    /// All zeroes: a hole, preallocated space or the tail past EOF.
    Zero,
    /// Intact pattern data of this file and version, at the right offset.
    Version(u32),
}

/// splitmix64's finaliser: a cheap bijection that spreads every input bit over the output.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The identity of the file called `name` in a run with `seed`: a different id for every
/// file of a run and, through the seed, for the same file in another run.
pub fn file_id(seed: u64, name: &str) -> u64 {
    // FNV-1a of the name, then mixed with the seed.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    mix(hash ^ mix(seed))
}

/// The pseudo-random stream of one sector: xorshift64*, started from all four inputs
/// mixed together (never 0, thanks to `| 1`). A plain struct rather than an iterator
/// adapter chain, which unoptimised builds (the host tests) run many times slower.
struct Stream(u64);

impl Stream {
    fn new(seed: u64, file: u64, version: u32, offset: u64) -> Self {
        Self(mix(seed ^ mix(file ^ mix(u64::from(version) ^ offset.rotate_left(32)))) | 1)
    }

    fn next_word(&mut self) -> [u8; 8] {
        let x = &mut self.0;
        *x ^= *x >> 12;
        *x ^= *x << 25;
        *x ^= *x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes()
    }

    /// Fills `out` with the stream.
    fn fill(mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let word = self.next_word();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }

    /// The index of the first byte of `got` that differs from the stream.
    fn mismatch(mut self, got: &[u8]) -> Option<usize> {
        for (i, chunk) in got.chunks(8).enumerate() {
            let word = self.next_word();
            if chunk != &word[..chunk.len()] {
                let j = chunk.iter().zip(word).position(|(&a, b)| a != b)?;
                return Some(i * 8 + j);
            }
        }
        None
    }
}

fn le64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b.try_into().unwrap_or_default())
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b.try_into().unwrap_or_default())
}

/// The data of one file: what is written to it, and the judge of what is read from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pattern {
    seed: u64,
    file: u64,
}

impl Pattern {
    /// The pattern of the file called `name` (its name in the scenario directory) in a run
    /// with `seed`.
    pub fn new(seed: u64, name: &str) -> Self {
        Self {
            seed,
            file: file_id(seed, name),
        }
    }

    /// The file id stored in every sector.
    pub fn file_id(&self) -> u64 {
        self.file
    }

    /// Fills `buf` with the data of `version` for the file range starting at `offset`.
    ///
    /// `offset` and `buf.len()` must be multiples of [`SECTOR`].
    pub fn fill(&self, buf: &mut [u8], version: u32, offset: u64) {
        debug_assert!(offset % SECTOR as u64 == 0 && buf.len() % SECTOR == 0);
        for (i, sector) in buf.chunks_exact_mut(SECTOR).enumerate() {
            let at = offset + (i * SECTOR) as u64;
            sector[..4].copy_from_slice(&MAGIC.to_le_bytes());
            sector[4..8].copy_from_slice(&version.to_le_bytes());
            sector[8..16].copy_from_slice(&at.to_le_bytes());
            sector[16..24].copy_from_slice(&self.file.to_le_bytes());
            Stream::new(self.seed, self.file, version, at).fill(&mut sector[HEADER..]);
        }
    }

    /// The data of `version` for `len` bytes at `offset`.
    pub fn data(&self, version: u32, offset: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        self.fill(&mut v, version, offset);
        v
    }

    /// Judges one sector (or the part of one before EOF) read from file offset `offset`;
    /// the error says what is wrong with it, without the offset.
    fn judge(&self, sector: &[u8], offset: u64) -> Result<Sector, String> {
        if sector.iter().all(|&b| b == 0) {
            return Ok(Sector::Zero);
        }
        if sector.len() < HEADER || le32(&sector[0..4]) != MAGIC {
            return Err("not pattern data (garbage or torn sector)".into());
        }
        let version = le32(&sector[4..8]);
        let at = le64(&sector[8..16]);
        let file = le64(&sector[16..24]);
        if file != self.file {
            return Err(format!(
                "holds data of another file (file id {file:#018x}, not {:#018x}; its offset \
                 {at}, version {version}): stale data of another file or of an earlier run",
                self.file
            ));
        }
        if at != offset {
            return Err(format!(
                "holds the data of offset {at} (version {version}): misplaced or stale"
            ));
        }
        let bad = Stream::new(self.seed, self.file, version, at).mismatch(&sector[HEADER..]);
        match bad {
            None => Ok(Sector::Version(version)),
            Some(i) => Err(format!(
                "byte at {} differs from version {version}",
                offset + (HEADER + i) as u64
            )),
        }
    }

    /// Judges one sector read from file offset `offset`.
    pub fn classify(&self, sector: &[u8], offset: u64) -> Result<Sector, String> {
        self.judge(sector, offset)
            .map_err(|why| format!("offset {offset}: {why}"))
    }

    /// Judges every sector of `buf`, read from `offset`, and passes each verdict to
    /// `accept`, which says whether that content is allowed there.
    pub fn check_range(
        &self,
        buf: &[u8],
        offset: u64,
        mut accept: impl FnMut(u64, Sector) -> bool,
    ) -> Result<(), String> {
        for (i, sector) in buf.chunks(SECTOR).enumerate() {
            let at = offset + (i * SECTOR) as u64;
            let verdict = self.classify(sector, at)?;
            if !accept(at, verdict) {
                return Err(format!("offset {at}: unexpected {verdict:?}"));
            }
        }
        Ok(())
    }

    /// The first difference between what was read and what was expected (both starting
    /// at file offset `offset`), in words a failure message can use: the file offset of
    /// the sector holding it and what that sector holds instead (zeroes, an older or newer
    /// version of this offset, another offset's or another file's data, garbage), with the
    /// first differing byte where the sector as a whole does not say it.
    pub fn first_difference(&self, got: &[u8], want: &[u8], offset: u64) -> Option<String> {
        if got.len() != want.len() {
            return Some(format!(
                "read {} bytes at {offset}, expected {}",
                got.len(),
                want.len()
            ));
        }
        // Whole sectors first: slice comparison is a memcmp even in unoptimised builds.
        let first = got
            .chunks(SECTOR)
            .zip(want.chunks(SECTOR))
            .position(|(a, b)| a != b)?;
        let i = first * SECTOR
            + got[first * SECTOR..]
                .iter()
                .zip(&want[first * SECTOR..])
                .position(|(a, b)| a != b)?;
        let bytes = format!(
            "first differing byte at {}: {:#04x} instead of {:#04x}",
            offset + i as u64,
            got[i],
            want[i]
        );
        let file_pos = offset + i as u64;
        // The sector of the file holding byte `i`, as far as the buffers hold it.
        let sector_pos = (file_pos / SECTOR as u64 * SECTOR as u64).max(offset);
        let start = (sector_pos - offset) as usize;
        let end = (start + SECTOR - (sector_pos % SECTOR as u64) as usize).min(got.len());
        let (g, w) = (&got[start..end], &want[start..end]);
        let what = match (self.judge(g, sector_pos), self.judge(w, sector_pos)) {
            (Ok(Sector::Zero), _) => "zeroes".to_string(),
            (Ok(Sector::Version(v)), Ok(Sector::Version(w))) => {
                let age = if v < w { "older" } else { "newer" };
                format!("version {v} of this offset, {age} than the expected version {w}")
            }
            (Ok(Sector::Version(v)), Ok(Sector::Zero)) => {
                format!("version {v} of this offset where zeroes were expected")
            }
            (Ok(Sector::Version(v)), Err(_)) => format!("version {v} of this offset; {bytes}"),
            (Err(why), _) => format!("{why}; {bytes}"),
        };
        Some(format!("at file offset {sector_pos}: {what}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Pattern = Pattern { seed: 7, file: 1 };

    #[test]
    fn a_sector_is_recognised_at_its_offset_only() {
        let d = P.data(3, 4096, 1024);
        assert_eq!(P.classify(&d[..512], 4096), Ok(Sector::Version(3)));
        assert_eq!(P.classify(&d[512..], 4608), Ok(Sector::Version(3)));
        let err = P.classify(&d[..512], 8192).unwrap_err();
        assert!(
            err.contains("offset 8192: holds the data of offset 4096"),
            "{err}"
        );
    }

    #[test]
    fn another_files_data_at_the_same_offset_and_version_is_refused() {
        let (a, b) = (Pattern::new(1, "a"), Pattern::new(1, "b"));
        assert_ne!(a.file_id(), b.file_id());
        let other = b.data(1, 0, 512);
        let err = a.classify(&other, 0).unwrap_err();
        assert!(
            err.contains("offset 0: holds data of another file"),
            "{err}"
        );
        // The same file of another run (another seed) is another file too.
        let earlier = Pattern::new(2, "a").data(1, 0, 512);
        assert!(a
            .classify(&earlier, 0)
            .unwrap_err()
            .contains("another file"));
        assert_eq!(a.classify(&a.data(1, 0, 512), 0), Ok(Sector::Version(1)));
    }

    #[test]
    fn zeroes_corruption_and_torn_sectors_are_told_apart() {
        assert_eq!(P.classify(&[0; 512], 0), Ok(Sector::Zero));
        let mut d = P.data(2, 0, 512);
        d[300] ^= 1;
        let err = P.classify(&d, 0).unwrap_err();
        assert!(err.contains("byte at 300 differs"), "{err}");
        let mut torn = P.data(2, 0, 512);
        torn[256..].copy_from_slice(&P.data(3, 0, 512)[256..]);
        assert!(P.classify(&torn, 0).is_err(), "torn sector passed");
        assert!(P.classify(&[0xff; 512], 0).unwrap_err().contains("garbage"));
    }

    #[test]
    fn versions_seeds_and_files_give_different_data() {
        let data = |seed, name, version| Pattern::new(seed, name).data(version, 0, 512);
        assert_ne!(data(1, "f", 1)[HEADER..], data(1, "f", 2)[HEADER..]);
        assert_ne!(data(1, "f", 1)[HEADER..], data(2, "f", 1)[HEADER..]);
        assert_ne!(data(1, "f", 1)[HEADER..], data(1, "g", 1)[HEADER..]);
    }

    #[test]
    fn check_range_asks_about_every_sector() {
        let d = P.data(9, 0, 2048);
        let mut seen = 0;
        P.check_range(&d, 0, |_, s| {
            seen += 1;
            s == Sector::Version(9)
        })
        .unwrap();
        assert_eq!(seen, 4);
        assert!(P.check_range(&d, 0, |_, s| s == Sector::Zero).is_err());
    }

    #[test]
    fn first_difference_names_the_file_offset_and_what_is_there() {
        let want = P.data(2, 0, 1024);
        let mut got = want.clone();
        assert_eq!(P.first_difference(&got, &want, 4096), None);
        got[700] = 0;
        let msg = P.first_difference(&got, &want, 0).unwrap();
        assert!(
            msg.contains("at file offset 512: byte at 700 differs"),
            "{msg}"
        );
        assert!(msg.contains("first differing byte at 700: 0x00"), "{msg}");
        got[512..].fill(0);
        let msg = P.first_difference(&got, &want, 0).unwrap();
        assert!(msg.contains("at file offset 512: zeroes"), "{msg}");
        got[512..].copy_from_slice(&P.data(1, 512, 512));
        let msg = P.first_difference(&got, &want, 0).unwrap();
        assert!(msg.contains("version 1 of this offset, older"), "{msg}");
        assert!(P
            .first_difference(&got[..512], &want, 0)
            .unwrap()
            .contains("read 512"));
    }
}
