#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# overlay.sh: add the project's rust/ to the kernel tree's rust/.
#
# The kernel crate can only be extended in-tree, so the project keeps its
# additions in a tree shaped like the kernel's rust/:
#   rust/<path>          a new file, copied to the tree's rust/<path>; it must
#                        not exist in the pristine tree
#   rust/<path>.append   lines appended to the pristine tree's rust/<path>
#                        (module declarations in lib.rs, #includes in
#                        bindings_helper.h and helpers.c)
# A file in the tree is rewritten only when its content changes, so make
# rebuilds only what depends on an edited file. Files the overlay added earlier
# and no longer lists are removed; appended files are restored from the copy
# of their pristine content kept beside them (<path>.bouncefs-orig).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -f "$TREE/Makefile" ] || die overlay "no kernel tree at $TREE: run 'make kernel'."
manifest=$TREE/.bouncefs-overlay
touch "$manifest"
new_manifest=$(mktemp)
trap 'rm -f "$new_manifest"' EXIT
changed=0

# install_if_changed FILE_WITH_NEW_CONTENT TARGET
install_if_changed() {
	if ! cmp -s "$1" "$2"; then
		mkdir -p "$(dirname "$2")"
		cp "$1" "$2"
		info "overlay: updated ${2#"$TREE"/}"
		changed=$((changed + 1))
	fi
}

cd "$SRC_DIR"
while IFS= read -r file; do
	case "$file" in
	*.append)
		target=${file%.append}
		[ -f "$TREE/$target" ] || die overlay "$file appends to $target, which the kernel tree does not have."
		orig=$TREE/$target.bouncefs-orig
		[ -f "$orig" ] || cp -p "$TREE/$target" "$orig"
		cat "$orig" "$file" >"$new_manifest.tmp"
		install_if_changed "$new_manifest.tmp" "$TREE/$target"
		rm -f "$new_manifest.tmp"
		echo "append $target" >>"$new_manifest"
		;;
	*)
		if [ -e "$TREE/$file" ] && ! grep -qxF "add $file" "$manifest"; then
			die overlay "$file would overwrite a file of the kernel tree; extend it with $file.append instead."
		fi
		install_if_changed "$file" "$TREE/$file"
		echo "add $file" >>"$new_manifest"
		;;
	esac
done < <(find rust -type f ! -name '*~' | sort)

# Undo what the previous overlay had and this one has not.
while read -r kind path; do
	grep -qxF "$kind $path" "$new_manifest" && continue
	case "$kind" in
	add) rm -f "$TREE/$path" ;;
	append) mv "$TREE/$path.bouncefs-orig" "$TREE/$path" ;;
	esac
	info "overlay: removed $kind $path"
	changed=$((changed + 1))
done <"$manifest"
cp "$new_manifest" "$manifest"
info "overlay: $(wc -l <"$manifest") entries, $changed changed"
