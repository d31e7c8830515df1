// SPDX-License-Identifier: GPL-2.0

//! Directories: blocks of fixed-size entries, read and written through the block device.
//!
//! The VFS serialises changes of a directory (its `i_rwsem`), so an operation reads the
//! blocks it needs, changes one and writes it back.

use crate::{disk, format, inode, mount, BounceFs};
use kernel::{
    error::fs_code::{ENAMETOOLONG, ENOTEMPTY, EUCLEAN},
    fs::{
        dentry::DEntry,
        dir::{self, Emitter, EntryType},
        inode::{self as vfs_inode, Creator, Inode, InodeRef},
    },
    prelude::*,
};

pub(crate) static INODE_OPS: vfs_inode::Ops<BounceFs> = vfs_inode::Ops::new::<DirInode>();
pub(crate) static DIR_OPS: dir::Ops<BounceFs> = dir::Ops::new::<DirFile>();

const PER_BLOCK: usize = format::DIRENTS_PER_BLOCK;

/// One entry found in a directory.
struct Found {
    ino: u32,
    block: u64,
    slot: usize,
}

/// Reads directory block `index` of `dir` and checks it.
fn read_block(dir: &Inode<BounceFs>, index: u64) -> Result<(KVec<u8>, u64)> {
    let disk_block = {
        let state = dir.data().state.lock();
        let e = state.find(index).ok_or(EUCLEAN)?;
        e.disk_block + (index - u64::from(e.file_block))
    };
    let bdev = dir.super_block().bdev();
    let buf = disk::read_block(bdev, disk_block)?;
    format::dir_block_check(&buf, dir.ino() as u32, index as u32, disk::crc32c).map_err(|e| {
        disk::corrupt(
            bdev,
            format_args!("directory {} block {}", dir.ino(), index),
            e,
        )
    })?;
    Ok((buf, disk_block))
}

/// Seals and writes a directory block back.
fn write_block(dir: &Inode<BounceFs>, index: u64, disk_block: u64, buf: &mut KVec<u8>) -> Result {
    format::dir_block_seal(buf, dir.ino() as u32, index as u32, disk::crc32c);
    disk::write_block(dir.super_block().bdev(), disk_block, buf)
}

fn blocks(dir: &Inode<BounceFs>) -> u64 {
    (dir.size().max(0) as u64) / u64::from(disk::BLOCK_SIZE)
}

fn entry(dir: &Inode<BounceFs>, buf: &[u8], slot: usize) -> Result<Option<format::Dirent>> {
    format::Dirent::decode(buf, slot).map_err(|e| {
        disk::corrupt(
            dir.super_block().bdev(),
            format_args!("directory {} entry", dir.ino()),
            e,
        )
    })
}

/// Finds `name` in `dir`.
fn find(dir: &Inode<BounceFs>, name: &[u8]) -> Result<Option<Found>> {
    for index in 0..blocks(dir) {
        let (buf, _) = read_block(dir, index)?;
        for slot in 0..PER_BLOCK {
            if let Some(d) = entry(dir, &buf, slot)? {
                if d.name() == name {
                    return Ok(Some(Found {
                        ino: d.ino,
                        block: index,
                        slot,
                    }));
                }
            }
        }
    }
    Ok(None)
}

/// Returns whether `dir` has no entries.
fn is_empty(dir: &Inode<BounceFs>) -> Result<bool> {
    for index in 0..blocks(dir) {
        let (buf, _) = read_block(dir, index)?;
        for slot in 0..PER_BLOCK {
            if entry(dir, &buf, slot)?.is_some() {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

fn check_name(name: &[u8]) -> Result {
    if name.len() > format::NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    Ok(())
}

/// Adds the entry `name` -> `ino` to `dir`, growing it by a block if it is full.
fn add(dir: &Inode<BounceFs>, name: &[u8], ino: u32, mode: u16) -> Result {
    check_name(name)?;
    let dirent = format::Dirent::new(ino, format::mode_to_dtype(mode), name).map_err(|_| EINVAL)?;
    for index in 0..blocks(dir) {
        let (mut buf, disk_block) = read_block(dir, index)?;
        for slot in 0..PER_BLOCK {
            if entry(dir, &buf, slot)?.is_none() {
                dirent.encode(&mut buf, slot);
                return write_block(dir, index, disk_block, &mut buf);
            }
        }
    }
    let index = blocks(dir);
    let disk_block = {
        let mut state = dir.data().state.lock();
        inode::allocate(dir, &mut state, index, 1, inode::NewBlocks::Stale)?.disk_block
    };
    let mut buf = KVec::from_elem(0u8, disk::BLOCK_BYTES, GFP_KERNEL)?;
    dirent.encode(&mut buf, 0);
    write_block(dir, index, disk_block, &mut buf)?;
    dir.set_size(((index + 1) * u64::from(disk::BLOCK_SIZE)) as i64)?;
    Ok(())
}

/// Clears the entry at `found`, or points it to `ino` if given.
fn replace(dir: &Inode<BounceFs>, found: &Found, ino: Option<(u32, u16, &[u8])>) -> Result {
    let (mut buf, disk_block) = read_block(dir, found.block)?;
    match ino {
        Some((ino, mode, name)) => format::Dirent::new(ino, format::mode_to_dtype(mode), name)
            .map_err(|_| EINVAL)?
            .encode(&mut buf, found.slot),
        None => format::Dirent::clear(&mut buf, found.slot),
    }
    write_block(dir, found.block, disk_block, &mut buf)
}

/// Writes the first, empty block of the new directory `dir`.
pub(crate) fn init_block(dir: &Inode<BounceFs>, _parent: u32) -> Result {
    let disk_block = {
        let mut state = dir.data().state.lock();
        inode::allocate(dir, &mut state, 0, 1, inode::NewBlocks::Stale)?.disk_block
    };
    let mut buf = KVec::from_elem(0u8, disk::BLOCK_BYTES, GFP_KERNEL)?;
    write_block(dir, 0, disk_block, &mut buf)?;
    dir.set_size(i64::from(disk::BLOCK_SIZE))?;
    Ok(())
}

fn changed(inode: &Inode<BounceFs>) {
    inode.touch_mtime_ctime();
    inode.mark_dirty();
}

struct DirInode;

#[vtable]
impl vfs_inode::Operations for DirInode {
    type FileSystem = BounceFs;

    fn lookup(
        dir: &Inode<BounceFs>,
        dentry: &DEntry<BounceFs>,
    ) -> Result<Option<InodeRef<BounceFs>>> {
        check_name(dentry.name())?;
        match find(dir, dentry.name())? {
            Some(found) => Ok(Some(inode::iget(dir.super_block(), u64::from(found.ino))?)),
            None => Ok(None),
        }
    }

    fn create(
        creator: &Creator<'_, BounceFs>,
        dentry: &DEntry<BounceFs>,
        mode: u16,
        rdev: u32,
    ) -> Result<InodeRef<BounceFs>> {
        let dir = creator.dir();
        check_name(dentry.name())?;
        let new = inode::create(creator, mode, rdev, None)?;
        if let Err(e) = add(dir, dentry.name(), new.ino() as u32, new.mode()) {
            new.set_nlink(0);
            return Err(e);
        }
        if new.is_dir() {
            dir.inc_nlink();
        }
        changed(dir);
        Ok(new)
    }

    fn symlink(
        creator: &Creator<'_, BounceFs>,
        dentry: &DEntry<BounceFs>,
        target: &CStr,
    ) -> Result<InodeRef<BounceFs>> {
        let target = target.to_bytes();
        if target.is_empty() || target.len() >= disk::BLOCK_BYTES {
            return Err(ENAMETOOLONG);
        }
        check_name(dentry.name())?;
        let mode = (format::S_IFLNK | 0o777) as u16;
        let new = inode::create(creator, mode, 0, Some(target))?;
        if let Err(e) = add(creator.dir(), dentry.name(), new.ino() as u32, new.mode()) {
            new.set_nlink(0);
            return Err(e);
        }
        changed(creator.dir());
        Ok(new)
    }

    fn link(old: &DEntry<BounceFs>, dir: &Inode<BounceFs>, dentry: &DEntry<BounceFs>) -> Result {
        let inode = old.inode().ok_or(ENOENT)?;
        add(dir, dentry.name(), inode.ino() as u32, inode.mode())?;
        inode.inc_nlink();
        inode.touch_ctime();
        inode.mark_dirty();
        changed(dir);
        Ok(())
    }

    fn unlink(dir: &Inode<BounceFs>, dentry: &DEntry<BounceFs>) -> Result {
        let inode = dentry.inode().ok_or(ENOENT)?;
        let found = find(dir, dentry.name())?.ok_or(ENOENT)?;
        replace(dir, &found, None)?;
        inode.drop_nlink();
        inode.touch_ctime();
        inode.mark_dirty();
        changed(dir);
        Ok(())
    }

    fn rmdir(dir: &Inode<BounceFs>, dentry: &DEntry<BounceFs>) -> Result {
        let inode = dentry.inode().ok_or(ENOENT)?;
        if !is_empty(inode)? {
            return Err(ENOTEMPTY);
        }
        let found = find(dir, dentry.name())?.ok_or(ENOENT)?;
        replace(dir, &found, None)?;
        inode.set_nlink(0);
        inode.mark_dirty();
        dir.drop_nlink();
        changed(dir);
        Ok(())
    }

    fn rename(
        old_dir: &Inode<BounceFs>,
        old: &DEntry<BounceFs>,
        new_dir: &Inode<BounceFs>,
        new: &DEntry<BounceFs>,
        flags: u32,
    ) -> Result {
        if flags & !kernel::bindings::RENAME_NOREPLACE != 0 {
            return Err(EINVAL);
        }
        check_name(new.name())?;
        let inode = old.inode().ok_or(ENOENT)?;
        let found_old = find(old_dir, old.name())?.ok_or(ENOENT)?;
        let ino = inode.ino() as u32;
        if let Some(target) = new.inode() {
            if target.is_dir() && !is_empty(target)? {
                return Err(ENOTEMPTY);
            }
            let found_new = find(new_dir, new.name())?.ok_or(ENOENT)?;
            replace(new_dir, &found_new, Some((ino, inode.mode(), new.name())))?;
            if target.is_dir() {
                target.set_nlink(0);
                new_dir.drop_nlink();
            } else {
                target.drop_nlink();
            }
            target.touch_ctime();
            target.mark_dirty();
        } else {
            add(new_dir, new.name(), ino, inode.mode())?;
        }
        // `add` never moves entries, so the old one is still where it was found.
        replace(old_dir, &found_old, None)?;
        if inode.is_dir() && old_dir.ino() != new_dir.ino() {
            inode.data().state.lock().parent = new_dir.ino() as u32;
            old_dir.drop_nlink();
            new_dir.inc_nlink();
        }
        inode.touch_ctime();
        inode.mark_dirty();
        changed(old_dir);
        if old_dir.ino() != new_dir.ino() {
            changed(new_dir);
        }
        Ok(())
    }
}

struct DirFile;

#[vtable]
impl dir::Operations for DirFile {
    type FileSystem = BounceFs;

    fn read_dir(dir: &Inode<BounceFs>, emitter: &mut Emitter<'_>) -> Result {
        if !emitter.emit_dots() {
            return Ok(());
        }
        let start = (emitter.pos() - 2).max(0) as u64;
        let per_block = PER_BLOCK as u64;
        for index in start / per_block..blocks(dir) {
            let (buf, _) = read_block(dir, index)?;
            let first = if index == start / per_block {
                (start % per_block) as usize
            } else {
                0
            };
            for slot in first..PER_BLOCK {
                let pos = index * per_block + slot as u64;
                if let Some(d) = entry(dir, &buf, slot)? {
                    if !emitter.emit(d.name(), u64::from(d.ino), dtype(d.file_type)) {
                        return Ok(());
                    }
                }
                emitter.set_pos(pos as i64 + 3);
            }
        }
        Ok(())
    }

    fn fsync(dir: &Inode<BounceFs>) -> Result {
        dir.sync_metadata()?;
        let sb = dir.super_block();
        let mount = mount(sb)?;
        mount.alloc.write_back(sb.bdev(), &mount.geometry)?;
        sb.bdev().flush()
    }
}

fn dtype(file_type: u8) -> EntryType {
    match u32::from(file_type) {
        kernel::bindings::DT_FIFO => EntryType::Fifo,
        kernel::bindings::DT_CHR => EntryType::Chr,
        kernel::bindings::DT_DIR => EntryType::Dir,
        kernel::bindings::DT_BLK => EntryType::Blk,
        kernel::bindings::DT_REG => EntryType::Reg,
        kernel::bindings::DT_LNK => EntryType::Lnk,
        kernel::bindings::DT_SOCK => EntryType::Sock,
        _ => EntryType::Unknown,
    }
}
