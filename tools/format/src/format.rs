// SPDX-License-Identifier: GPL-2.0

//! The on-disk format of bouncefs, shared by the kernel module and the userspace tools.
//!
//! `core` only, no allocation, no `unsafe`, no panics: every value read from a device is
//! checked before it is used, with checked arithmetic, and a problem is a [`FormatError`]
//! naming it. The kernel module includes this file with `#[path]`; the tools use it through
//! the `bouncefs-format` crate. Documentation/format.rst describes the layout.
//!
//! Integers are little-endian. The file system block is 4096 bytes:
//!
//! ```text
//! block 0                 superblock (256 bytes used, the rest zero)
//! bitmap_start ..         free-block bitmap (BITMAP_BITS_PER_BLOCK blocks per bitmap block)
//! inode_table_start ..    inode table (16 inodes of 256 bytes per block)
//! data_start ..           file data, directory blocks, indirect extent blocks
//! ```
//!
//! Every metadata structure ends with a CRC-32C of the bytes before it. Checksums are
//! computed through a [`Crc32c`] function the caller passes: the tools pass [`crc32c`], the
//! kernel its own implementation of the same standard CRC-32C.

/// File system block size in bytes.
pub const BLOCK_SIZE: usize = 4096;
/// Superblock magic, at byte 0 of block 0.
pub const MAGIC: [u8; 8] = *b"BOUNCEFS";
/// Format version.
pub const VERSION: u32 = 1;
/// Bytes of the superblock that are used (the rest of block 0 is zero).
pub const SUPERBLOCK_SIZE: usize = 256;
/// Bytes of one on-disk inode.
pub const INODE_SIZE: usize = 256;
/// Inodes per inode-table block.
pub const INODES_PER_BLOCK: usize = BLOCK_SIZE / INODE_SIZE;
/// Bytes of bits in a bitmap block (the tail holds the index and the checksum).
pub const BITMAP_BYTES: usize = 4088;
/// Blocks one bitmap block describes.
pub const BITMAP_BITS_PER_BLOCK: usize = BITMAP_BYTES * 8;
/// Extents stored in the inode.
pub const INLINE_EXTENTS: usize = 9;
/// Extents stored in the indirect extent block.
pub const INDIRECT_EXTENTS: usize = 254;
/// Most extents a file can have.
pub const MAX_EXTENTS: usize = INLINE_EXTENTS + INDIRECT_EXTENTS;
/// Bytes of one on-disk extent.
pub const EXTENT_SIZE: usize = 16;
/// Bytes of one directory entry.
pub const DIRENT_SIZE: usize = 256;
/// Entries per directory block.
pub const DIRENTS_PER_BLOCK: usize = 15;
/// Longest file name.
pub const NAME_MAX: usize = 250;
/// Longest symbolic link target (it lives in one block and the size is below a block).
pub const SYMLINK_MAX: usize = BLOCK_SIZE - 1;
/// Inode number of the root directory.
pub const ROOT_INO: u32 = 1;
/// Superblock state: unmounted cleanly.
pub const STATE_CLEAN: u32 = 1;
/// Superblock state: mounted, or not unmounted cleanly.
pub const STATE_DIRTY: u32 = 2;
/// Incompatible features this code knows (none).
pub const FEATURES_INCOMPAT_KNOWN: u32 = 0;
/// Magic of an indirect extent block ("BTEX" read as bytes).
pub const INDIRECT_MAGIC: u32 = 0x5845_5442;
/// Magic of a directory block's tail ("BDIR" read as bytes).
pub const DIR_MAGIC: u32 = 0x5249_4442;
/// Flag in an extent's length: preallocated, not written (reads return zeroes).
pub const EXTENT_UNWRITTEN: u32 = 1 << 31;
/// Flag in an unwritten extent's length: its blocks were zeroed on the device when they
/// were preallocated, so the extent may be marked written as a whole, before every block
/// of it was written, without exposing stale data (the kernel does so rather than split
/// it when the extent list is full).
pub const EXTENT_ZEROED: u32 = 1 << 30;
/// Largest extent length in blocks.
pub const EXTENT_MAX_LEN: u32 = EXTENT_ZEROED - 1;

/// File type mask of a mode.
pub const S_IFMT: u32 = 0o170000;
/// Socket.
pub const S_IFSOCK: u32 = 0o140000;
/// Symbolic link.
pub const S_IFLNK: u32 = 0o120000;
/// Regular file.
pub const S_IFREG: u32 = 0o100000;
/// Block device.
pub const S_IFBLK: u32 = 0o060000;
/// Directory.
pub const S_IFDIR: u32 = 0o040000;
/// Character device.
pub const S_IFCHR: u32 = 0o020000;
/// FIFO.
pub const S_IFIFO: u32 = 0o010000;

/// Directory entry type: FIFO.
pub const DT_FIFO: u8 = 1;
/// Directory entry type: character device.
pub const DT_CHR: u8 = 2;
/// Directory entry type: directory.
pub const DT_DIR: u8 = 4;
/// Directory entry type: block device.
pub const DT_BLK: u8 = 6;
/// Directory entry type: regular file.
pub const DT_REG: u8 = 8;
/// Directory entry type: symbolic link.
pub const DT_LNK: u8 = 10;
/// Directory entry type: socket.
pub const DT_SOCK: u8 = 12;

const BLOCK_SIZE_U32: u32 = 4096;
const BLOCK_SIZE_U64: u64 = 4096;
const BITS_PER_BLOCK_U64: u64 = 32704;
const INODES_PER_BLOCK_U64: u64 = 16;
const INLINE_EXTENTS_U32: u32 = 9;
const MAX_EXTENTS_U32: u32 = 263;
const NSEC_PER_SEC: u32 = 1_000_000_000;

// Byte offsets of the tails of the block-sized structures.
const BLOCK_CRC: usize = 4092;
const BITMAP_INDEX: usize = 4088;
const DIR_TAIL: usize = 3840;
const INODE_CRC: usize = 252;
const SUPERBLOCK_CRC: usize = 252;
const INODE_EXTENTS_AT: usize = 96;
const INDIRECT_EXTENTS_AT: usize = 16;

/// A checksum function: the standard CRC-32C of the bytes (see [`crc32c`]).
pub type Crc32c = fn(&[u8]) -> u32;

/// What is wrong with an on-disk structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// The buffer is shorter than the structure.
    Short,
    /// The superblock magic is wrong: not a bouncefs file system.
    BadMagic,
    /// Unknown format version.
    BadVersion,
    /// Incompatible features this code does not know.
    UnknownFeatures,
    /// The block size is not 4096.
    BadBlockSize,
    /// A checksum does not match.
    BadChecksum,
    /// The superblock's geometry is inconsistent, or the requested one impossible.
    BadGeometry,
    /// The superblock state is neither clean nor dirty.
    BadState,
    /// An inode number is 0 or beyond the inode table.
    BadInodeNumber,
    /// A free inode (mode 0) is not all zero.
    BadFreeInode,
    /// The mode's file type is not one of the seven known.
    BadInodeType,
    /// A timestamp's nanoseconds are 1e9 or more.
    BadTimestamp,
    /// An inode field is invalid (flags, reserved bytes, size, parent, root).
    BadInode,
    /// More extents than an inode can have, or the indirect block does not match the count.
    BadExtentCount,
    /// An extent is empty, outside the data area, its end overflows, or it is flagged
    /// zeroed but not unwritten.
    BadExtent,
    /// Extents are not sorted by file block, or overlap in the file.
    BadExtentOrder,
    /// An indirect extent block is invalid (magic, owner, count, reserved bytes).
    BadIndirect,
    /// A directory block's tail is invalid (magic, owner, index, reserved bytes).
    BadDirBlock,
    /// A directory entry is invalid (free slot not zero, unknown type, bytes after the name).
    BadDirent,
    /// A directory entry's name is invalid (empty, too long, `/`, NUL, `.` or `..`).
    BadName,
    /// A bitmap block is invalid (index, bits for metadata clear or past the end set).
    BadBitmap,
}

impl FormatError {
    /// A short description for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Short => "structure truncated",
            Self::BadMagic => "bad magic number (not a bouncefs file system)",
            Self::BadVersion => "unsupported format version",
            Self::UnknownFeatures => "unknown incompatible features",
            Self::BadBlockSize => "block size is not 4096",
            Self::BadChecksum => "checksum mismatch",
            Self::BadGeometry => "inconsistent geometry",
            Self::BadState => "unknown file system state",
            Self::BadInodeNumber => "inode number out of range",
            Self::BadFreeInode => "free inode is not zeroed",
            Self::BadInodeType => "unknown file type",
            Self::BadTimestamp => "timestamp nanoseconds out of range",
            Self::BadInode => "invalid inode field",
            Self::BadExtentCount => "bad extent count",
            Self::BadExtent => "extent empty, outside the data area or badly flagged",
            Self::BadExtentOrder => "extents unsorted or overlapping",
            Self::BadIndirect => "invalid indirect extent block",
            Self::BadDirBlock => "invalid directory block tail",
            Self::BadDirent => "invalid directory entry",
            Self::BadName => "invalid name in directory entry",
            Self::BadBitmap => "invalid bitmap block",
        }
    }
}

impl core::fmt::Display for FormatError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.describe())
    }
}

// Little-endian field access. Reads fail with `Short` past the end of the buffer; writes
// past the end are dropped (callers pass buffers of the structure's size).

fn get<const N: usize>(buf: &[u8], at: usize) -> Result<[u8; N], FormatError> {
    let end = at.checked_add(N).ok_or(FormatError::Short)?;
    let bytes = buf.get(at..end).ok_or(FormatError::Short)?;
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    Ok(out)
}

fn le16(buf: &[u8], at: usize) -> Result<u16, FormatError> {
    get::<2>(buf, at).map(u16::from_le_bytes)
}

fn le32(buf: &[u8], at: usize) -> Result<u32, FormatError> {
    get::<4>(buf, at).map(u32::from_le_bytes)
}

fn le64(buf: &[u8], at: usize) -> Result<u64, FormatError> {
    get::<8>(buf, at).map(u64::from_le_bytes)
}

fn lei64(buf: &[u8], at: usize) -> Result<i64, FormatError> {
    get::<8>(buf, at).map(i64::from_le_bytes)
}

fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = at
        .checked_add(bytes.len())
        .and_then(|end| buf.get_mut(at..end))
    {
        dst.copy_from_slice(bytes);
    }
}

fn zero(buf: &mut [u8], from: usize, to: usize) {
    if let Some(dst) = buf.get_mut(from..to) {
        dst.fill(0);
    }
}

/// Whether `buf[from..to]` is all zero (`Short` if the range is not in `buf`).
fn is_zero(buf: &[u8], from: usize, to: usize) -> Result<bool, FormatError> {
    Ok(buf
        .get(from..to)
        .ok_or(FormatError::Short)?
        .iter()
        .all(|&b| b == 0))
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// Standard CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, initial value and final
/// xor 0xFFFFFFFF): the checksum of all metadata. `crc32c(b"123456789") == 0xE3069283`.
pub fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        let index = usize::from((crc as u8) ^ b);
        crc = (crc >> 8) ^ CRC_TABLE.get(index).copied().unwrap_or(0);
    }
    !crc
}

/// Checks the CRC stored at `at` over `buf[..at]`.
fn check_crc(buf: &[u8], at: usize, crc: Crc32c) -> Result<(), FormatError> {
    let covered = buf.get(..at).ok_or(FormatError::Short)?;
    if crc(covered) != le32(buf, at)? {
        return Err(FormatError::BadChecksum);
    }
    Ok(())
}

/// Stores the CRC over `buf[..at]` at `at`.
fn seal_crc(buf: &mut [u8], at: usize, crc: Crc32c) {
    if let Some(covered) = buf.get(..at) {
        let value = crc(covered);
        put(buf, at, &value.to_le_bytes());
    }
}

/// The superblock (block 0).
///
/// ```text
///   0 magic [u8; 8] = "BOUNCEFS"     8 version u32 = 1
///  12 features_incompat u32         16 features_compat u32
///  20 block_size u32 = 4096         24 total_blocks u64
///  32 bitmap_start u64 = 1          40 bitmap_blocks u64
///  48 inode_table_start u64         56 inode_table_blocks u64
///  64 inode_count u32               68 root_ino u32 = 1
///  72 data_start u64                80 free_blocks u64 (hint)
///  88 free_inodes u32 (hint)        92 state u32
///  96 mkfs_time u64                104 uuid [u8; 16]
/// 120 label [u8; 32]               152..252 reserved, zero
/// 252 crc32c over 0..252
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Superblock {
    /// Incompatible features (none known: any bit set refuses the file system).
    pub features_incompat: u32,
    /// Compatible features (none defined; ignored).
    pub features_compat: u32,
    /// Blocks covered by the file system.
    pub total_blocks: u64,
    /// First bitmap block (always 1).
    pub bitmap_start: u64,
    /// Number of bitmap blocks: `ceil(total_blocks / BITMAP_BITS_PER_BLOCK)`.
    pub bitmap_blocks: u64,
    /// First inode-table block: `bitmap_start + bitmap_blocks`.
    pub inode_table_start: u64,
    /// Number of inode-table blocks (at least 1).
    pub inode_table_blocks: u64,
    /// Number of inodes: `inode_table_blocks * INODES_PER_BLOCK`.
    pub inode_count: u32,
    /// Root directory inode number (always [`ROOT_INO`]).
    pub root_ino: u32,
    /// First data block: `inode_table_start + inode_table_blocks`, below `total_blocks`.
    pub data_start: u64,
    /// Free blocks (a hint; the bitmap is the truth).
    pub free_blocks: u64,
    /// Free inodes (a hint; the inode table is the truth).
    pub free_inodes: u32,
    /// [`STATE_CLEAN`] or [`STATE_DIRTY`].
    pub state: u32,
    /// When mkfs ran, seconds since the epoch.
    pub mkfs_time: u64,
    /// File system UUID.
    pub uuid: [u8; 16],
    /// Label, NUL padded.
    pub label: [u8; 32],
}

impl Superblock {
    /// Computes the layout of a file system of `total_blocks` blocks with at least `inodes`
    /// inodes (rounded up to a multiple of [`INODES_PER_BLOCK`], at least one block of
    /// them). The hints and identity fields are zero, the state clean.
    pub fn new_geometry(total_blocks: u64, inodes: u32) -> Result<Self, FormatError> {
        let bad = FormatError::BadGeometry;
        let bitmap_blocks = total_blocks.div_ceil(BITS_PER_BLOCK_U64);
        let inode_table_blocks = u64::from(inodes.max(1)).div_ceil(INODES_PER_BLOCK_U64);
        let inode_count = inode_table_blocks
            .checked_mul(INODES_PER_BLOCK_U64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(bad)?;
        let inode_table_start = bitmap_blocks.checked_add(1).ok_or(bad)?;
        let data_start = inode_table_start
            .checked_add(inode_table_blocks)
            .ok_or(bad)?;
        let sb = Self {
            features_incompat: 0,
            features_compat: 0,
            total_blocks,
            bitmap_start: 1,
            bitmap_blocks,
            inode_table_start,
            inode_table_blocks,
            inode_count,
            root_ino: ROOT_INO,
            data_start,
            free_blocks: 0,
            free_inodes: 0,
            state: STATE_CLEAN,
            mkfs_time: 0,
            uuid: [0; 16],
            label: [0; 32],
        };
        sb.check_geometry()?;
        Ok(sb)
    }

    /// Checks that the layout fields are consistent with each other.
    pub fn check_geometry(&self) -> Result<(), FormatError> {
        let bad = FormatError::BadGeometry;
        let bitmap_blocks = self.total_blocks.div_ceil(BITS_PER_BLOCK_U64);
        let inode_table_start = self
            .bitmap_start
            .checked_add(self.bitmap_blocks)
            .ok_or(bad)?;
        let data_start = self
            .inode_table_start
            .checked_add(self.inode_table_blocks)
            .ok_or(bad)?;
        let inode_count = self
            .inode_table_blocks
            .checked_mul(INODES_PER_BLOCK_U64)
            .ok_or(bad)?;
        // Byte offsets of blocks must fit a loff_t.
        let bytes = self.total_blocks.checked_mul(BLOCK_SIZE_U64).ok_or(bad)?;
        if i64::try_from(bytes).is_err()
            || self.bitmap_start != 1
            || self.bitmap_blocks != bitmap_blocks
            || self.inode_table_start != inode_table_start
            || self.inode_table_blocks == 0
            || inode_count != u64::from(self.inode_count)
            || self.data_start != data_start
            || self.data_start >= self.total_blocks
            || self.root_ino != ROOT_INO
        {
            return Err(bad);
        }
        Ok(())
    }

    /// Decodes and checks the superblock at the start of `block` (at least 256 bytes):
    /// magic, version, checksum, features, block size, state and geometry.
    pub fn decode(block: &[u8], crc: Crc32c) -> Result<Self, FormatError> {
        if get::<8>(block, 0)? != MAGIC {
            return Err(FormatError::BadMagic);
        }
        if le32(block, 8)? != VERSION {
            return Err(FormatError::BadVersion);
        }
        check_crc(block, SUPERBLOCK_CRC, crc)?;
        let features_incompat = le32(block, 12)?;
        if features_incompat & !FEATURES_INCOMPAT_KNOWN != 0 {
            return Err(FormatError::UnknownFeatures);
        }
        if le32(block, 20)? != BLOCK_SIZE_U32 {
            return Err(FormatError::BadBlockSize);
        }
        let sb = Self {
            features_incompat,
            features_compat: le32(block, 16)?,
            total_blocks: le64(block, 24)?,
            bitmap_start: le64(block, 32)?,
            bitmap_blocks: le64(block, 40)?,
            inode_table_start: le64(block, 48)?,
            inode_table_blocks: le64(block, 56)?,
            inode_count: le32(block, 64)?,
            root_ino: le32(block, 68)?,
            data_start: le64(block, 72)?,
            free_blocks: le64(block, 80)?,
            free_inodes: le32(block, 88)?,
            state: le32(block, 92)?,
            mkfs_time: le64(block, 96)?,
            uuid: get::<16>(block, 104)?,
            label: get::<32>(block, 120)?,
        };
        if sb.state != STATE_CLEAN && sb.state != STATE_DIRTY {
            return Err(FormatError::BadState);
        }
        sb.check_geometry()?;
        Ok(sb)
    }

    /// Encodes the superblock into the first 256 bytes of `block`, with its checksum. The
    /// caller zeroes the rest of the block.
    pub fn encode(&self, block: &mut [u8], crc: Crc32c) {
        zero(block, 0, SUPERBLOCK_SIZE);
        put(block, 0, &MAGIC);
        put(block, 8, &VERSION.to_le_bytes());
        put(block, 12, &self.features_incompat.to_le_bytes());
        put(block, 16, &self.features_compat.to_le_bytes());
        put(block, 20, &BLOCK_SIZE_U32.to_le_bytes());
        put(block, 24, &self.total_blocks.to_le_bytes());
        put(block, 32, &self.bitmap_start.to_le_bytes());
        put(block, 40, &self.bitmap_blocks.to_le_bytes());
        put(block, 48, &self.inode_table_start.to_le_bytes());
        put(block, 56, &self.inode_table_blocks.to_le_bytes());
        put(block, 64, &self.inode_count.to_le_bytes());
        put(block, 68, &self.root_ino.to_le_bytes());
        put(block, 72, &self.data_start.to_le_bytes());
        put(block, 80, &self.free_blocks.to_le_bytes());
        put(block, 88, &self.free_inodes.to_le_bytes());
        put(block, 92, &self.state.to_le_bytes());
        put(block, 96, &self.mkfs_time.to_le_bytes());
        put(block, 104, &self.uuid);
        put(block, 120, &self.label);
        seal_crc(block, SUPERBLOCK_CRC, crc);
    }

    /// Returns whether the file system fits a device of `device_bytes`.
    pub fn fits_device(&self, device_bytes: u64) -> bool {
        self.total_blocks
            .checked_mul(BLOCK_SIZE_U64)
            .is_some_and(|bytes| bytes <= device_bytes)
    }

    /// The label up to its first NUL.
    pub fn label(&self) -> &[u8] {
        let len = self
            .label
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.label.len());
        self.label.get(..len).unwrap_or(&[])
    }

    /// Sets the label (at most 32 bytes, no NUL).
    pub fn set_label(&mut self, label: &[u8]) -> Result<(), FormatError> {
        if label.len() > self.label.len() || label.contains(&0) {
            return Err(FormatError::BadGeometry);
        }
        self.label = [0; 32];
        put(&mut self.label, 0, label);
        Ok(())
    }

    /// Whether `block` is a data block (`data_start <= block < total_blocks`).
    pub fn is_data_block(&self, block: u64) -> bool {
        (self.data_start..self.total_blocks).contains(&block)
    }

    /// Data blocks: `total_blocks - data_start`.
    pub fn data_blocks(&self) -> u64 {
        self.total_blocks.saturating_sub(self.data_start)
    }
}

/// Which bitmap block and which bit in it describe file system block `block`.
pub fn bitmap_locate(block: u64) -> (u64, usize) {
    let bit = block % BITS_PER_BLOCK_U64;
    // `bit` is below BITMAP_BITS_PER_BLOCK, so it fits any usize.
    (
        block / BITS_PER_BLOCK_U64,
        usize::try_from(bit).unwrap_or(0),
    )
}

/// Bit `bit` of a bitmap block: whether the block it describes is used. `false` for a bit
/// beyond the block.
pub fn bitmap_test(block: &[u8], bit: usize) -> bool {
    bit < BITMAP_BITS_PER_BLOCK
        && block
            .get(bit / 8)
            .is_some_and(|&byte| byte & (1 << (bit % 8)) != 0)
}

/// Sets bit `bit` of a bitmap block to `used`; nothing for a bit beyond the block.
pub fn bitmap_set(block: &mut [u8], bit: usize, used: bool) {
    if bit >= BITMAP_BITS_PER_BLOCK {
        return;
    }
    if let Some(byte) = block.get_mut(bit / 8) {
        let mask = 1u8 << (bit % 8);
        if used {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
}

/// Checks a bitmap block's tail: its checksum and that it says it is bitmap block `index`.
pub fn bitmap_block_check(block: &[u8], index: u32, crc: Crc32c) -> Result<(), FormatError> {
    check_crc(block, BLOCK_CRC, crc)?;
    if le32(block, BITMAP_INDEX)? != index {
        return Err(FormatError::BadBitmap);
    }
    Ok(())
}

/// Checks the bits of bitmap block `index` against the geometry: the metadata blocks
/// (`0..data_start`) are marked used and no bit past `total_blocks` is set.
pub fn bitmap_block_check_bits(
    block: &[u8],
    index: u64,
    sb: &Superblock,
) -> Result<(), FormatError> {
    let first = index
        .checked_mul(BITS_PER_BLOCK_U64)
        .ok_or(FormatError::BadBitmap)?;
    for bit in 0..BITMAP_BITS_PER_BLOCK {
        let Some(nr) = u64::try_from(bit).ok().and_then(|b| first.checked_add(b)) else {
            return Err(FormatError::BadBitmap);
        };
        let used = bitmap_test(block, bit);
        if (nr < sb.data_start && !used) || (nr >= sb.total_blocks && used) {
            return Err(FormatError::BadBitmap);
        }
    }
    Ok(())
}

/// Writes a bitmap block's index and checksum (the bits in bytes 0..4088 are the caller's).
pub fn bitmap_block_seal(block: &mut [u8], index: u32, crc: Crc32c) {
    put(block, BITMAP_INDEX, &index.to_le_bytes());
    seal_crc(block, BLOCK_CRC, crc);
}

/// A run of blocks of a file (16 bytes on disk: file_block u32, len u32, disk_block u64).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extent {
    /// First file block.
    pub file_block: u32,
    /// Length in blocks (low 30 bits, more than 0), with [`EXTENT_UNWRITTEN`] in bit 31
    /// and [`EXTENT_ZEROED`] in bit 30.
    pub raw_len: u32,
    /// First disk block.
    pub disk_block: u64,
}

impl Extent {
    /// An extent of `len` written blocks (`len` is masked to 30 bits).
    pub fn new(file_block: u32, len: u32, disk_block: u64) -> Self {
        Self {
            file_block,
            raw_len: len & EXTENT_MAX_LEN,
            disk_block,
        }
    }

    /// The same extent, marked unwritten (preallocated) or written.
    pub fn with_unwritten(self, unwritten: bool) -> Self {
        Self {
            raw_len: if unwritten {
                self.raw_len | EXTENT_UNWRITTEN
            } else {
                self.raw_len & EXTENT_MAX_LEN
            },
            ..self
        }
    }

    /// The same extent, unwritten with blocks zeroed on the device (or not zeroed).
    pub fn with_zeroed(self, zeroed: bool) -> Self {
        Self {
            raw_len: if zeroed {
                self.raw_len | EXTENT_UNWRITTEN | EXTENT_ZEROED
            } else {
                self.raw_len & !EXTENT_ZEROED
            },
            ..self
        }
    }

    /// Length in blocks.
    pub fn len(&self) -> u32 {
        self.raw_len & EXTENT_MAX_LEN
    }

    /// Whether the extent has no blocks (never valid on disk).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the blocks are preallocated and not written.
    pub fn unwritten(&self) -> bool {
        self.raw_len & EXTENT_UNWRITTEN != 0
    }

    /// Whether the blocks are unwritten and known to hold zeroes on the device.
    pub fn zeroed(&self) -> bool {
        self.raw_len & EXTENT_ZEROED != 0
    }

    /// One past the last file block (cannot overflow in u64).
    pub fn file_end(&self) -> u64 {
        u64::from(self.file_block) + u64::from(self.len())
    }

    /// One past the last disk block, `None` on overflow.
    pub fn disk_end(&self) -> Option<u64> {
        self.disk_block.checked_add(u64::from(self.len()))
    }

    /// Decodes the 16 bytes at `at` of `buf` (no check).
    pub fn decode(buf: &[u8], at: usize) -> Result<Self, FormatError> {
        Ok(Self {
            file_block: le32(buf, at)?,
            raw_len: le32(buf, at.checked_add(4).ok_or(FormatError::Short)?)?,
            disk_block: le64(buf, at.checked_add(8).ok_or(FormatError::Short)?)?,
        })
    }

    /// Encodes the extent into the 16 bytes at `at` of `buf`.
    pub fn encode(&self, buf: &mut [u8], at: usize) {
        let mut raw = [0u8; EXTENT_SIZE];
        put(&mut raw, 0, &self.file_block.to_le_bytes());
        put(&mut raw, 4, &self.raw_len.to_le_bytes());
        put(&mut raw, 8, &self.disk_block.to_le_bytes());
        put(buf, at, &raw);
    }

    /// Checks that the extent is non-empty, lies in the data area of `sb`, that its file
    /// range ends within 32 bits, and that only unwritten extents are flagged zeroed.
    pub fn check(&self, sb: &Superblock) -> Result<(), FormatError> {
        let end = self.disk_end().ok_or(FormatError::BadExtent)?;
        if self.is_empty()
            || (self.zeroed() && !self.unwritten())
            || self.disk_block < sb.data_start
            || end > sb.total_blocks
            || self.file_end() > u64::from(u32::MAX)
        {
            return Err(FormatError::BadExtent);
        }
        Ok(())
    }
}

/// Checks that `extents` are valid ([`Extent::check`]), sorted by file block and not
/// overlapping in the file, continuing after `previous` (the last extent checked before
/// them, if any: pass the last inline extent when checking an indirect block's).
pub fn check_extents(
    extents: &[Extent],
    previous: Option<&Extent>,
    sb: &Superblock,
) -> Result<(), FormatError> {
    let mut end = previous.map(Extent::file_end);
    for e in extents {
        e.check(sb)?;
        if end.is_some_and(|end| u64::from(e.file_block) < end) {
            return Err(FormatError::BadExtentOrder);
        }
        end = Some(e.file_end());
    }
    Ok(())
}

/// Checks an inode's whole extent list: the inline extents then the indirect block's, as
/// one sorted, non-overlapping list of at most [`MAX_EXTENTS`].
pub fn check_extent_list(
    inline: &[Extent],
    indirect: &[Extent],
    sb: &Superblock,
) -> Result<(), FormatError> {
    if inline.len() > INLINE_EXTENTS
        || indirect.len() > INDIRECT_EXTENTS
        || (!indirect.is_empty() && inline.len() != INLINE_EXTENTS)
    {
        return Err(FormatError::BadExtentCount);
    }
    check_extents(inline, None, sb)?;
    check_extents(indirect, inline.last(), sb)
}

/// An inode as stored in the inode table (256 bytes).
///
/// ```text
///   0 mode u16        2 reserved u16    4 nlink u32       8 uid u32       12 gid u32
///  16 size u64       24 blocks u64     32 atime_sec i64  40 mtime_sec i64 48 ctime_sec i64
///  56 atime_nsec u32 60 mtime_nsec u32 64 ctime_nsec u32 68 generation u32 72 flags u32
///  76 extent_count u32  80 indirect u64  88 parent u32  92 rdev u32
///  96 extents [Extent; 9]  240..252 reserved  252 crc32c over 0..252
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inode {
    /// File type and permissions; 0 for a free inode.
    pub mode: u16,
    /// Link count (0 for an unlinked inode still open when the system stopped).
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// 4 KiB blocks owned: the data blocks of all extents and the indirect block.
    pub blocks: u64,
    /// Access time, seconds.
    pub atime_sec: i64,
    /// Modification time, seconds.
    pub mtime_sec: i64,
    /// Change time, seconds.
    pub ctime_sec: i64,
    /// Access time, nanoseconds (below 1e9).
    pub atime_nsec: u32,
    /// Modification time, nanoseconds (below 1e9).
    pub mtime_nsec: u32,
    /// Change time, nanoseconds (below 1e9).
    pub ctime_nsec: u32,
    /// Generation number.
    pub generation: u32,
    /// Flags (none defined: must be 0).
    pub flags: u32,
    /// Extents in total: the inline ones first, then the indirect block's.
    pub extent_count: u32,
    /// Indirect extent block, 0 if none (required exactly when `extent_count > 9`).
    pub indirect: u64,
    /// Directories: the parent's inode number (the root's is itself); 0 for other types.
    pub parent: u32,
    /// Device files: the device number (`new_encode_dev()`); 0 for other types.
    pub rdev: u32,
    /// The inline extents (the first `min(extent_count, 9)` are used, the rest zero).
    pub extents: [Extent; INLINE_EXTENTS],
}

impl Inode {
    /// An all-zero inode to fill in.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The file type bits of the mode (`S_IFREG`, `S_IFDIR`, ...).
    pub fn kind(&self) -> u32 {
        u32::from(self.mode) & S_IFMT
    }

    /// Whether the inode is a directory.
    pub fn is_dir(&self) -> bool {
        self.kind() == S_IFDIR
    }

    /// The used inline extents.
    pub fn inline_extents(&self) -> &[Extent] {
        let n = usize::try_from(self.extent_count)
            .unwrap_or(INLINE_EXTENTS)
            .min(INLINE_EXTENTS);
        self.extents.get(..n).unwrap_or(&[])
    }

    /// How many extents the indirect block holds (`extent_count - 9`, or 0).
    pub fn indirect_count(&self) -> u32 {
        self.extent_count.saturating_sub(INLINE_EXTENTS_U32)
    }

    /// Decodes and checks inode `ino` from its 256 bytes; `None` for a free inode (which
    /// must be all zero). The indirect block, if any, is checked by
    /// [`IndirectBlock::decode`] and [`check_extents`], or by [`check_indirect`].
    pub fn decode(
        raw: &[u8],
        ino: u32,
        sb: &Superblock,
        crc: Crc32c,
    ) -> Result<Option<Self>, FormatError> {
        let raw = raw.get(..INODE_SIZE).ok_or(FormatError::Short)?;
        if ino == 0 || ino > sb.inode_count {
            return Err(FormatError::BadInodeNumber);
        }
        let mode = le16(raw, 0)?;
        if mode == 0 {
            if !is_zero(raw, 0, INODE_SIZE)? {
                return Err(FormatError::BadFreeInode);
            }
            return Ok(None);
        }
        check_crc(raw, INODE_CRC, crc)?;
        if le16(raw, 2)? != 0 || !is_zero(raw, 240, INODE_CRC)? {
            return Err(FormatError::BadInode);
        }
        let mut extents = [Extent::default(); INLINE_EXTENTS];
        let mut at = INODE_EXTENTS_AT;
        for e in extents.iter_mut() {
            *e = Extent::decode(raw, at)?;
            at = at.checked_add(EXTENT_SIZE).ok_or(FormatError::Short)?;
        }
        let inode = Self {
            mode,
            nlink: le32(raw, 4)?,
            uid: le32(raw, 8)?,
            gid: le32(raw, 12)?,
            size: le64(raw, 16)?,
            blocks: le64(raw, 24)?,
            atime_sec: lei64(raw, 32)?,
            mtime_sec: lei64(raw, 40)?,
            ctime_sec: lei64(raw, 48)?,
            atime_nsec: le32(raw, 56)?,
            mtime_nsec: le32(raw, 60)?,
            ctime_nsec: le32(raw, 64)?,
            generation: le32(raw, 68)?,
            flags: le32(raw, 72)?,
            extent_count: le32(raw, 76)?,
            indirect: le64(raw, 80)?,
            parent: le32(raw, 88)?,
            rdev: le32(raw, 92)?,
            extents,
        };
        inode.check(ino, sb)?;
        Ok(Some(inode))
    }

    /// Checks the fields of in-use inode `ino` (everything [`Inode::decode`] checks but the
    /// checksum and the reserved bytes).
    pub fn check(&self, ino: u32, sb: &Superblock) -> Result<(), FormatError> {
        if ino == 0 || ino > sb.inode_count {
            return Err(FormatError::BadInodeNumber);
        }
        let kind = self.kind();
        let known = [
            S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK,
        ];
        if !known.contains(&kind) {
            return Err(FormatError::BadInodeType);
        }
        if self.atime_nsec >= NSEC_PER_SEC
            || self.mtime_nsec >= NSEC_PER_SEC
            || self.ctime_nsec >= NSEC_PER_SEC
        {
            return Err(FormatError::BadTimestamp);
        }
        if self.flags != 0 || i64::try_from(self.size).is_err() {
            return Err(FormatError::BadInode);
        }
        if kind == S_IFDIR
            && (self.parent == 0 || self.parent > sb.inode_count || self.size % BLOCK_SIZE_U64 != 0)
        {
            return Err(FormatError::BadInode);
        }
        if ino == ROOT_INO && (kind != S_IFDIR || self.parent != ROOT_INO) {
            return Err(FormatError::BadInode);
        }
        if kind == S_IFLNK && !(1..BLOCK_SIZE_U64).contains(&self.size) {
            return Err(FormatError::BadInode);
        }
        if self.extent_count > MAX_EXTENTS_U32 {
            return Err(FormatError::BadExtentCount);
        }
        let needs_indirect = self.extent_count > INLINE_EXTENTS_U32;
        if needs_indirect != (self.indirect != 0) {
            return Err(FormatError::BadIndirect);
        }
        if self.indirect != 0 && !sb.is_data_block(self.indirect) {
            return Err(FormatError::BadIndirect);
        }
        let used = self.inline_extents().len();
        let unused = self.extents.get(used..).unwrap_or(&[]);
        if unused.iter().any(|e| *e != Extent::default()) {
            return Err(FormatError::BadExtent);
        }
        check_extents(self.inline_extents(), None, sb)
    }

    /// Encodes the inode into its 256 bytes, with its checksum. Inline extent slots past
    /// `extent_count` are written as zero.
    pub fn encode(&self, raw: &mut [u8], crc: Crc32c) {
        let Some(raw) = raw.get_mut(..INODE_SIZE) else {
            return;
        };
        raw.fill(0);
        put(raw, 0, &self.mode.to_le_bytes());
        put(raw, 4, &self.nlink.to_le_bytes());
        put(raw, 8, &self.uid.to_le_bytes());
        put(raw, 12, &self.gid.to_le_bytes());
        put(raw, 16, &self.size.to_le_bytes());
        put(raw, 24, &self.blocks.to_le_bytes());
        put(raw, 32, &self.atime_sec.to_le_bytes());
        put(raw, 40, &self.mtime_sec.to_le_bytes());
        put(raw, 48, &self.ctime_sec.to_le_bytes());
        put(raw, 56, &self.atime_nsec.to_le_bytes());
        put(raw, 60, &self.mtime_nsec.to_le_bytes());
        put(raw, 64, &self.ctime_nsec.to_le_bytes());
        put(raw, 68, &self.generation.to_le_bytes());
        put(raw, 72, &self.flags.to_le_bytes());
        put(raw, 76, &self.extent_count.to_le_bytes());
        put(raw, 80, &self.indirect.to_le_bytes());
        put(raw, 88, &self.parent.to_le_bytes());
        put(raw, 92, &self.rdev.to_le_bytes());
        let mut at = INODE_EXTENTS_AT;
        for e in self.inline_extents() {
            e.encode(raw, at);
            at = at.saturating_add(EXTENT_SIZE);
        }
        seal_crc(raw, INODE_CRC, crc);
    }
}

/// Returns the inode-table block of inode `ino` and its byte offset in the block.
pub fn inode_location(ino: u32, sb: &Superblock) -> Result<(u64, u32), FormatError> {
    if ino == 0 || ino > sb.inode_count {
        return Err(FormatError::BadInodeNumber);
    }
    let index = u64::from(ino - 1);
    let block = sb
        .inode_table_start
        .checked_add(index / INODES_PER_BLOCK_U64)
        .ok_or(FormatError::BadInodeNumber)?;
    // The slot is below 16, its offset below 4096.
    let offset = (ino - 1) % 16 * 256;
    Ok((block, offset))
}

/// The indirect extent block of an inode.
///
/// ```text
///    0 magic u32 = INDIRECT_MAGIC   4 count u32 (1..=254)   8 owner u32   12 reserved u32
///   16 extents [Extent; 254]   4080..4092 reserved   4092 crc32c over 0..4092
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndirectBlock {
    owner: u32,
    count: usize,
    extents: [Extent; INDIRECT_EXTENTS],
}

impl IndirectBlock {
    /// An empty indirect block of inode `owner`.
    pub fn new(owner: u32) -> Self {
        Self {
            owner,
            count: 0,
            extents: [Extent::default(); INDIRECT_EXTENTS],
        }
    }

    /// The inode the block belongs to.
    pub fn owner(&self) -> u32 {
        self.owner
    }

    /// Appends an extent; `Err(BadExtentCount)` when the block is full.
    pub fn push(&mut self, e: Extent) -> Result<(), FormatError> {
        let slot = self
            .extents
            .get_mut(self.count)
            .ok_or(FormatError::BadExtentCount)?;
        *slot = e;
        self.count = self.count.saturating_add(1);
        Ok(())
    }

    /// The extents.
    pub fn extents(&self) -> &[Extent] {
        self.extents.get(..self.count).unwrap_or(&[])
    }

    /// Decodes and checks the indirect block of inode `owner`, which must hold `count`
    /// extents (`extent_count - 9`): [`check_indirect`], then the extents. That they
    /// continue the inline ones is checked with [`check_extents`] and the last inline
    /// extent. The value is 4 KiB: the kernel, with its 16 KiB stacks, uses
    /// [`check_indirect`] and [`indirect_extents`] instead.
    pub fn decode(
        block: &[u8],
        owner: u32,
        count: u32,
        sb: &Superblock,
        crc: Crc32c,
    ) -> Result<Self, FormatError> {
        check_indirect(block, owner, count, None, sb, crc)?;
        let mut ind = Self::new(owner);
        for e in indirect_extents(block, count) {
            ind.push(e)?;
        }
        Ok(ind)
    }

    /// Encodes the whole block (all 4096 bytes of `block`), with its checksum.
    pub fn encode(&self, block: &mut [u8], crc: Crc32c) {
        // At most INDIRECT_EXTENTS by construction: encoding cannot fail.
        let _ = encode_indirect(block, self.owner, self.extents().iter().copied(), crc);
    }
}

/// Checks the indirect block of inode `owner`, which must hold `count` extents
/// (`extent_count - 9`): checksum, magic, owner, count, reserved and unused bytes zero,
/// each extent valid, and the extents sorted and not overlapping, continuing after
/// `previous` (the inode's last inline extent, if given). Holds no extent list: the kernel
/// reads indirect blocks deep in path lookup.
pub fn check_indirect(
    block: &[u8],
    owner: u32,
    count: u32,
    previous: Option<&Extent>,
    sb: &Superblock,
    crc: Crc32c,
) -> Result<(), FormatError> {
    check_crc(block, BLOCK_CRC, crc)?;
    let count = usize::try_from(count).map_err(|_| FormatError::BadExtentCount)?;
    if count == 0 || count > INDIRECT_EXTENTS {
        return Err(FormatError::BadExtentCount);
    }
    let stored = usize::try_from(le32(block, 4)?).map_err(|_| FormatError::BadIndirect)?;
    if le32(block, 0)? != INDIRECT_MAGIC
        || le32(block, 8)? != owner
        || le32(block, 12)? != 0
        || !is_zero(block, 4080, BLOCK_CRC)?
    {
        return Err(FormatError::BadIndirect);
    }
    if stored != count {
        return Err(FormatError::BadExtentCount);
    }
    // The layout first, then the extents, as one list: the errors come in the order of
    // the fields, whatever the extents hold.
    let mut at = INDIRECT_EXTENTS_AT;
    for i in 0..INDIRECT_EXTENTS {
        let e = Extent::decode(block, at)?;
        if i >= count && e != Extent::default() {
            return Err(FormatError::BadIndirect);
        }
        at = at.checked_add(EXTENT_SIZE).ok_or(FormatError::Short)?;
    }
    let mut end = previous.map(Extent::file_end);
    for e in indirect_extents(block, count as u32) {
        e.check(sb)?;
        if end.is_some_and(|end| u64::from(e.file_block) < end) {
            return Err(FormatError::BadExtentOrder);
        }
        end = Some(e.file_end());
    }
    Ok(())
}

/// The first `count` extents of an indirect block, decoded one at a time (stops early
/// where the block is too short: check it with [`check_indirect`] first).
pub fn indirect_extents(block: &[u8], count: u32) -> impl Iterator<Item = Extent> + '_ {
    (0..count as usize).map_while(move |i| {
        Extent::decode(
            block,
            INDIRECT_EXTENTS_AT.checked_add(i.checked_mul(EXTENT_SIZE)?)?,
        )
        .ok()
    })
}

/// Encodes the indirect block of inode `owner` holding `extents` (all 4096 bytes of
/// `block`), with its checksum; `Err(BadExtentCount)` for more than [`INDIRECT_EXTENTS`],
/// with `block` left zeroed.
pub fn encode_indirect(
    block: &mut [u8],
    owner: u32,
    extents: impl IntoIterator<Item = Extent>,
    crc: Crc32c,
) -> Result<(), FormatError> {
    zero(block, 0, BLOCK_SIZE);
    let mut count = 0usize;
    let mut at = INDIRECT_EXTENTS_AT;
    for e in extents {
        if count == INDIRECT_EXTENTS {
            zero(block, 0, BLOCK_SIZE);
            return Err(FormatError::BadExtentCount);
        }
        e.encode(block, at);
        at = at.saturating_add(EXTENT_SIZE);
        count += 1;
    }
    put(block, 0, &INDIRECT_MAGIC.to_le_bytes());
    put(block, 4, &(count as u32).to_le_bytes());
    put(block, 8, &owner.to_le_bytes());
    seal_crc(block, BLOCK_CRC, crc);
    Ok(())
}

/// Checks a directory block's tail: checksum, magic, that it belongs to directory
/// `dir_ino` as its logical block `index`, and reserved bytes zero. The entries are checked
/// one by one with [`Dirent::decode`].
pub fn dir_block_check(
    block: &[u8],
    dir_ino: u32,
    index: u32,
    crc: Crc32c,
) -> Result<(), FormatError> {
    check_crc(block, BLOCK_CRC, crc)?;
    if le32(block, DIR_TAIL)? != DIR_MAGIC
        || le32(block, 3844)? != dir_ino
        || le32(block, 3848)? != index
        || !is_zero(block, 3852, BLOCK_CRC)?
    {
        return Err(FormatError::BadDirBlock);
    }
    Ok(())
}

/// Writes a directory block's tail and checksum (the entries are the caller's).
pub fn dir_block_seal(block: &mut [u8], dir_ino: u32, index: u32, crc: Crc32c) {
    zero(block, DIR_TAIL, BLOCK_CRC);
    put(block, DIR_TAIL, &DIR_MAGIC.to_le_bytes());
    put(block, 3844, &dir_ino.to_le_bytes());
    put(block, 3848, &index.to_le_bytes());
    seal_crc(block, BLOCK_CRC, crc);
}

/// Makes `block` an empty, sealed directory block of `dir_ino` at `index`.
pub fn dir_block_init(block: &mut [u8], dir_ino: u32, index: u32, crc: Crc32c) {
    zero(block, 0, BLOCK_SIZE);
    dir_block_seal(block, dir_ino, index, crc);
}

/// Whether `file_type` is one of the seven `DT_*` values.
pub fn dtype_valid(file_type: u8) -> bool {
    [DT_FIFO, DT_CHR, DT_DIR, DT_BLK, DT_REG, DT_LNK, DT_SOCK].contains(&file_type)
}

/// Checks a name for a directory entry: 1..=250 bytes, no `/` or NUL, not `.` or `..`.
pub fn check_name(name: &[u8]) -> Result<(), FormatError> {
    if name.is_empty()
        || name.len() > NAME_MAX
        || name.contains(&b'/')
        || name.contains(&0)
        || name == b"."
        || name == b".."
    {
        return Err(FormatError::BadName);
    }
    Ok(())
}

/// A directory entry (256 bytes: ino u32, name_len u8, file_type u8, name [u8; 250]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dirent {
    /// Inode number (never 0 in a used entry).
    pub ino: u32,
    /// `DT_*` type, matching the inode's mode.
    pub file_type: u8,
    name_len: u8,
    name: [u8; NAME_MAX],
}

impl Dirent {
    /// An entry for `name` (see [`check_name`]) of a `DT_*` type.
    pub fn new(ino: u32, file_type: u8, name: &[u8]) -> Result<Self, FormatError> {
        check_name(name)?;
        if ino == 0 || !dtype_valid(file_type) {
            return Err(FormatError::BadDirent);
        }
        let mut buf = [0u8; NAME_MAX];
        buf.get_mut(..name.len())
            .ok_or(FormatError::BadName)?
            .copy_from_slice(name);
        Ok(Self {
            ino,
            file_type,
            name_len: u8::try_from(name.len()).map_err(|_| FormatError::BadName)?,
            name: buf,
        })
    }

    /// The name.
    pub fn name(&self) -> &[u8] {
        self.name.get(..usize::from(self.name_len)).unwrap_or(&[])
    }

    /// The byte range of `slot` in a directory block.
    fn range(slot: usize) -> Option<core::ops::Range<usize>> {
        if slot >= DIRENTS_PER_BLOCK {
            return None;
        }
        let at = slot.checked_mul(DIRENT_SIZE)?;
        Some(at..at.checked_add(DIRENT_SIZE)?)
    }

    /// Decodes entry `slot` (0..15) of a directory block; `None` for a free slot (which
    /// must be all zero).
    pub fn decode(block: &[u8], slot: usize) -> Result<Option<Self>, FormatError> {
        let range = Self::range(slot).ok_or(FormatError::BadDirent)?;
        let raw = block.get(range).ok_or(FormatError::Short)?;
        let ino = le32(raw, 0)?;
        if ino == 0 {
            if !is_zero(raw, 0, DIRENT_SIZE)? {
                return Err(FormatError::BadDirent);
            }
            return Ok(None);
        }
        let [len, file_type] = get::<2>(raw, 4)?;
        let len = usize::from(len);
        let end = len.checked_add(6).ok_or(FormatError::BadName)?;
        let name = raw.get(6..end).ok_or(FormatError::BadName)?;
        if !is_zero(raw, end, DIRENT_SIZE)? {
            return Err(FormatError::BadDirent);
        }
        Self::new(ino, file_type, name).map(Some)
    }

    /// Writes the entry into `slot` of a directory block (nothing for a slot beyond it).
    pub fn encode(&self, block: &mut [u8], slot: usize) {
        let Some(raw) = Self::range(slot).and_then(|range| block.get_mut(range)) else {
            return;
        };
        raw.fill(0);
        put(raw, 0, &self.ino.to_le_bytes());
        put(raw, 4, &[self.name_len, self.file_type]);
        put(raw, 6, self.name());
    }

    /// Frees `slot` of a directory block.
    pub fn clear(block: &mut [u8], slot: usize) {
        if let Some(raw) = Self::range(slot).and_then(|range| block.get_mut(range)) {
            raw.fill(0);
        }
    }
}

/// The `DT_*` type of a mode (`DT_REG` for an unknown type).
pub fn mode_to_dtype(mode: u16) -> u8 {
    match u32::from(mode) & S_IFMT {
        S_IFIFO => DT_FIFO,
        S_IFCHR => DT_CHR,
        S_IFDIR => DT_DIR,
        S_IFBLK => DT_BLK,
        S_IFLNK => DT_LNK,
        S_IFSOCK => DT_SOCK,
        _ => DT_REG,
    }
}
