#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Corrupted bouncefs images: every corruption bouncefs-corrupt offers, applied to its sample
# tree on a 1024-block file system. Each has an expected outcome, checked exactly:
#   refused  the mount fails with EUCLEAN and logs the corruption's own message;
#   EUCLEAN  the mount works, walking and reading the tree (tar) gets EUCLEAN, and only
#            EUCLEAN, and the kernel logs the message naming the damaged object;
#   ELOOP    (a directory hard link) the VFS refuses the loop the entry makes;
#   clean    the kernel does not check this (hints, counts, leaks, cross-links it cannot
#            see without a full scan): the walk gets no error, no bouncefs error is logged.
# Then, on every mountable image, writes and allocation: create a file in the damaged
# directory, overwrite and extend the damaged file, mkdir in the damaged directory. Each
# must succeed or fail with EUCLEAN. Unmount, and fsck -n must still report the damage
# (or be clean where the kernel rewrote a derived value). Any splat fails the test (the
# runner checks dmesg). A corruption the list below does not know fails the test.
# timeout: 600
# cost: 150
. /build/vm/guest/lib.sh

use_bouncefs /tmp/bouncefs
dev=$(need_disk BOUNCEFS_DEV_PLAIN)
name=${dev##*/}
command -v bouncefs-corrupt >/dev/null || fail "bouncefs-corrupt is not in PATH: run 'make tools'"
command -v tar >/dev/null || fail "tar is missing"

nl='
'
img=/tmp/corrupt-pristine.img
err=/tmp/corrupt-err
table=/tmp/corrupt-table
: >$table
problems=0
tried=

# bad MESSAGE: a problem with the current corruption; the test goes on with the next one
# and fails at the end, so one run shows every corruption that does not behave.
bad() {
	echo "FAIL: $c: $*" >&2
	problems=$((problems + 1))
}

# walk OUTCOME: tar reads the whole tree (stat, readdir, readlink, every file's data) into
# /tmp; sets $walk_errors. Every error must be OUTCOME's (EUCLEAN: "Structure needs
# cleaning", ELOOP: "Too many levels of symbolic links"; clean: none).
walk() {
	case $1 in
	EUCLEAN) want="Structure needs cleaning" ;;
	ELOOP) want="Too many levels of symbolic links" ;;
	*) want= ;;
	esac
	tar -cf /tmp/corrupt.tar -C $mnt . 2>$err || true
	walk_errors=0
	while IFS= read -r line; do
		case $line in
		"tar: Exiting with failure status due to previous errors") ;;
		*) if [ -n "$want" ] && [ "${line%"$want"}" != "$line" ]; then
			walk_errors=$((walk_errors + 1))
		else
			bad "walking the tree: $line"
		fi ;;
		esac
	done <$err
	[ -z "$want" ] || [ $walk_errors -gt 0 ] || bad "walking the tree got no $1"
}

# The sample tree, once: it must walk without an error and be clean; its inode numbers name
# the objects in the kernel's messages. Every corruption starts from a copy of it.
mkfs.bouncefs -f -q "$dev" 1024 || fail "mkfs"
bouncefs-corrupt "$dev" tree >/dev/null || fail "bouncefs-corrupt tree"
mount -t bouncefs "$dev" $mnt || fail "mount of the sample tree"
c="the sample tree"
walk clean
[ $problems = 0 ] || fail "the undamaged sample tree does not walk cleanly"
frag=$(stat -c %i $mnt/fragmented)
umount $mnt || fail "umount of the sample tree"
fsck.bouncefs -n "$dev" >/dev/null || fail "the sample tree is not clean"
dd if="$dev" of=$img bs=1M count=4 status=none || fail "saving the sample tree"

# corrupt NAME: restores the sample tree and applies NAME; sets $c, $expect (what fsck
# reports) and $blk (the first block number the tool names, for those that name one).
corrupt() {
	c=$1
	tried="$tried $c"
	dd if=$img of="$dev" bs=1M oflag=direct status=none || fail "$c: restoring the sample tree"
	out=$(bouncefs-corrupt "$dev" "$c") || fail "$c: bouncefs-corrupt failed"
	what=${out%%"$nl"*}
	expect=${out#*"${nl}expect: "}
	expect=${expect%%"$nl"*}
	blk=${what#* block }
	blk=${blk%% *}
}

# check MOUNT ACCESS MESSAGE FILE DIR AFTER
#   MOUNT    refused | works
#   ACCESS   what walking the tree gets: EUCLEAN | ELOOP | clean (ignored if refused)
#   MESSAGE  the kernel's line (as dmesg shows it after the timestamp; a substring) that the
#            mount or the walk must log, - for none; no other bouncefs error may be logged
#   FILE     the damaged file (relative to the root) to overwrite and extend, - for none
#   DIR      the damaged directory (relative) to create a file and a directory in
#   AFTER    what fsck -n reports after the writes (a substring of its output; exit 4), or
#            "clean" (exit 0: the kernel rewrote what was wrong)
check() {
	echo "bouncefs-test: corrupt $$ $c" >/dev/kmsg
	echo "$c|$3" >>$table
	if mount -t bouncefs "$dev" $mnt 2>$err; then
		if [ "$1" = refused ]; then
			bad "the mount succeeded"
			umount $mnt || fail "$c: umount"
			return
		fi
	else
		IFS= read -r line <$err || line=
		if [ "$1" = works ]; then
			bad "the mount failed: $line"
		else
			[ "${line%Structure needs cleaning*}" != "$line" ] ||
				bad "the mount failed, but not with EUCLEAN: $line"
			check_fsck "$6"
			echo "$c: mount refused (EUCLEAN)"
		fi
		return
	fi
	walk "$2"
	echo "bouncefs-test: corrupt $$ $c: writes" >/dev/kmsg
	: >$err
	{ echo data >"$mnt/$5/new-file"; } 2>>$err || true
	writes="a new file in $5, a directory in $5"
	if [ "$4" != - ]; then
		xfs_io -c "pwrite -q 0 4096" -c "pwrite -q 1048576 4096" -c fsync "$mnt/$4" >>$err 2>&1 || true
		writes="$writes, overwriting and extending $4"
	fi
	mkdir "$mnt/$5/new-dir" 2>>$err || true
	refused=0
	while IFS= read -r line; do
		case $line in
		*"Structure needs cleaning") refused=$((refused + 1)) ;;
		*) bad "a write: $line" ;;
		esac
	done <$err
	umount $mnt || fail "$c: umount after the writes"
	check_fsck "$6"
	if [ "$2" = clean ]; then walked="no error"; else walked="$walk_errors $2 error(s)"; fi
	echo "$c: the walk got $walked; writes ($writes): $refused failed with EUCLEAN, the rest worked"
}

# check_fsck AFTER: fsck -n reports AFTER (exit 4), or is clean.
check_fsck() {
	rc=0
	out=$(fsck.bouncefs -n "$dev" 2>&1) || rc=$?
	if [ "$1" = clean ]; then
		[ $rc = 0 ] || bad "fsck -n after the writes: exit $rc, not clean: $out"
	elif [ $rc != 4 ]; then
		bad "fsck -n: exit $rc, not 4 (errors left): $out"
	elif [ "${out#*"$1"}" = "$out" ]; then
		bad "fsck -n does not report '$1': $out"
	fi
}

# Refused at mount.
corrupt superblock
check refused - "bouncefs: $name: superblock: checksum mismatch" - . "$expect"
corrupt superblock-geometry
check refused - "bouncefs: $name: superblock: inconsistent geometry" - . "$expect"
corrupt bitmap-crc
check refused - "bouncefs: $name: bitmap block 0: checksum mismatch" - . "$expect"

# EUCLEAN when the damaged object is looked up or read, with a message naming it.
corrupt inode-crc
check works EUCLEAN "bouncefs: $name: inode $frag: checksum mismatch" fragmented . "$expect"
corrupt inode-field
check works EUCLEAN "bouncefs: $name: inode $frag: invalid inode field" fragmented . "$expect"
corrupt extent-range
check works EUCLEAN "bouncefs: $name: inode $frag: extent empty, outside the data area or badly flagged" fragmented . "$expect"
corrupt extent-order
check works EUCLEAN "bouncefs: $name: inode $frag: extents unsorted or overlapping" fragmented . "$expect"
corrupt indirect-crc
check works EUCLEAN "bouncefs: $name: inode $frag: indirect extent block $blk: checksum mismatch" fragmented . "$expect"
# The kernel finds the freed block at the inode's lookup; the first allocation of the writes
# then takes that very block (the allocator cannot know), so fsck finds it owned twice.
corrupt bitmap-unmarked
check works EUCLEAN "bouncefs: $name: inode $frag: blocks $blk..$((blk + 1)) are free in the bitmap" \
	fragmented . "block $blk is used by inode $frag and inode "
# The file created next reuses the free inode, so the old entry then reaches it; the blocks
# of the freed inode stay leaked.
corrupt dirent-free
check works EUCLEAN "bouncefs: $name: inode $frag: referenced but not in use" fragmented . \
	"marked used but owned by nobody"
corrupt dirent-name
check works EUCLEAN "bouncefs: $name: directory 1 entry: invalid name in directory entry" fragmented . "$expect"
corrupt dir-crc
check works EUCLEAN "bouncefs: $name: directory 1 block 0: checksum mismatch" fragmented . "$expect"

# A directory entry that makes a loop: the VFS refuses it at the lookup.
corrupt dir-hardlink
check works ELOOP "VFS: Lookup of 'dir-hardlink' in bouncefs $name would have caused loop" dir/file-01 dir "$expect"

# A file system left dirty: the mount warns (without a journal nothing repairs a crash),
# the walk and the writes work, and the unmount marks it clean.
corrupt dirty
check works clean "bouncefs: $name: not unmounted cleanly: metadata may be inconsistent, run fsck.bouncefs" \
	fragmented . clean

# Not checked by the kernel: the mount, the walk and the writes work.
corrupt free-counts # the free counts are rewritten from the bitmap at the mount
check works clean - fragmented . clean
corrupt bitmap-leak
check works clean - fragmented . "$expect"
# The file's first block is the root directory's: overwriting the file overwrites the root
# directory, and the mkdir after it gets EUCLEAN.
corrupt extent-overlap
check works clean - fragmented . "$expect"
corrupt dirent-type
check works clean - fragmented . "$expect"
corrupt nlink
check works clean - fragmented . "$expect"
# The mkdir in the root adds a link: the count stays one too many.
corrupt dir-nlink
check works clean - fragmented . "inode 1: link count is 5, should be 4"
corrupt orphan
check works clean - - . "$expect"
corrupt orphan-linked
check works clean - - . "$expect"
corrupt blocks # the inode is rewritten with its real block count
check works clean - fragmented . clean
corrupt parent
check works clean - dir/file-01 dir "$expect"

# Every corruption the tool offers was tried (an unknown name makes bouncefs-corrupt fail),
# each once.
offered=0
missing=
while read -r name_ _; do
	offered=$((offered + 1))
	case "$tried " in
	*" $name_ "*) ;;
	*) missing="$missing $name_" ;;
	esac
done <<EOF
$(bouncefs-corrupt -l)
EOF
[ -z "$missing" ] || fail "corruptions bouncefs-corrupt offers and the test does not try:$missing"
# Word splitting is wanted: the names tried.
# shellcheck disable=SC2086
set -- $tried
[ $# = $offered ] || fail "the test tries $# corruptions, bouncefs-corrupt offers $offered:$tried"

# The kernel's messages, read once: for each corruption, what it logged from its marker to
# the marker of its writes (or of the next corruption). MESSAGE must be there (unless -),
# and nothing else from bouncefs but the mount's "integrity" line.
dmesg | awk -v id="$$" -v dev="$name" -v table="$table" '
	BEGIN {
		while ((getline line < table) > 0) {
			split(line, f, "|")
			want[f[1]] = f[2]
			order[++n] = f[1]
		}
		start = "bouncefs-test: corrupt " id " "
	}
	index($0, start) {
		rest = substr($0, index($0, start) + length(start))
		if (rest ~ /: writes$/) { cur = "" } else { cur = rest; seen[cur] = 1 }
		next
	}
	cur == "" { next }
	want[cur] != "-" && index($0, want[cur]) { found[cur]++; next }
	index($0, "bouncefs: " dev ": integrity ") { next }
	index($0, "bouncefs: ") { if (!(cur in other)) other[cur] = $0 }
	END {
		for (i = 1; i <= n; i++) {
			c = order[i]
			if (!(c in seen))
				print "FAIL: " c ": its marker is not in the kernel log"
			else if (want[c] != "-" && !(c in found))
				print "FAIL: " c ": the kernel did not log \"" want[c] "\""
			else if (c in other)
				print "FAIL: " c ": the kernel logged \"" other[c] "\""
			else if (want[c] != "-")
				print c ": logged \"" want[c] "\" (" found[c] " lines)"
		}
	}' >/tmp/corrupt-kmsg
while IFS= read -r line; do
	case $line in
	FAIL:*) echo "$line" >&2; problems=$((problems + 1)) ;;
	*) echo "$line" ;;
	esac
done </tmp/corrupt-kmsg
[ $problems = 0 ] || fail "$problems problems with the corrupted images (above)"
echo "all $offered corruptions behave as expected"
