#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# copyoffload-cp through the module on xfs, btrfs and ext4: --reflink=never
# writes new extents, auto and always share them where the filesystem can
# (always fails on ext4 and leaves no destination), -r copies a small tree
# with holes, an empty file and symbolic links, and the --json byte counts
# per method add up to every file's size.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/guest/fslib.sh
. "$(dirname "$0")/fslib.sh"
P="cp"

cp_reflink() {
	local c=$P.$FS
	data_file src 2M 0:512K 1M:512K

	case_start "$c.reflink-never"
	cp_run --reflink=never src never
	want_rc 0
	want_cp_json "methods kernel and hole, nothing else" \
		'sorted(d[0]["methods"]) == ["hole", "kernel"]' \
		"status ok" 'd[0]["status"] == "ok" and d[0]["errno"] is None'
	want_same src never
	want_unshared never
	want_unshared src
	want_blocks never src 0
	want_hole never 512K 512K
	want_hole never 1536K 512K
	case_end

	for how in auto always; do
		case_start "$c.reflink-$how"
		cp_run --reflink="$how" src "$how"
		if fs_reflink; then
			want_rc 0
			want_cp_json "methods: clone only" \
				'd[0]["methods"] == {"clone": 2097152}'
			want_same src "$how"
			want_shared "$how" 0 512K
			want_shared "$how" 1M 512K
		elif [ "$how" = auto ]; then
			want_rc 0
			want_cp_json "methods kernel and hole, nothing else" \
				'sorted(d[0]["methods"]) == ["hole", "kernel"]'
			want_same src "$how"
			want_unshared "$how"
			want_blocks "$how" src 0
		else
			want_rc 1
			want_cp_json "errno EOPNOTSUPP" \
				'd[0]["errno"] == "EOPNOTSUPP" and d[0]["bytes"] == 0'
			want "the failed destination was not removed" \
				test ! -e "$how"
		fi
		case_end
	done
}

cp_tree() {
	local c=$P.$FS
	mkdir -p tree/sub/deeper
	data_file tree/a 64K
	data_file tree/sub/b 1M 256K:256K
	data_file tree/sub/deeper/c 200000
	: > tree/sub/empty
	resize tree/sub/sparse 3M
	ln -s a tree/link
	ln -s ../a tree/sub/uplink

	case_start "$c.recursive"
	cp_run -r --reflink=never tree tree2
	want_rc 0
	want "the trees differ" diff -r --no-dereference tree tree2
	want_eq "tree2/link" a "$(readlink tree2/link)"
	want_eq "tree2/sub/uplink" ../a "$(readlink tree2/sub/uplink)"
	want_cp_json "entries: 5 files, 3 directories, 2 symlinks" \
		'sorted(o["type"] for o in d) == ["directory"] * 3 + ["file"] * 5 + ["symlink"] * 2' \
		"every entry ok" 'all(o["status"] == "ok" for o in d)'
	want_blocks tree2/sub/b tree/sub/b 0
	want_blocks tree2/sub/sparse tree/sub/sparse 0
	case_end

	# The bytes of each method add up to the file's size.
	case_start "$c.json-sum"
	want_cp_json "bytes per method do not add up to the size" \
		'all(sum(o["methods"].values()) == o["bytes"] == os.path.getsize(o["src"]) for o in d if o["type"] == "file")' \
		"a sparse file is all hole" \
		'[o["methods"] for o in d if o["src"].endswith("/sparse")] == [{"hole": 3145728}]'
	case_end
}

cp_fs() {
	cp_reflink
	cp_tree
}

for_each_fs cp_fs

done_testing
