// SPDX-License-Identifier: GPL-2.0

//! Self-describing data: every 512-byte sector says which file offset and which version of
//! a write it belongs to, and the rest of it is a pseudo-random stream derived from both.
//!
//! A sector read back can therefore be judged alone: misplaced data (a block mapped at the
//! wrong file offset, stale data of another file), torn sectors and corrupted bytes are all
//! told apart from the data that was written, also when concurrent writers make the exact
//! content unpredictable.

/// The unit the pattern describes itself in: the smallest logical block of any disk.
pub const SECTOR: usize = 512;

const MAGIC: u32 = 0xb0c3_f5d1;

/// What a sector turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sector {
    /// All zeroes: a hole, preallocated space or the tail past EOF.
    Zero,
    /// Intact pattern data of this version, at the right offset.
    Version(u32),
}

fn stream(seed: u64, version: u32, offset: u64) -> impl Iterator<Item = u8> {
    // xorshift64*: cheap, and no two (version, offset) pairs share a stream in practice.
    let mut x = seed ^ (u64::from(version) << 40) ^ offset.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    std::iter::from_fn(move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        Some(x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes())
    })
    .flatten()
}

/// Fills `buf` with the data of `version` for the file range starting at `offset`.
///
/// `offset` and `buf.len()` must be multiples of [`SECTOR`].
pub fn fill(buf: &mut [u8], seed: u64, version: u32, offset: u64) {
    debug_assert!(offset % SECTOR as u64 == 0 && buf.len() % SECTOR == 0);
    for (i, sector) in buf.chunks_exact_mut(SECTOR).enumerate() {
        let at = offset + (i * SECTOR) as u64;
        sector[..4].copy_from_slice(&MAGIC.to_le_bytes());
        sector[4..8].copy_from_slice(&version.to_le_bytes());
        sector[8..16].copy_from_slice(&at.to_le_bytes());
        for (b, r) in sector[16..].iter_mut().zip(stream(seed, version, at)) {
            *b = r;
        }
    }
}

/// The data of `version` for `len` bytes at `offset`.
pub fn data(seed: u64, version: u32, offset: u64, len: usize) -> Vec<u8> {
    let mut v = vec![0; len];
    fill(&mut v, seed, version, offset);
    v
}

/// Judges one sector read from file offset `offset`.
pub fn classify(sector: &[u8], seed: u64, offset: u64) -> Result<Sector, String> {
    if sector.iter().all(|&b| b == 0) {
        return Ok(Sector::Zero);
    }
    let word = |r: std::ops::Range<usize>| sector.get(r).unwrap_or_default();
    let magic = u32::from_le_bytes(word(0..4).try_into().unwrap_or_default());
    let version = u32::from_le_bytes(word(4..8).try_into().unwrap_or_default());
    let at = u64::from_le_bytes(word(8..16).try_into().unwrap_or_default());
    if magic != MAGIC {
        return Err(format!(
            "offset {offset}: not pattern data (garbage or torn sector)"
        ));
    }
    if at != offset {
        return Err(format!(
            "offset {offset}: holds the data of offset {at} (version {version}): misplaced or stale"
        ));
    }
    let good = sector[16..]
        .iter()
        .zip(stream(seed, version, at))
        .position(|(&b, r)| b != r);
    match good {
        None => Ok(Sector::Version(version)),
        Some(i) => Err(format!(
            "offset {}: byte differs from version {version}",
            offset + 16 + i as u64
        )),
    }
}

/// Judges every sector of `buf`, read from `offset`, and passes each verdict to `accept`,
/// which says whether that content is allowed there.
pub fn check_range(
    buf: &[u8],
    seed: u64,
    offset: u64,
    mut accept: impl FnMut(u64, Sector) -> bool,
) -> Result<(), String> {
    for (i, sector) in buf.chunks(SECTOR).enumerate() {
        let at = offset + (i * SECTOR) as u64;
        let verdict = classify(sector, seed, at)?;
        if !accept(at, verdict) {
            return Err(format!("offset {at}: unexpected {verdict:?}"));
        }
    }
    Ok(())
}

/// The first difference between what was read and what was expected, in words a failure
/// message can use.
pub fn first_difference(got: &[u8], want: &[u8], offset: u64) -> Option<String> {
    if got.len() != want.len() {
        return Some(format!(
            "read {} bytes at {offset}, expected {}",
            got.len(),
            want.len()
        ));
    }
    let i = got.iter().zip(want).position(|(a, b)| a != b)?;
    let sector_start = i / SECTOR * SECTOR;
    let what = match classify(
        &got[sector_start..(sector_start + SECTOR).min(got.len())],
        0,
        0,
    ) {
        Ok(Sector::Zero) => "zeroes".to_string(),
        _ => format!("byte {:#04x} instead of {:#04x}", got[i], want[i]),
    };
    Some(format!("at file offset {}: {what}", offset + i as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sector_is_recognised_at_its_offset_only() {
        let d = data(7, 3, 4096, 1024);
        assert_eq!(classify(&d[..512], 7, 4096), Ok(Sector::Version(3)));
        assert_eq!(classify(&d[512..], 7, 4608), Ok(Sector::Version(3)));
        assert!(
            classify(&d[..512], 7, 8192).is_err(),
            "misplaced data passed"
        );
    }

    #[test]
    fn zeroes_corruption_and_torn_sectors_are_told_apart() {
        assert_eq!(classify(&[0; 512], 1, 0), Ok(Sector::Zero));
        let mut d = data(1, 2, 0, 512);
        d[300] ^= 1;
        assert!(classify(&d, 1, 0).unwrap_err().contains("byte differs"));
        let mut torn = data(1, 2, 0, 512);
        torn[256..].copy_from_slice(&data(1, 3, 0, 512)[256..]);
        assert!(classify(&torn, 1, 0).is_err(), "torn sector passed");
    }

    #[test]
    fn versions_and_seeds_give_different_data() {
        assert_ne!(data(1, 1, 0, 512), data(1, 2, 0, 512));
        assert_ne!(data(1, 1, 0, 512), data(2, 1, 0, 512));
    }

    #[test]
    fn check_range_asks_about_every_sector() {
        let d = data(5, 9, 0, 2048);
        let mut seen = 0;
        check_range(&d, 5, 0, |_, s| {
            seen += 1;
            s == Sector::Version(9)
        })
        .unwrap();
        assert_eq!(seen, 4);
        assert!(check_range(&d, 5, 0, |_, s| s == Sector::Zero).is_err());
    }

    #[test]
    fn first_difference_names_the_file_offset() {
        let want = data(1, 1, 0, 1024);
        let mut got = want.clone();
        assert_eq!(first_difference(&got, &want, 4096), None);
        got[700] = 0;
        let msg = first_difference(&got, &want, 4096).unwrap();
        assert!(msg.contains("at file offset 4796"), "{msg}");
        got[512..].fill(0);
        assert!(first_difference(&got, &want, 0).unwrap().contains("zeroes"));
        assert!(first_difference(&got[..512], &want, 0)
            .unwrap()
            .contains("read 512"));
    }
}
