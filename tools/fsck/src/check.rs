// SPDX-License-Identifier: GPL-2.0

//! The checks, in the order e2fsck does them, then the repairs.
//!
//! 1. the superblock (nothing else is trusted when it is bad);
//! 2. every inode, its extents and indirect block, building the block ownership map;
//! 3. every directory block and entry;
//! 4. the directory tree (one entry per directory, reachability, parent fields) and link
//!    counts, orphans;
//! 5. the bitmap against the ownership map, the superblock's hints and state.
//!
//! Repairs are collected while checking and written at the end, metadata before the
//! bitmap, the superblock last.

use crate::{
    args::{Args, Mode},
    exit,
    report::{Fix, Report},
};
use bouncefs_format::{
    self as format, check_extents, crc32c, Dirent, Extent, FormatError, IndirectBlock, Inode,
    Superblock, BLOCK_SIZE, DIRENTS_PER_BLOCK, INODES_PER_BLOCK, INODE_SIZE, ROOT_INO, STATE_CLEAN,
    STATE_DIRTY, S_IFBLK, S_IFCHR, S_IFDIR, S_IFLNK,
};
use bouncefs_image::Device;
use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

const BS: u64 = BLOCK_SIZE as u64;
const BITS: u64 = format::BITMAP_BITS_PER_BLOCK as u64;
/// Owner of a metadata block in the ownership map (0 is "nobody").
const METADATA: u32 = u32::MAX;
/// Messages about the blocks of one inode, or of bitmap differences, before summarising.
const MAX_BLOCK_MESSAGES: usize = 10;

/// An in-use inode as read.
struct InodeInfo {
    inode: Inode,
    /// All extents; only trusted if `extents_ok`.
    extents: Vec<Extent>,
    extents_ok: bool,
}

/// An inode-table slot.
enum Slot {
    Free,
    /// In use but unreadable: its blocks and entries are unknown.
    Bad,
    Used(Box<InodeInfo>),
}

/// A directory entry that survives the checks.
struct Link {
    dir: u32,
    block: u64,
    slot: usize,
    name: Vec<u8>,
    ino: u32,
}

struct Fsck {
    dev: Device,
    name: String,
    sb: Superblock,
    report: Report,
    mode: Mode,
    verbose: bool,
    slots: Vec<Slot>,
    /// Owner of every block: 0 nobody, METADATA, or an inode number.
    owner: Vec<u32>,
    /// Some in-use inode could not be read: the ownership map is incomplete.
    unknown_owners: bool,
    /// Some directory block could not be read: link counts are unknown.
    dirs_incomplete: bool,
    links: Vec<Link>,
    // Repairs.
    /// Directory blocks to rewrite: disk block → (directory, index, contents).
    dir_blocks: BTreeMap<u64, (u32, u32, Vec<u8>)>,
    /// Inodes to rewrite (checked, with fixed fields).
    rewrite: BTreeSet<u32>,
    /// Inodes to zero.
    free: BTreeSet<u32>,
    rebuild_bitmap: bool,
    fix_hints: bool,
    mark_clean: bool,
}

/// Checks (and repairs) the file system of `args`; returns the exit code.
pub(crate) fn run(args: &Args) -> Result<u8, String> {
    let writable = args.mode != Mode::No;
    let dev = Device::open(&args.device, writable).map_err(|e| e.to_string())?;
    let name = dev.name();
    let block0 = dev.read_block(0).map_err(|e| e.to_string())?;
    let sb = match Superblock::decode(&block0, crc32c) {
        Ok(sb) => sb,
        Err(FormatError::BadMagic) => {
            return Err(format!(
                "{name}: not a bouncefs file system (bad magic number)"
            ));
        }
        Err(e) => {
            println!("superblock: {}", e.describe());
            println!("{name}: the superblock is unusable: nothing else can be checked");
            return Ok(exit::UNCORRECTED);
        }
    };
    if !sb.fits_device(dev.size()) {
        println!(
            "superblock: the file system has {} blocks, the device only {}",
            sb.total_blocks,
            dev.blocks()
        );
        return Ok(exit::UNCORRECTED);
    }
    let total = usize::try_from(sb.total_blocks)
        .map_err(|_| format!("{name}: too many blocks to check"))?;
    let mut owner = vec![0u32; total];
    for o in owner
        .iter_mut()
        .take(usize::try_from(sb.data_start).unwrap_or(total))
    {
        *o = METADATA;
    }
    let mut fsck = Fsck {
        dev,
        name,
        slots: Vec::new(),
        owner,
        sb,
        report: Report::new(args.mode),
        mode: args.mode,
        verbose: args.verbose,
        unknown_owners: false,
        dirs_incomplete: false,
        links: Vec::new(),
        dir_blocks: BTreeMap::new(),
        rewrite: BTreeSet::new(),
        free: BTreeSet::new(),
        rebuild_bitmap: false,
        fix_hints: false,
        mark_clean: false,
    };
    fsck.check_state();
    fsck.pass("Pass 1: inodes, extents and block ownership");
    fsck.inodes()?;
    fsck.pass("Pass 2: directory blocks and entries");
    fsck.directories()?;
    fsck.pass("Pass 3: directory tree");
    fsck.tree();
    let before = fsck.counts();
    fsck.pass("Pass 4: link counts and orphans");
    fsck.link_counts();
    fsck.pass("Pass 5: bitmap and superblock counts");
    fsck.bitmap()?;
    fsck.hints(before);
    fsck.repair()?;
    Ok(fsck.summary())
}

impl Fsck {
    fn pass(&self, what: &str) {
        if self.verbose {
            println!("{what}");
        }
    }

    fn read(&self, block: u64) -> Result<Vec<u8>, String> {
        self.dev.read_block(block).map_err(|e| e.to_string())
    }

    fn used(&self, ino: u32) -> Option<&InodeInfo> {
        match self.slots.get(usize::try_from(ino).ok()?)? {
            Slot::Used(info) => Some(info),
            _ => None,
        }
    }

    fn used_mut(&mut self, ino: u32) -> Option<&mut InodeInfo> {
        match self.slots.get_mut(usize::try_from(ino).ok()?)? {
            Slot::Used(info) => Some(info),
            _ => None,
        }
    }

    fn check_state(&mut self) {
        if self.sb.state == STATE_DIRTY {
            let msg = format!(
                "{} was not cleanly unmounted (state dirty): checked in full",
                self.name
            );
            self.mark_clean = self.report.problem(msg, Fix::Preen);
        }
    }

    /// Pass 1.
    fn inodes(&mut self) -> Result<(), String> {
        let sb = self.sb.clone();
        self.slots.push(Slot::Free); // inode 0 does not exist
        for b in 0..sb.inode_table_blocks {
            let buf = self.read(sb.inode_table_start + b)?;
            for (i, raw) in buf.chunks(INODE_SIZE).enumerate().take(INODES_PER_BLOCK) {
                let ino = u32::try_from(b * INODES_PER_BLOCK as u64 + i as u64 + 1)
                    .map_err(|_| "inode number overflow".to_string())?;
                let slot = match Inode::decode(raw, ino, &sb, crc32c) {
                    Ok(None) => Slot::Free,
                    Err(FormatError::BadFreeInode) => {
                        let msg = format!("inode {ino}: free inode is not zeroed");
                        if self.report.problem(msg, Fix::Preen) {
                            self.free.insert(ino);
                        }
                        Slot::Free
                    }
                    Err(e) => {
                        self.report
                            .problem(format!("inode {ino}: {}", e.describe()), Fix::Never);
                        self.unknown_owners = true;
                        Slot::Bad
                    }
                    Ok(Some(inode)) => Slot::Used(Box::new(self.inode(ino, inode)?)),
                };
                self.slots.push(slot);
            }
        }
        Ok(())
    }

    /// Claims `block` for `ino`; returns a message if someone else has it.
    fn claim(&mut self, block: u64, ino: u32) -> Option<String> {
        let o = self.owner.get_mut(usize::try_from(block).ok()?)?;
        match *o {
            0 => {
                *o = ino;
                None
            }
            prev if prev == ino => Some(format!("block {block} is used twice by inode {ino}")),
            prev => Some(format!(
                "block {block} is used by inode {prev} and inode {ino}"
            )),
        }
    }

    /// The checks of one in-use inode beyond what decoding checks.
    fn inode(&mut self, ino: u32, mut inode: Inode) -> Result<InodeInfo, String> {
        let mut extents = inode.inline_extents().to_vec();
        let mut extents_ok = true;
        let mut clashes = Vec::new();
        if inode.indirect != 0 {
            clashes.extend(self.claim(inode.indirect, ino));
            let buf = self.read(inode.indirect)?;
            let decoded =
                IndirectBlock::decode(&buf, ino, inode.indirect_count(), &self.sb, crc32c)
                    .and_then(|ind| {
                        check_extents(ind.extents(), inode.inline_extents().last(), &self.sb)
                            .map(|()| ind)
                    });
            match decoded {
                Ok(ind) => extents.extend_from_slice(ind.extents()),
                Err(e) => {
                    let msg = format!(
                        "inode {ino}: indirect extent block {}: {}",
                        inode.indirect,
                        e.describe()
                    );
                    self.report.problem(msg, Fix::Never);
                    extents_ok = false;
                    self.unknown_owners = true;
                }
            }
        }
        for e in &extents {
            for b in e.disk_block..e.disk_block + u64::from(e.len()) {
                clashes.extend(self.claim(b, ino));
            }
        }
        let n = clashes.len();
        for msg in clashes.into_iter().take(MAX_BLOCK_MESSAGES) {
            self.report.problem(msg, Fix::Never);
        }
        if n > MAX_BLOCK_MESSAGES {
            let msg = format!(
                "inode {ino}: {} more blocks used by other inodes",
                n - MAX_BLOCK_MESSAGES
            );
            self.report.problem(msg, Fix::Never);
        }

        let kind = inode.kind();
        let mut changed = false;
        match kind {
            S_IFLNK => {
                let ok = matches!(extents.as_slice(), [e] if e.file_block == 0 && e.len() == 1 && !e.unwritten());
                if !ok {
                    let msg = format!(
                        "inode {ino}: a symbolic link needs one written extent of one block at file block 0"
                    );
                    self.report.problem(msg, Fix::Never);
                }
            }
            S_IFDIR => {
                let blocks = inode.size / BS;
                if extents.iter().any(Extent::unwritten) {
                    let msg = format!("directory {ino}: unwritten extent");
                    self.report.problem(msg, Fix::Never);
                }
                if extents.iter().any(|e| e.file_end() > blocks) {
                    let msg = format!(
                        "directory {ino}: extent beyond its size ({} bytes)",
                        inode.size
                    );
                    self.report.problem(msg, Fix::Never);
                }
                let covered: u64 = extents.iter().map(|e| u64::from(e.len())).sum();
                if extents_ok && covered < blocks {
                    let msg = format!(
                        "directory {ino}: {} of its {blocks} blocks are holes",
                        blocks - covered
                    );
                    self.report.problem(msg, Fix::Never);
                }
                if inode.size == 0 {
                    let msg = format!("directory {ino}: size 0 (no directory block)");
                    self.report.problem(msg, Fix::Never);
                }
            }
            format::S_IFREG => {}
            _ => {
                if !extents.is_empty() || inode.size != 0 {
                    let msg = format!(
                        "inode {ino}: a special file with data (size {})",
                        inode.size
                    );
                    self.report.problem(msg, Fix::Never);
                }
            }
        }
        if kind != S_IFCHR && kind != S_IFBLK && inode.rdev != 0 {
            let msg = format!(
                "inode {ino}: device number {:#x} on a non-device",
                inode.rdev
            );
            if self.report.problem(msg, Fix::Preen) {
                inode.rdev = 0;
                changed = true;
            }
        }
        if kind != S_IFDIR && inode.parent != 0 {
            let msg = format!("inode {ino}: parent {} on a non-directory", inode.parent);
            if self.report.problem(msg, Fix::Preen) {
                inode.parent = 0;
                changed = true;
            }
        }
        if extents_ok {
            let blocks = extents.iter().map(|e| u64::from(e.len())).sum::<u64>()
                + u64::from(inode.indirect != 0);
            if inode.blocks != blocks {
                let msg = format!(
                    "inode {ino}: block count is {}, should be {blocks}",
                    inode.blocks
                );
                if self.report.problem(msg, Fix::Preen) {
                    inode.blocks = blocks;
                    changed = true;
                }
            }
        }
        if changed {
            self.rewrite.insert(ino);
        }
        Ok(InodeInfo {
            inode,
            extents,
            extents_ok,
        })
    }

    /// The disk block of logical block `index` of a file.
    fn map(extents: &[Extent], index: u64) -> Option<u64> {
        extents.iter().find_map(|e| {
            let off = index.checked_sub(u64::from(e.file_block))?;
            (off < u64::from(e.len())).then(|| e.disk_block + off)
        })
    }

    /// The buffer of a directory block being repaired (read on first use).
    fn dir_block_mut(&mut self, block: u64, dir: u32, index: u32, buf: &[u8]) -> &mut Vec<u8> {
        &mut self
            .dir_blocks
            .entry(block)
            .or_insert_with(|| (dir, index, buf.to_vec()))
            .2
    }

    /// Pass 2.
    fn directories(&mut self) -> Result<(), String> {
        let dirs: Vec<u32> = (1..self.slots.len())
            .filter_map(|i| u32::try_from(i).ok())
            .filter(|&ino| self.used(ino).is_some_and(|i| i.inode.is_dir()))
            .collect();
        for dir in dirs {
            let Some(info) = self.used(dir) else { continue };
            if !info.extents_ok {
                self.dirs_incomplete = true;
                continue;
            }
            let extents = info.extents.clone();
            let count = info.inode.size / BS;
            let mut names = HashSet::new();
            for index in 0..count {
                let Some(block) = Self::map(&extents, index) else {
                    self.dirs_incomplete = true;
                    continue;
                };
                let index = u32::try_from(index).map_err(|_| "directory too large".to_string())?;
                let buf = self.read(block)?;
                if let Err(e) = format::dir_block_check(&buf, dir, index, crc32c) {
                    let msg = format!(
                        "directory {dir} block {index}: {} (disk block {block})",
                        e.describe()
                    );
                    self.report.problem(msg, Fix::Never);
                    self.dirs_incomplete = true;
                    continue;
                }
                for slot in 0..DIRENTS_PER_BLOCK {
                    let where_ = format!("directory {dir} block {index} slot {slot}");
                    let d = match Dirent::decode(&buf, slot) {
                        Ok(Some(d)) => d,
                        Ok(None) => continue,
                        Err(e) => {
                            let msg = format!("{where_}: {}", e.describe());
                            if self.report.problem(msg, Fix::Yes) {
                                Dirent::clear(self.dir_block_mut(block, dir, index, &buf), slot);
                            }
                            continue;
                        }
                    };
                    let name = String::from_utf8_lossy(d.name()).into_owned();
                    let entry = format!("directory {dir}: entry '{name}'");
                    let problem = if !names.insert(d.name().to_vec()) {
                        Some(format!("directory {dir}: duplicate entry '{name}'"))
                    } else if d.ino > self.sb.inode_count {
                        Some(format!(
                            "{entry} points to inode {} beyond the inode table",
                            d.ino
                        ))
                    } else if d.ino == ROOT_INO {
                        Some(format!("{entry} points to the root directory"))
                    } else if matches!(self.slots.get(d.ino as usize), Some(Slot::Free))
                        || self.free.contains(&d.ino)
                    {
                        Some(format!("{entry} points to free inode {}", d.ino))
                    } else {
                        None
                    };
                    if let Some(msg) = problem {
                        if self.report.problem(msg, Fix::Yes) {
                            Dirent::clear(self.dir_block_mut(block, dir, index, &buf), slot);
                        }
                        continue;
                    }
                    if let Some(target) = self.used(d.ino) {
                        let want = format::mode_to_dtype(target.inode.mode);
                        if d.file_type != want {
                            let msg = format!(
                                "{entry} has file type {}, inode {} is {} (type {want})",
                                d.file_type,
                                d.ino,
                                kind_name(target.inode.kind())
                            );
                            if self.report.problem(msg, Fix::Preen) {
                                if let Ok(fixed) = Dirent::new(d.ino, want, d.name()) {
                                    fixed.encode(self.dir_block_mut(block, dir, index, &buf), slot);
                                }
                            }
                        }
                    }
                    self.links.push(Link {
                        dir,
                        block,
                        slot,
                        name: d.name().to_vec(),
                        ino: d.ino,
                    });
                }
            }
        }
        Ok(())
    }

    /// Removes link `i` (it is invalid): cleared from its block if `fix`.
    fn drop_link(&mut self, i: usize, fix: bool) {
        let link = &self.links[i];
        let (block, slot) = (link.block, link.slot);
        if fix {
            if let Ok(buf) = self.dev.read_block(block) {
                let (dir, index) = (link.dir, self.dir_index(link.dir, block));
                Dirent::clear(self.dir_block_mut(block, dir, index, &buf), slot);
            }
        }
        self.links[i].ino = 0;
    }

    fn dir_index(&self, dir: u32, block: u64) -> u32 {
        self.used(dir)
            .and_then(|info| {
                info.extents.iter().find_map(|e| {
                    let off = block.checked_sub(e.disk_block)?;
                    (off < u64::from(e.len()))
                        .then(|| u64::from(e.file_block) + off)
                        .and_then(|i| u32::try_from(i).ok())
                })
            })
            .unwrap_or(0)
    }

    /// Pass 3: one entry per directory, reachability from the root, parent fields.
    fn tree(&mut self) {
        // Entries of each directory inode.
        let mut dir_links: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (i, link) in self.links.iter().enumerate() {
            if self.used(link.ino).is_some_and(|t| t.inode.is_dir()) {
                dir_links.entry(link.ino).or_default().push(i);
            }
        }
        for (&child, list) in &dir_links {
            if list.len() < 2 {
                continue;
            }
            let parent = self.used(child).map_or(0, |i| i.inode.parent);
            let places: Vec<String> = list
                .iter()
                .map(|&i| {
                    let l = &self.links[i];
                    format!(
                        "'{}' in directory {}",
                        String::from_utf8_lossy(&l.name),
                        l.dir
                    )
                })
                .collect();
            let msg = format!(
                "directory {child} has more than one entry ({}): directories cannot be hard linked",
                places.join(", ")
            );
            // Keep the entry in the directory the parent field names, else the first.
            let keep = list
                .iter()
                .copied()
                .find(|&i| self.links[i].dir == parent)
                .unwrap_or(list[0]);
            let fix = self.report.problem(msg, Fix::Yes);
            for &i in list.iter().filter(|&&i| i != keep) {
                self.drop_link(i, fix);
            }
        }

        // Breadth first from the root over the kept entries.
        let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        let mut entry_dir: BTreeMap<u32, u32> = BTreeMap::new();
        for link in self.links.iter().filter(|l| l.ino != 0) {
            if self.used(link.ino).is_some_and(|t| t.inode.is_dir()) {
                children.entry(link.dir).or_default().push(link.ino);
                entry_dir.insert(link.ino, link.dir);
            }
        }
        let mut reached = BTreeSet::from([ROOT_INO]);
        let mut queue = VecDeque::from([ROOT_INO]);
        while let Some(dir) = queue.pop_front() {
            for &child in children.get(&dir).map_or(&[][..], Vec::as_slice) {
                if reached.insert(child) {
                    queue.push_back(child);
                }
            }
        }
        if self.used(ROOT_INO).is_none_or(|root| !root.inode.is_dir()) {
            self.report.problem(
                "inode 1: the root directory is missing or not a directory",
                Fix::Never,
            );
        }
        let dirs: Vec<u32> = (2..self.slots.len())
            .filter_map(|i| u32::try_from(i).ok())
            .filter(|&ino| self.used(ino).is_some_and(|i| i.inode.is_dir()))
            .collect();
        for dir in dirs {
            let Some(&in_dir) = entry_dir.get(&dir) else {
                continue; // no entry: an orphan, pass 4
            };
            if !reached.contains(&dir) {
                if !self.dirs_incomplete {
                    let msg = format!(
                        "directory {dir} is not reachable from the root (a directory loop)"
                    );
                    self.report.problem(msg, Fix::Never);
                }
                continue;
            }
            let parent = self.used(dir).map_or(0, |i| i.inode.parent);
            if parent != in_dir {
                let msg = format!("directory {dir}: parent is {parent}, should be {in_dir}");
                if self.report.problem(msg, Fix::Preen) {
                    if let Some(info) = self.used_mut(dir) {
                        info.inode.parent = in_dir;
                    }
                    self.rewrite.insert(dir);
                }
            }
        }
    }

    /// Pass 4: link counts, orphans.
    fn link_counts(&mut self) {
        if self.dirs_incomplete {
            println!("link counts and orphans not checked: some directories are unreadable");
            return;
        }
        let mut refs = vec![0u32; self.slots.len()];
        let mut subdirs = vec![0u32; self.slots.len()];
        let mut entries = vec![0u32; self.slots.len()];
        for link in self.links.iter().filter(|l| l.ino != 0) {
            let (ino, dir) = (link.ino as usize, link.dir as usize);
            if let Some(r) = refs.get_mut(ino) {
                *r += 1;
            }
            if let Some(e) = entries.get_mut(dir) {
                *e += 1;
            }
            if self.used(link.ino).is_some_and(|t| t.inode.is_dir()) {
                if let Some(s) = subdirs.get_mut(dir) {
                    *s += 1;
                }
            }
        }
        for ino in 1..self.slots.len() {
            let Some(info) = self.used(ino as u32) else {
                continue;
            };
            let ino32 = ino as u32;
            let nlink = info.inode.nlink;
            let is_dir = info.inode.is_dir();
            let want = if is_dir { 2 + subdirs[ino] } else { refs[ino] };
            if refs[ino] == 0 && ino32 != ROOT_INO {
                if nlink == 0 && (!is_dir || entries[ino] == 0) {
                    let msg = format!(
                        "inode {ino}: orphan (link count 0, not referenced by any directory entry)"
                    );
                    if self.report.problem(msg, Fix::Preen) {
                        self.release(ino32);
                    }
                } else {
                    let msg = format!(
                        "inode {ino}: not referenced by any directory entry (link count {nlink})"
                    );
                    self.report.problem(msg, Fix::Never);
                }
                continue;
            }
            if nlink != want {
                let msg = format!("inode {ino}: link count is {nlink}, should be {want}");
                if self.report.problem(msg, Fix::Preen) {
                    if let Some(info) = self.used_mut(ino32) {
                        info.inode.nlink = want;
                    }
                    self.rewrite.insert(ino32);
                }
            }
        }
    }

    /// Frees inode `ino` and its blocks (a repair).
    fn release(&mut self, ino: u32) {
        for o in self.owner.iter_mut().filter(|o| **o == ino) {
            *o = 0;
        }
        self.free.insert(ino);
        self.rewrite.remove(&ino);
        if let Some(slot) = self.slots.get_mut(ino as usize) {
            *slot = Slot::Free;
        }
        self.rebuild_bitmap = true;
    }

    /// Pass 5: the bitmap against the ownership map.
    fn bitmap(&mut self) -> Result<(), String> {
        let mut differences = Vec::new();
        for k in 0..self.sb.bitmap_blocks {
            let buf = self.read(self.sb.bitmap_start + k)?;
            let index = u32::try_from(k).map_err(|_| "too many bitmap blocks".to_string())?;
            if let Err(e) = format::bitmap_block_check(&buf, index, crc32c) {
                let msg = format!("bitmap block {k}: {}", e.describe());
                self.rebuild_bitmap |= self.report.problem(msg, Fix::Preen);
                continue;
            }
            let first = k * BITS;
            let mut past_end = false;
            for bit in 0..format::BITMAP_BITS_PER_BLOCK {
                let block = first + bit as u64;
                let used = format::bitmap_test(&buf, bit);
                if block >= self.sb.total_blocks {
                    past_end |= used;
                    continue;
                }
                let owner = self.owner[block as usize];
                if used != (owner != 0) && !(used && self.unknown_owners) {
                    differences.push((block, owner));
                }
            }
            if past_end {
                let msg = format!("bitmap block {k}: blocks past the end are marked used");
                self.rebuild_bitmap |= self.report.problem(msg, Fix::Preen);
            }
        }
        // Runs of the same difference, one message each.
        let mut runs: Vec<(u64, u64, u32)> = Vec::new();
        for (block, owner) in differences {
            match runs.last_mut() {
                Some((_, end, o)) if *end == block && *o == owner => *end += 1,
                _ => runs.push((block, block + 1, owner)),
            }
        }
        let fix = if self.unknown_owners {
            Fix::Never
        } else {
            Fix::Preen
        };
        let n = runs.len();
        for (i, (start, end, owner)) in runs.into_iter().enumerate() {
            let blocks = if end - start == 1 {
                format!("block {start} is")
            } else {
                format!("blocks {start}..{} are", end - 1)
            };
            let msg = match owner {
                0 => format!("{blocks} marked used but owned by nobody"),
                METADATA => format!("{blocks} metadata but marked free"),
                ino => format!("{blocks} used by inode {ino} but marked free"),
            };
            if i < MAX_BLOCK_MESSAGES {
                self.rebuild_bitmap |= self.report.problem(msg, fix);
            } else {
                // Counted, printed in the summary line below.
                self.rebuild_bitmap |= self.report.will_fix(fix);
                if self.report.will_fix(fix) {
                    self.report.fixed += 1;
                } else {
                    self.report.left += 1;
                }
            }
        }
        if n > MAX_BLOCK_MESSAGES {
            println!("... and {} more bitmap differences", n - MAX_BLOCK_MESSAGES);
        }
        if self.rebuild_bitmap && self.unknown_owners {
            // Blocks of unreadable inodes would be freed.
            self.rebuild_bitmap = false;
        }
        Ok(())
    }

    /// Free blocks and inodes according to the ownership map and the inode table.
    fn counts(&self) -> (u64, u32) {
        let blocks = self.owner.iter().filter(|&&o| o == 0).count() as u64;
        let inodes = self
            .slots
            .iter()
            .skip(1)
            .filter(|s| matches!(s, Slot::Free))
            .count();
        (blocks, u32::try_from(inodes).unwrap_or(u32::MAX))
    }

    /// The superblock's free counts against `before`, the counts of the file system as it
    /// is on disk (before this run's repairs).
    fn hints(&mut self, before: (u64, u32)) {
        if self.unknown_owners {
            return;
        }
        let (blocks, inodes) = before;
        if self.sb.free_blocks != blocks {
            let msg = format!(
                "superblock: free blocks count is {}, should be {blocks}",
                self.sb.free_blocks
            );
            self.fix_hints |= self.report.problem(msg, Fix::Preen);
        }
        if self.sb.free_inodes != inodes {
            let msg = format!(
                "superblock: free inodes count is {}, should be {inodes}",
                self.sb.free_inodes
            );
            self.fix_hints |= self.report.problem(msg, Fix::Preen);
        }
    }

    fn write_inode(&self, ino: u32, raw: &[u8]) -> Result<(), String> {
        let (block, offset) = format::inode_location(ino, &self.sb).map_err(|e| e.to_string())?;
        let mut buf = self.read(block)?;
        let at = offset as usize;
        buf[at..at + INODE_SIZE].copy_from_slice(raw);
        self.dev.write_block(block, &buf).map_err(|e| e.to_string())
    }

    /// Writes the repairs.
    fn repair(&mut self) -> Result<(), String> {
        if self.report.fixed == 0 {
            return Ok(());
        }
        let name = self.name.clone();
        for (&block, (dir, index, buf)) in &mut self.dir_blocks {
            format::dir_block_seal(buf, *dir, *index, crc32c);
            self.dev
                .write_block(block, buf)
                .map_err(|e| e.to_string())?;
        }
        for &ino in &self.rewrite {
            if let Some(info) = self.used(ino) {
                let mut raw = vec![0u8; INODE_SIZE];
                info.inode.encode(&mut raw, crc32c);
                self.write_inode(ino, &raw)?;
            }
        }
        for &ino in &self.free {
            self.write_inode(ino, &[0u8; INODE_SIZE])?;
        }
        if self.rebuild_bitmap {
            for k in 0..self.sb.bitmap_blocks {
                let mut buf = vec![0u8; BLOCK_SIZE];
                let first = k * BITS;
                let last = (first + BITS).min(self.sb.total_blocks);
                for block in first..last {
                    if self.owner[block as usize] != 0 {
                        format::bitmap_set(&mut buf, (block - first) as usize, true);
                    }
                }
                format::bitmap_block_seal(&mut buf, k as u32, crc32c);
                self.dev
                    .write_block(self.sb.bitmap_start + k, &buf)
                    .map_err(|e| e.to_string())?;
            }
        }
        self.dev.sync().map_err(|e| e.to_string())?;
        let mut sb = self.sb.clone();
        if !self.unknown_owners {
            let (blocks, inodes) = self.counts();
            sb.free_blocks = blocks;
            sb.free_inodes = inodes;
        }
        if self.report.left == 0 {
            sb.state = STATE_CLEAN;
        } else if self.mark_clean {
            println!("{name}: left marked not cleanly unmounted: problems remain");
            self.report.fixed -= 1;
            self.report.left += 1;
        }
        let mut buf = vec![0u8; BLOCK_SIZE];
        sb.encode(&mut buf, crc32c);
        self.dev.write_block(0, &buf).map_err(|e| e.to_string())?;
        self.dev.sync().map_err(|e| format!("{name}: {e}"))?;
        self.sb = sb;
        Ok(())
    }

    fn summary(&self) -> u8 {
        let used_inodes = self
            .slots
            .iter()
            .filter(|s| !matches!(s, Slot::Free))
            .count();
        let used_blocks = self.owner.iter().filter(|&&o| o != 0).count();
        let line = format!(
            "{}: {used_inodes}/{} inodes, {used_blocks} blocks used of {}",
            self.name, self.sb.inode_count, self.sb.total_blocks
        );
        let mut code = exit::OK;
        if self.report.total() == 0 {
            println!("{line}: clean");
        } else {
            let total = self.report.total();
            println!(
                "{line}: {total} problem{}, {} fixed, {} left",
                if total == 1 { "" } else { "s" },
                self.report.fixed,
                self.report.left
            );
        }
        if self.report.fixed > 0 {
            println!("\n***** FILE SYSTEM WAS MODIFIED *****");
            code |= exit::CORRECTED;
        }
        if self.report.left > 0 {
            if self.mode == Mode::No {
                println!(
                    "\n{}: WARNING: the file system still has errors (checked with -n)",
                    self.name
                );
            } else {
                println!(
                    "\n{}: UNEXPECTED INCONSISTENCY; RUN fsck.bouncefs MANUALLY",
                    self.name
                );
            }
            code |= exit::UNCORRECTED;
        }
        code
    }
}

fn kind_name(kind: u32) -> &'static str {
    match kind {
        format::S_IFREG => "a regular file",
        S_IFDIR => "a directory",
        S_IFLNK => "a symbolic link",
        S_IFCHR => "a character device",
        S_IFBLK => "a block device",
        format::S_IFIFO => "a FIFO",
        format::S_IFSOCK => "a socket",
        _ => "of unknown type",
    }
}
