// SPDX-License-Identifier: GPL-2.0

#include <linux/bio.h>
#include <linux/fs.h>
#include <linux/fs/super.h>
#include <linux/iomap.h>
#include <linux/pagemap.h>

__rust_helper void rust_helper_inode_lock(struct inode *inode)
{
	inode_lock(inode);
}

__rust_helper void rust_helper_inode_unlock(struct inode *inode)
{
	inode_unlock(inode);
}

__rust_helper void rust_helper_inode_lock_shared(struct inode *inode)
{
	inode_lock_shared(inode);
}

__rust_helper void rust_helper_inode_unlock_shared(struct inode *inode)
{
	inode_unlock_shared(inode);
}

__rust_helper int rust_helper_inode_trylock(struct inode *inode)
{
	return inode_trylock(inode);
}

__rust_helper int rust_helper_inode_trylock_shared(struct inode *inode)
{
	return inode_trylock_shared(inode);
}

__rust_helper void rust_helper_filemap_invalidate_lock(struct address_space *mapping)
{
	filemap_invalidate_lock(mapping);
}

__rust_helper void rust_helper_filemap_invalidate_unlock(struct address_space *mapping)
{
	filemap_invalidate_unlock(mapping);
}

__rust_helper void rust_helper_filemap_invalidate_lock_shared(struct address_space *mapping)
{
	filemap_invalidate_lock_shared(mapping);
}

__rust_helper void rust_helper_filemap_invalidate_unlock_shared(struct address_space *mapping)
{
	filemap_invalidate_unlock_shared(mapping);
}

__rust_helper loff_t rust_helper_i_size_read(const struct inode *inode)
{
	return i_size_read(inode);
}

__rust_helper void rust_helper_i_size_write(struct inode *inode, loff_t i_size)
{
	i_size_write(inode, i_size);
}

__rust_helper uid_t rust_helper_i_uid_read(const struct inode *inode)
{
	return i_uid_read(inode);
}

__rust_helper gid_t rust_helper_i_gid_read(const struct inode *inode)
{
	return i_gid_read(inode);
}

__rust_helper void rust_helper_i_uid_write(struct inode *inode, uid_t uid)
{
	i_uid_write(inode, uid);
}

__rust_helper void rust_helper_i_gid_write(struct inode *inode, gid_t gid)
{
	i_gid_write(inode, gid);
}

__rust_helper void rust_helper_mark_inode_dirty(struct inode *inode)
{
	mark_inode_dirty(inode);
}

__rust_helper bool rust_helper_inode_is_new(struct inode *inode)
{
	return inode_state_read_once(inode) & I_NEW;
}

__rust_helper struct inode *rust_helper_file_inode(const struct file *file)
{
	return file_inode(file);
}

__rust_helper void rust_helper_file_accessed(struct file *file)
{
	file_accessed(file);
}

__rust_helper ssize_t rust_helper_generic_write_sync(struct kiocb *iocb, ssize_t count)
{
	return generic_write_sync(iocb, count);
}

__rust_helper bool rust_helper_dir_emit(struct dir_context *ctx, const char *name, int namelen,
					u64 ino, unsigned int type)
{
	return dir_emit(ctx, name, namelen, ino, type);
}

__rust_helper bool rust_helper_dir_emit_dots(struct file *file, struct dir_context *ctx)
{
	return dir_emit_dots(file, ctx);
}

__rust_helper void rust_helper_sb_start_pagefault(struct super_block *sb)
{
	sb_start_pagefault(sb);
}

__rust_helper void rust_helper_sb_end_pagefault(struct super_block *sb)
{
	sb_end_pagefault(sb);
}

__rust_helper bool rust_helper_mapping_stable_writes(const struct address_space *mapping)
{
	return mapping_stable_writes(mapping);
}

__rust_helper void rust_helper_bio_io_error(struct bio *bio)
{
	bio_io_error(bio);
}

__rust_helper void rust_helper_inode_set_cached_link(struct inode *inode, char *link, int linklen)
{
	inode_set_cached_link(inode, link, linklen);
}
