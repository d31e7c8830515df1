#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Data integrity of direct I/O, every byte verified, on bouncefs (both PI disks and the
# plain one) and XFS (both PI disks): round trips from one logical block to 4 MiB at
# logical-block offsets, pwritev/preadv, extending writes, writes into holes and
# preallocated space, reads across EOF, concurrent writers and readers on disjoint and on
# overlapping ranges; buffers that are logical-block but not page aligned, iovecs of mixed
# alignment crossing pages (the heart of the bounce copy), O_APPEND, misaligned offsets,
# lengths and addresses refused with EINVAL, RWF_NOWAIT. fsck after every bouncefs run.
# timeout: 900
# cost: 165
. /build/vm/guest/lib.sh
. /build/vm/guest/dio-matrix.sh

use_bouncefs /tmp/dio-integrity
scenarios="round-trip vectored extending holes preallocated across-eof concurrent-disjoint concurrent-overlapping
unaligned-buffers mixed-iovecs append misaligned nowait"
run_matrix
