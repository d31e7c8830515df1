// SPDX-License-Identifier: GPL-2.0

//! An existing file system opened for building a tree in it.
//!
//! Allocation is first fit over the bitmap, which is kept in memory and written back with
//! the superblock's free counts by [`Fs::flush`] (also on drop). Everything written is
//! valid: encoded and sealed by the format crate.

use crate::{Device, Error, Result};
use bouncefs_format::{
    self as format, crc32c, Dirent, Extent, IndirectBlock, Inode, Superblock, BLOCK_SIZE,
    DIRENTS_PER_BLOCK, INLINE_EXTENTS, INODE_SIZE, ROOT_INO, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG,
};

const BS: u64 = BLOCK_SIZE as u64;

/// A bouncefs file system opened for changes.
#[derive(Debug)]
pub struct Fs {
    dev: Device,
    sb: Superblock,
    /// The bitmap blocks, concatenated.
    bitmap: Vec<u8>,
    /// Next inode time stamp (each new inode gets a distinct one).
    time: i64,
    flushed: bool,
}

/// A located directory entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The directory.
    pub dir: u32,
    /// Logical block in the directory.
    pub index: u32,
    /// Disk block.
    pub block: u64,
    /// Slot in the block.
    pub slot: usize,
    /// The entry.
    pub dirent: Dirent,
}

fn mode(bits: u32) -> u16 {
    u16::try_from(bits).unwrap_or_default()
}

impl Fs {
    /// Opens the file system on `dev` (which must be writable).
    pub fn open(dev: Device) -> Result<Self> {
        let sb = Superblock::decode(&dev.read_block(0)?, crc32c)
            .map_err(|e| Error::new(format!("{}: superblock: {}", dev.name(), e.describe())))?;
        let mut bitmap = Vec::new();
        for k in 0..sb.bitmap_blocks {
            bitmap.extend_from_slice(&dev.read_block(sb.bitmap_start + k)?);
        }
        let time = i64::try_from(sb.mkfs_time).unwrap_or(0);
        Ok(Self {
            dev,
            sb,
            bitmap,
            time,
            flushed: true,
        })
    }

    /// The device.
    pub fn device(&self) -> &Device {
        &self.dev
    }

    /// The superblock as opened (its free counts are updated by [`Fs::flush`]).
    pub fn superblock(&self) -> &Superblock {
        &self.sb
    }

    fn bit(&self, block: u64) -> Option<(usize, usize)> {
        let (k, bit) = format::bitmap_locate(block);
        let base = usize::try_from(k).ok()?.checked_mul(BLOCK_SIZE)?;
        Some((base, bit))
    }

    /// Whether the bitmap marks `block` used.
    pub fn is_used(&self, block: u64) -> bool {
        self.bit(block).is_some_and(|(base, bit)| {
            self.bitmap
                .get(base..base + BLOCK_SIZE)
                .is_some_and(|b| format::bitmap_test(b, bit))
        })
    }

    /// Marks `block` used or free in the bitmap.
    pub fn set_used(&mut self, block: u64, used: bool) {
        if let Some((base, bit)) = self.bit(block) {
            if let Some(b) = self.bitmap.get_mut(base..base + BLOCK_SIZE) {
                format::bitmap_set(b, bit, used);
                self.flushed = false;
            }
        }
    }

    /// Allocates the first free run of `len` blocks at or after `hint`.
    pub fn alloc_blocks(&mut self, len: u32, hint: u64) -> Result<u64> {
        let len = u64::from(len.max(1));
        let mut start = hint.max(self.sb.data_start);
        while start + len <= self.sb.total_blocks {
            match (start..start + len).find(|&b| self.is_used(b)) {
                Some(used) => start = used + 1,
                None => {
                    for b in start..start + len {
                        self.set_used(b, true);
                    }
                    return Ok(start);
                }
            }
        }
        Err(Error::new(format!(
            "{}: no run of {len} free blocks",
            self.dev.name()
        )))
    }

    /// Reads the 256 bytes of inode `ino`.
    pub fn raw_inode(&self, ino: u32) -> Result<Vec<u8>> {
        let (block, offset) = format::inode_location(ino, &self.sb)?;
        let buf = self.dev.read_block(block)?;
        let at = usize::try_from(offset).unwrap_or(0);
        Ok(buf[at..at + INODE_SIZE].to_vec())
    }

    /// Writes the 256 bytes of inode `ino` as they are (no checksum is computed).
    pub fn write_raw_inode(&mut self, ino: u32, raw: &[u8]) -> Result<()> {
        let (block, offset) = format::inode_location(ino, &self.sb)?;
        let mut buf = self.dev.read_block(block)?;
        let at = usize::try_from(offset).unwrap_or(0);
        buf[at..at + INODE_SIZE].copy_from_slice(&raw[..INODE_SIZE]);
        self.dev.write_block(block, &buf)
    }

    /// Reads and checks inode `ino`; `None` if it is free.
    pub fn inode(&self, ino: u32) -> Result<Option<Inode>> {
        Inode::decode(&self.raw_inode(ino)?, ino, &self.sb, crc32c)
            .map_err(|e| Error::new(format!("inode {ino}: {}", e.describe())))
    }

    /// Reads in-use inode `ino`.
    pub fn get(&self, ino: u32) -> Result<Inode> {
        self.inode(ino)?
            .ok_or_else(|| Error::new(format!("inode {ino} is free")))
    }

    /// Encodes and writes inode `ino` (the checksum is computed).
    pub fn write_inode(&mut self, ino: u32, inode: &Inode) -> Result<()> {
        let mut raw = vec![0u8; INODE_SIZE];
        inode.encode(&mut raw, crc32c);
        self.write_raw_inode(ino, &raw)
    }

    /// Allocates a free inode (its slot stays zero until it is written).
    fn alloc_inode(&mut self) -> Result<u32> {
        for ino in 1..=self.sb.inode_count {
            if self.raw_inode(ino)?.iter().all(|&b| b == 0) {
                return Ok(ino);
            }
        }
        Err(Error::new(format!("{}: no free inode", self.dev.name())))
    }

    /// All extents of `inode` (inline, then the indirect block's).
    pub fn extents(&self, ino: u32, inode: &Inode) -> Result<Vec<Extent>> {
        let mut all = inode.inline_extents().to_vec();
        if inode.indirect != 0 {
            let ind = IndirectBlock::decode(
                &self.dev.read_block(inode.indirect)?,
                ino,
                inode.indirect_count(),
                &self.sb,
                crc32c,
            )
            .map_err(|e| Error::new(format!("inode {ino}: indirect block: {}", e.describe())))?;
            all.extend_from_slice(ind.extents());
        }
        Ok(all)
    }

    /// Stores `extents` in `inode` (inline, and an indirect block beyond 9, allocated if
    /// needed) and sets `extent_count`, `indirect` and `blocks`. The inode itself is written
    /// by the caller.
    pub fn set_extents(&mut self, ino: u32, inode: &mut Inode, extents: &[Extent]) -> Result<()> {
        if extents.len() > format::MAX_EXTENTS {
            return Err(Error::new(format!(
                "inode {ino}: {} extents is too many",
                extents.len()
            )));
        }
        inode.extents = [Extent::default(); INLINE_EXTENTS];
        for (slot, e) in inode.extents.iter_mut().zip(extents) {
            *slot = *e;
        }
        inode.extent_count = u32::try_from(extents.len()).unwrap_or(0);
        let mut blocks: u64 = extents.iter().map(|e| u64::from(e.len())).sum();
        if extents.len() > INLINE_EXTENTS {
            if inode.indirect == 0 {
                inode.indirect = self.alloc_blocks(1, self.sb.data_start)?;
            }
            let mut ind = IndirectBlock::new(ino);
            for e in &extents[INLINE_EXTENTS..] {
                ind.push(*e)?;
            }
            let mut buf = vec![0u8; BLOCK_SIZE];
            ind.encode(&mut buf, crc32c);
            self.dev.write_block(inode.indirect, &buf)?;
            blocks += 1;
        } else if inode.indirect != 0 {
            self.set_used(inode.indirect, false);
            inode.indirect = 0;
        }
        inode.blocks = blocks;
        Ok(())
    }

    /// The disk block of logical block `index` of `extents`.
    pub fn map(extents: &[Extent], index: u32) -> Option<u64> {
        extents.iter().find_map(|e| {
            let off = index.checked_sub(e.file_block)?;
            (off < e.len()).then(|| e.disk_block + u64::from(off))
        })
    }

    /// Every entry of directory `dir`.
    pub fn entries(&self, dir: u32) -> Result<Vec<Entry>> {
        let inode = self.get(dir)?;
        let extents = self.extents(dir, &inode)?;
        let mut out = Vec::new();
        for index in 0..u32::try_from(inode.size / BS).unwrap_or(0) {
            let block = Self::map(&extents, index)
                .ok_or_else(|| Error::new(format!("directory {dir}: block {index} is a hole")))?;
            let buf = self.dev.read_block(block)?;
            format::dir_block_check(&buf, dir, index, crc32c).map_err(|e| {
                Error::new(format!("directory {dir} block {index}: {}", e.describe()))
            })?;
            for slot in 0..DIRENTS_PER_BLOCK {
                if let Some(dirent) = Dirent::decode(&buf, slot)? {
                    out.push(Entry {
                        dir,
                        index,
                        block,
                        slot,
                        dirent,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The entry `name` of directory `dir`.
    pub fn lookup(&self, dir: u32, name: &[u8]) -> Result<Option<Entry>> {
        Ok(self
            .entries(dir)?
            .into_iter()
            .find(|e| e.dirent.name() == name))
    }

    /// The inode of `path` (`/`-separated, from the root; `""` and `"/"` are the root).
    pub fn resolve(&self, path: &str) -> Result<u32> {
        let mut ino = ROOT_INO;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            ino = self
                .lookup(ino, part.as_bytes())?
                .ok_or_else(|| Error::new(format!("{path}: no such entry '{part}'")))?
                .dirent
                .ino;
        }
        Ok(ino)
    }

    /// Adds the entry `name` → `ino` to directory `dir`, in its first free slot or in a new
    /// directory block.
    pub fn add_entry(&mut self, dir: u32, name: &[u8], ino: u32, file_type: u8) -> Result<()> {
        let dirent = Dirent::new(ino, file_type, name).map_err(|e| {
            Error::new(format!(
                "{}: {}",
                String::from_utf8_lossy(name),
                e.describe()
            ))
        })?;
        if self.lookup(dir, name)?.is_some() {
            return Err(Error::new(format!(
                "directory {dir}: '{}' exists",
                String::from_utf8_lossy(name)
            )));
        }
        let mut inode = self.get(dir)?;
        let mut extents = self.extents(dir, &inode)?;
        let count = u32::try_from(inode.size / BS).unwrap_or(0);
        for index in 0..count {
            let block = Self::map(&extents, index)
                .ok_or_else(|| Error::new(format!("directory {dir}: block {index} is a hole")))?;
            let mut buf = self.dev.read_block(block)?;
            for slot in 0..DIRENTS_PER_BLOCK {
                if Dirent::decode(&buf, slot)?.is_none() {
                    dirent.encode(&mut buf, slot);
                    format::dir_block_seal(&mut buf, dir, index, crc32c);
                    return self.dev.write_block(block, &buf);
                }
            }
        }
        // A new block: extend the last extent when the next disk block is free.
        let hint = extents.last().and_then(|e| e.disk_end()).unwrap_or(0);
        let block = self.alloc_blocks(1, hint)?;
        match extents.last_mut() {
            Some(last) if last.disk_end() == Some(block) && last.file_end() == u64::from(count) => {
                *last = Extent::new(last.file_block, last.len() + 1, last.disk_block);
            }
            _ => extents.push(Extent::new(count, 1, block)),
        }
        let mut buf = vec![0u8; BLOCK_SIZE];
        format::dir_block_init(&mut buf, dir, count, crc32c);
        dirent.encode(&mut buf, 0);
        format::dir_block_seal(&mut buf, dir, count, crc32c);
        self.dev.write_block(block, &buf)?;
        self.set_extents(dir, &mut inode, &extents)?;
        inode.size += BS;
        self.write_inode(dir, &inode)
    }

    fn new_inode(&mut self, bits: u32) -> Inode {
        self.time += 1;
        let mut inode = Inode::empty();
        inode.mode = mode(bits);
        inode.nlink = 1;
        inode.atime_sec = self.time;
        inode.mtime_sec = self.time;
        inode.ctime_sec = self.time;
        inode.generation = u32::try_from(self.time & 0xffff_ffff).unwrap_or(0);
        inode
    }

    /// Creates directory `name` in `parent` (mode 0755).
    pub fn mkdir(&mut self, parent: u32, name: &str) -> Result<u32> {
        let ino = self.alloc_inode()?;
        let mut inode = self.new_inode(S_IFDIR | 0o755);
        inode.nlink = 2;
        inode.parent = parent;
        let block = self.alloc_blocks(1, 0)?;
        let mut buf = vec![0u8; BLOCK_SIZE];
        format::dir_block_init(&mut buf, ino, 0, crc32c);
        self.dev.write_block(block, &buf)?;
        self.set_extents(ino, &mut inode, &[Extent::new(0, 1, block)])?;
        inode.size = BS;
        self.write_inode(ino, &inode)?;
        if let Err(e) = self.add_entry(parent, name.as_bytes(), ino, format::DT_DIR) {
            self.set_used(block, false);
            self.write_raw_inode(ino, &[0; INODE_SIZE])?;
            return Err(e);
        }
        let mut p = self.get(parent)?;
        p.nlink += 1;
        self.write_inode(parent, &p)?;
        Ok(ino)
    }

    /// Creates regular file `name` in `parent` holding `data`, in one contiguous extent.
    pub fn create_file(&mut self, parent: u32, name: &str, data: &[u8]) -> Result<u32> {
        let blocks = u32::try_from(data.len().div_ceil(BLOCK_SIZE))
            .map_err(|_| Error::new("file too large"))?;
        let mut extents = Vec::new();
        if blocks > 0 {
            let start = self.alloc_blocks(blocks, 0)?;
            for (i, chunk) in data.chunks(BLOCK_SIZE).enumerate() {
                let mut buf = vec![0u8; BLOCK_SIZE];
                buf[..chunk.len()].copy_from_slice(chunk);
                self.dev.write_block(start + i as u64, &buf)?;
            }
            extents.push(Extent::new(0, blocks, start));
        }
        self.create(
            parent,
            name,
            S_IFREG | 0o644,
            data.len() as u64,
            &extents,
            0,
        )
    }

    /// Creates regular file `name` in `parent` of `blocks` blocks, each its own extent with
    /// a free block between them, so that more than 9 extents need an indirect block. Block
    /// `i` is filled with the byte `i`.
    pub fn create_fragmented(&mut self, parent: u32, name: &str, blocks: u32) -> Result<u32> {
        let mut extents = Vec::new();
        let mut hint = 0;
        for i in 0..blocks {
            let block = self.alloc_blocks(1, hint)?;
            self.dev
                .write_block(block, &vec![(i & 0xff) as u8; BLOCK_SIZE])?;
            extents.push(Extent::new(i, 1, block));
            hint = block + 2;
        }
        self.create(
            parent,
            name,
            S_IFREG | 0o644,
            u64::from(blocks) * BS,
            &extents,
            0,
        )
    }

    /// Creates symbolic link `name` in `parent` to `target` (1..=4095 bytes).
    pub fn symlink(&mut self, parent: u32, name: &str, target: &[u8]) -> Result<u32> {
        if target.is_empty() || target.len() > format::SYMLINK_MAX {
            return Err(Error::new("a symbolic link target is 1 to 4095 bytes"));
        }
        let block = self.alloc_blocks(1, 0)?;
        let mut buf = vec![0u8; BLOCK_SIZE];
        buf[..target.len()].copy_from_slice(target);
        self.dev.write_block(block, &buf)?;
        let extents = [Extent::new(0, 1, block)];
        self.create(
            parent,
            name,
            S_IFLNK | 0o777,
            target.len() as u64,
            &extents,
            0,
        )
    }

    /// Creates a device node, FIFO or socket `name` in `parent` (`mode` has the type bits).
    pub fn mknod(&mut self, parent: u32, name: &str, mode: u32, rdev: u32) -> Result<u32> {
        self.create(parent, name, mode, 0, &[], rdev)
    }

    fn create(
        &mut self,
        parent: u32,
        name: &str,
        bits: u32,
        size: u64,
        extents: &[Extent],
        rdev: u32,
    ) -> Result<u32> {
        let ino = self.alloc_inode()?;
        let mut inode = self.new_inode(bits);
        inode.size = size;
        inode.rdev = rdev;
        self.set_extents(ino, &mut inode, extents)?;
        inode.check(ino, &self.sb)?;
        self.write_inode(ino, &inode)?;
        let file_type = format::mode_to_dtype(inode.mode);
        if let Err(e) = self.add_entry(parent, name.as_bytes(), ino, file_type) {
            self.free_inode(ino)?;
            return Err(e);
        }
        Ok(ino)
    }

    /// Adds a hard link `name` in `parent` to non-directory `ino`.
    pub fn link(&mut self, parent: u32, name: &str, ino: u32) -> Result<()> {
        let mut inode = self.get(ino)?;
        if u32::from(inode.mode) & S_IFMT == S_IFDIR {
            return Err(Error::new("directories cannot be hard linked"));
        }
        self.add_entry(
            parent,
            name.as_bytes(),
            ino,
            format::mode_to_dtype(inode.mode),
        )?;
        inode.nlink += 1;
        self.write_inode(ino, &inode)
    }

    /// Frees inode `ino` and its blocks (its entries are the caller's).
    pub fn free_inode(&mut self, ino: u32) -> Result<()> {
        if let Some(inode) = self.inode(ino)? {
            for e in self.extents(ino, &inode)? {
                for b in e.disk_block..e.disk_block + u64::from(e.len()) {
                    self.set_used(b, false);
                }
            }
            if inode.indirect != 0 {
                self.set_used(inode.indirect, false);
            }
        }
        self.write_raw_inode(ino, &[0; INODE_SIZE])
    }

    /// Rewrites the block holding `entry` with the entry changed to `new` (or cleared),
    /// resealed.
    pub fn rewrite_entry(&mut self, entry: &Entry, new: Option<&Dirent>) -> Result<()> {
        let mut buf = self.dev.read_block(entry.block)?;
        match new {
            Some(d) => d.encode(&mut buf, entry.slot),
            None => Dirent::clear(&mut buf, entry.slot),
        }
        format::dir_block_seal(&mut buf, entry.dir, entry.index, crc32c);
        self.dev.write_block(entry.block, &buf)
    }

    /// Free blocks and inodes, counted.
    pub fn free_counts(&self) -> Result<(u64, u32)> {
        let blocks = (self.sb.data_start..self.sb.total_blocks)
            .filter(|&b| !self.is_used(b))
            .count() as u64;
        let mut inodes = 0;
        for b in 0..self.sb.inode_table_blocks {
            let buf = self.dev.read_block(self.sb.inode_table_start + b)?;
            inodes += buf
                .chunks(INODE_SIZE)
                .filter(|raw| raw[0] == 0 && raw[1] == 0)
                .count();
        }
        Ok((blocks, u32::try_from(inodes).unwrap_or(u32::MAX)))
    }

    /// Writes the bitmap, then the superblock with counted free blocks and inodes, and syncs.
    pub fn flush(&mut self) -> Result<()> {
        for k in 0..self.sb.bitmap_blocks {
            let base = usize::try_from(k).unwrap_or(0) * BLOCK_SIZE;
            let buf = &mut self.bitmap[base..base + BLOCK_SIZE];
            format::bitmap_block_seal(buf, u32::try_from(k).unwrap_or(0), crc32c);
            self.dev.write_block(self.sb.bitmap_start + k, buf)?;
        }
        let (blocks, inodes) = self.free_counts()?;
        self.sb.free_blocks = blocks;
        self.sb.free_inodes = inodes;
        self.write_superblock()?;
        self.dev.sync()?;
        self.flushed = true;
        Ok(())
    }

    /// Writes the superblock as it is in memory (see [`Fs::superblock_mut`]).
    pub fn write_superblock(&mut self) -> Result<()> {
        let mut buf = vec![0u8; BLOCK_SIZE];
        self.sb.encode(&mut buf, crc32c);
        self.dev.write_block(0, &buf)
    }

    /// The superblock, to change before [`Fs::write_superblock`].
    pub fn superblock_mut(&mut self) -> &mut Superblock {
        &mut self.sb
    }

    /// The bitmap block `k` as kept in memory (sealed by [`Fs::flush`]).
    pub fn bitmap_block(&self, k: u64) -> &[u8] {
        let base = usize::try_from(k)
            .unwrap_or(usize::MAX / 2)
            .saturating_mul(BLOCK_SIZE);
        self.bitmap.get(base..base + BLOCK_SIZE).unwrap_or(&[])
    }

    /// Flushes and closes the file system.
    pub fn close(mut self) -> Result<()> {
        self.flush()
    }
}

impl Drop for Fs {
    fn drop(&mut self) {
        if !self.flushed {
            let _ = self.flush();
        }
    }
}
