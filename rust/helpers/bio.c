// SPDX-License-Identifier: GPL-2.0

#include <linux/bio.h>
#include <linux/bvec.h>
#include <linux/uio.h>

__rust_helper void rust_helper_bio_get(struct bio *bio)
{
	bio_get(bio);
}

__rust_helper unsigned short rust_helper_bio_iov_bounce_nr_vecs(struct iov_iter *iter,
								 blk_opf_t op)
{
	return bio_iov_bounce_nr_vecs(iter, op);
}

__rust_helper void *rust_helper_bvec_virt(struct bio_vec *bvec)
{
	return bvec_virt(bvec);
}

__rust_helper bool rust_helper_user_backed_iter(const struct iov_iter *i)
{
	return user_backed_iter(i);
}
