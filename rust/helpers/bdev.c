// SPDX-License-Identifier: GPL-2.0

#include <linux/blk-integrity.h>
#include <linux/blkdev.h>

__rust_helper unsigned int rust_helper_bdev_logical_block_size(struct block_device *bdev)
{
	return bdev_logical_block_size(bdev);
}

__rust_helper sector_t rust_helper_bdev_nr_sectors(struct block_device *bdev)
{
	return bdev_nr_sectors(bdev);
}

__rust_helper bool rust_helper_bdev_stable_writes(struct block_device *bdev)
{
	return bdev_stable_writes(bdev);
}

__rust_helper bool rust_helper_bdev_has_integrity_csum(struct block_device *bdev)
{
	return bdev_has_integrity_csum(bdev);
}

__rust_helper u8 rust_helper_bdev_partno(const struct block_device *bdev)
{
	return bdev_partno(bdev);
}

__rust_helper struct blk_integrity *rust_helper_blk_get_integrity(struct gendisk *disk)
{
	return blk_get_integrity(disk);
}

__rust_helper bool rust_helper_bdev_read_only(struct block_device *bdev)
{
	return bdev_read_only(bdev);
}
