#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# copyoffload-cp on the host: no module, so the library's fallback does the
# work.  Data, holes and extent sharing are checked on loop-mounted xfs,
# btrfs and ext4; command-line behaviour in a scratch directory.
. "$(dirname "$0")/../lib.sh"

tools_cp_setup cp
# the tool without its note that the module is missing, for comparing
# every message with GNU cp's
CPQ=$T/cp-quiet
printf '#!/bin/sh\nexec "%s" -q "$@"\n' "$CP" > "$CPQ"
chmod +x "$CPQ"

# --- command line ------------------------------------------------------------

cmdline_tests() {
	random_file a 64
	mkdir dir

	check_exit cp.help 0 "$CP" --help
	check_match cp.help.exit-status '^ 1  some file could not be copied, or a usage error' "$CO_OUT"
	if grep -q '^ 2 ' <<<"$CO_OUT"; then
		fail cp.help.no-exit-2 "--help still documents exit status 2"
	else
		pass cp.help.no-exit-2
	fi
	check_exit cp.version 0 "$CP" --version
	check_match cp.version.text "^copyoffload-cp $(cat "$CO_TOP/VERSION")" "$CO_OUT"
	# usage errors exit 1, as GNU cp's do (the tool exited 2 once)
	check_exit cp.usage.bad-option 1 "$CP" --bogus a b
	check_exit_like_cp cp.usage.bad-option.like-cp "$CP" --bogus a b
	check_msg_like_cp cp.usage.bad-option.msg-like-cp
	check_exit cp.usage.bad-reflink 1 "$CP" --reflink=sometimes a b
	check_match cp.usage.bad-reflink.msg "invalid argument 'sometimes' for '--reflink'" "$CO_ERR"
	check_exit_like_cp cp.usage.bad-reflink.like-cp "$CP" --reflink=sometimes a b
	check_exit cp.usage.bad-offload 1 "$CP" --offload=magic a b
	check_exit cp.usage.no-operand 1 "$CP"
	check_exit_like_cp cp.usage.no-operand.like-cp "$CP"
	check_msg_like_cp cp.usage.no-operand.msg-like-cp
	check_exit cp.usage.no-dst 1 "$CP" a
	check_match cp.usage.no-dst.msg "missing destination file operand after 'a'" "$CO_ERR"
	check_exit_like_cp cp.usage.no-dst.like-cp "$CP" a
	check_msg_like_cp cp.usage.no-dst.msg-like-cp
	check_exit cp.usage.reflink-always-offload 1 "$CP" --reflink=always --offload=xcopy a b
	check_exit cp.usage.t-and-T 1 "$CP" -T -t dir a
	check_exit_like_cp cp.usage.t-and-T.like-cp "$CP" -T -t dir a
	check_exit_like_cp cp.usage.T-extra.like-cp "$CP" -T a b c
	check_msg_like_cp cp.usage.T-extra.msg-like-cp
	[ ! -e b ] && pass cp.usage.nothing-copied || fail cp.usage.nothing-copied "b exists"

	check_exit cp.missing-source 1 "$CP" nosuch b
	check_match cp.missing-source.msg "cannot stat 'nosuch': No such file or directory" "$CO_ERR"
	check_exit cp.dir-without-r 1 "$CP" dir dir2
	check_match cp.dir-without-r.msg "-r not specified; omitting directory 'dir'" "$CO_ERR"
	[ ! -e dir2 ] && pass cp.dir-without-r.nothing || fail cp.dir-without-r.nothing "dir2 created"

	cp a keep
	check_exit cp.same-file 1 "$CP" a a
	check_match cp.same-file.msg "'a' and 'a' are the same file" "$CO_ERR"
	ln a a.hard
	check_exit cp.same-file.hardlink 1 "$CP" a a.hard
	ln -s a a.sym
	check_exit cp.same-file.symlink 1 "$CP" a a.sym
	same_bytes a keep && pass cp.same-file.intact || fail cp.same-file.intact "a changed"

	touch f1
	check_exit cp.target-not-dir 1 "$CP" a keep f1
	check_match cp.target-not-dir.msg "target 'f1' is not a directory" "$CO_ERR"
}

# -f as nobody in a directory nobody may write: a root-owned 0644
# destination cannot be opened, so it is removed and created again.
force_tests() {
	local tool
	if ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		skip cp.force "cannot run as nobody here"
		return
	fi
	chmod 0711 "$T"
	mkdir force
	chmod 0777 force
	random_file force/src 8
	chmod 0644 force/src
	for tool in "$GNU_CP" "$CP"; do
		rm -f force/dst
		echo old > force/dst
		chmod 0644 force/dst
		check_exit "cp.force.needed.$(basename "$tool")" 1 \
			setpriv --reuid=65534 --regid=65534 --clear-groups "$tool" force/src force/dst
		check_exit "cp.force.$(basename "$tool")" 0 \
			setpriv --reuid=65534 --regid=65534 --clear-groups "$tool" -f force/src force/dst
		same_bytes force/src force/dst && [ "$(stat -c %u force/dst)" = 65534 ] &&
			pass "cp.force.replaced.$(basename "$tool")" ||
			fail "cp.force.replaced.$(basename "$tool")" "force/dst not a new copy owned by nobody"
	done
	chmod 0700 "$T"
}

# --- regular files in a plain directory --------------------------------------

file_tests() {
	head -c 1048699 /dev/urandom > odd
	check_exit cp.file 0 "$CP" odd odd.copy
	same_bytes odd odd.copy && pass cp.file.bytes || fail cp.file.bytes "differ"

	chmod 0640 odd
	rm -f odd.mode
	check_exit cp.mode 0 "$CP" odd odd.mode
	check_eq cp.mode.bits 640 "$(stat -c %a odd.mode)"

	: > empty
	echo junk > empty.copy
	check_exit cp.empty 0 "$CP" -v empty empty.copy
	check_eq cp.empty.size 0 "$(stat -c %s empty.copy)"
	check_match cp.empty.verbose "^'empty' -> 'empty.copy' \(empty, no module\)$" "$CO_OUT"

	head -c 3M /dev/urandom > big.copy
	check_exit cp.shrink-existing 0 "$CP" odd big.copy
	same_bytes odd big.copy && pass cp.shrink-existing.bytes || fail cp.shrink-existing.bytes "differ"

	mkdir into
	check_exit cp.into-dir 0 "$CP" odd empty into
	same_bytes odd into/odd && [ -f into/empty ] &&
		pass cp.into-dir.files || fail cp.into-dir.files "into/odd, into/empty"
	mkdir tdir
	check_exit cp.target-directory 0 "$CP" -t tdir odd
	same_bytes odd tdir/odd && pass cp.target-directory.bytes || fail cp.target-directory.bytes "differ"
	mkdir -p notdir
	check_exit cp.no-target-directory 1 "$CP" -T odd notdir
	check_match cp.no-target-directory.msg "cannot copy 'odd' to 'notdir': Is a directory" "$CO_ERR"

	# A dangling symlink as destination: GNU cp refuses to write through
	# it, with -f too, unless POSIXLY_CORRECT (the tool once created the
	# file it points to).
	ln -s dangled dangling
	check_exit_like_cp cp.dangling.like-cp "$CP" odd dangling
	check_exit cp.dangling 1 "$CP" odd dangling
	check_msg_like_cp cp.dangling.msg-like-cp
	check_match cp.dangling.msg "^copyoffload-cp: not writing through dangling symlink 'dangling'$" "$CO_ERR"
	[ -L dangling ] && [ ! -e dangled ] && pass cp.dangling.untouched ||
		fail cp.dangling.untouched "the link or its target changed"
	check_exit_like_cp cp.dangling.force.like-cp "$CP" -f odd dangling
	check_exit cp.dangling.force 1 "$CP" -f odd dangling
	[ -L dangling ] && [ ! -e dangled ] && pass cp.dangling.force.untouched ||
		fail cp.dangling.force.untouched "the link or its target changed"
	mkdir dangle.dir
	ln -s ../dangled dangle.dir/odd
	check_exit_like_cp cp.dangling.into-dir.like-cp "$CP" odd dangle.dir
	check_msg_like_cp cp.dangling.into-dir.msg-like-cp
	check_exit cp.dangling.json 1 "$CP" --json odd dangling
	json_check cp.dangling.json.status \
		'd[0]["status"] == "not writing through dangling symlink \x27dangling\x27" and d[0]["errno"] is None' \
		"$CO_OUT"
	# POSIXLY_CORRECT: written through, as GNU cp does
	POSIXLY_CORRECT=1 "$GNU_CP" odd dangling
	same_bytes odd dangled && [ -L dangling ] && pass cp.dangling.posix.gnu ||
		fail cp.dangling.posix.gnu "GNU cp did not write through"
	rm -f dangled
	check_exit cp.dangling.posix 0 env POSIXLY_CORRECT=1 "$CP" odd dangling
	same_bytes odd dangled && [ -L dangling ] && pass cp.dangling.posix.written ||
		fail cp.dangling.posix.written "not written through the link"
	rm -f dangled dangling

	# -f: a destination that cannot be opened is removed first; as an
	# unprivileged user, next to GNU cp
	force_tests
}

# --- files whose size is not what they hold ----------------------------------

# /proc files say size 0, /sys files 4096: GNU cp reads them to EOF, and so
# must the tool (it once made empty files and exited 0).
pseudo_file_test() {
	local name=$1 src=$2 ref
	if [ ! -r "$src" ]; then
		skip "$name" "no $src here"
		return
	fi
	ref=$(basename "$src").gnu
	"$GNU_CP" "$src" "$ref"
	check_exit "$name" 0 "$CP" -q "$src" "$ref.ours"
	check_eq "$name.size-like-cp" "$(stat -c %s "$ref")" "$(stat -c %s "$ref.ours")"
	[ -s "$ref.ours" ] && same_bytes "$ref" "$ref.ours" && pass "$name.bytes-like-cp" ||
		fail "$name.bytes-like-cp" "$(stat -c %s "$ref.ours") bytes, GNU cp's copy has $(stat -c %s "$ref")"
}

pseudo_file_tests() {
	pseudo_file_test cp.proc.version /proc/version
	pseudo_file_test cp.proc.mountinfo /proc/self/mountinfo
	pseudo_file_test cp.sys.lo-address /sys/class/net/lo/address
	# the bytes read past the reported size are counted
	check_exit cp.proc.json 0 "$CP" -q --json /proc/version version.json
	json_check cp.proc.json.bytes \
		"d[0][\"bytes\"] == $(stat -c %s version.json) > 0 and d[0][\"methods\"] == {\"userspace\": d[0][\"bytes\"]}" \
		"$CO_OUT"
	# --no-fallback cannot read them through the host: an error, not an
	# empty copy
	check_exit cp.proc.no-fallback 1 "$CP" -q --no-fallback /proc/version version.nf
	check_match cp.proc.no-fallback.msg "holds more than its size says.*--no-fallback forbids it" "$CO_ERR"
	[ ! -e version.nf ] && pass cp.proc.no-fallback.no-dst || fail cp.proc.no-fallback.no-dst "version.nf left behind"
}

# --- modes, next to GNU cp -----------------------------------------------------

# mode_like_cp NAME MODE [DIR]: a source of MODE (a directory with DIR),
# copied by GNU cp and by the tool to new destinations: the same mode
mode_like_cp() {
	local name=$1 mode=$2 src=mode.src gnu=mode.gnu ours=mode.ours
	rm -rf "$src" "$gnu" "$ours"
	if [ -n "${3:-}" ]; then
		mkdir "$src"
		set -- -r
	else
		random_file "$src" 4
		set --
	fi
	chmod "$mode" "$src"
	"$GNU_CP" "$@" "$src" "$gnu"
	check_exit "$name" 0 "$CP" -q "$@" "$src" "$ours"
	check_eq "$name.like-cp" "$(stat -c %a "$gnu")" "$(stat -c %a "$ours")"
	chmod -R u+rwx "$src" "$gnu" "$ours" 2>/dev/null
}

# cp without -p: a new file has the source's mode without setuid, setgid
# and sticky, less the umask; an existing one keeps its own mode.
mode_tests() {
	local mask mode saved
	saved=$(umask)
	for mask in 022 077 000; do
		umask "$mask"
		for mode in 6755 7777 1755 4700 2070 0644 0000; do
			mode_like_cp "cp.mode.$mask.$mode" "$mode"
		done
		for mode in 7777 2755 1777 6555 0700; do
			mode_like_cp "cp.mode.dir.$mask.$mode" "$mode" dir
		done
	done
	umask 022
	random_file suid 4
	chmod 6755 suid
	rm -f suid.copy
	check_exit cp.mode.no-setuid 0 "$CP" -q suid suid.copy
	check_eq cp.mode.no-setuid.bits 755 "$(stat -c %a suid.copy)"
	umask "$saved"

	echo old > keep.mode
	chmod 0600 keep.mode
	echo old > keep.mode.gnu
	chmod 0600 keep.mode.gnu
	"$GNU_CP" suid keep.mode.gnu
	check_exit cp.mode.existing 0 "$CP" -q suid keep.mode
	check_eq cp.mode.existing.kept 600 "$(stat -c %a keep.mode)"
	check_eq cp.mode.existing.like-cp "$(stat -c %a keep.mode.gnu)" "$(stat -c %a keep.mode)"
	same_bytes suid keep.mode && pass cp.mode.existing.bytes || fail cp.mode.existing.bytes "differ"
}

# --- -n, next to GNU cp ---------------------------------------------------------

# GNU cp 9.1's -n: an existing destination is skipped without a word and
# with status 0 (the same file too), -f does not undo it, a dangling
# symlink is still refused, and -r copies into existing directories.
no_clobber_tests() {
	local setup='echo new > s; echo old > d; mkdir t; echo old > t/s; ln -s nowhere dl; mkdir -p tree/sub; echo a > tree/a; echo b > tree/sub/b; ln -s a tree/la; mkdir -p out/tree/sub; echo old > out/tree/a; ln -s old out/tree/la'
	check_like_cp cp.n.existing "$CP" "$setup" -n s d
	check_eq cp.n.existing.silent "" "$CO_ERR"
	check_like_cp cp.n.long "$CP" "$setup" --no-clobber s d
	check_like_cp cp.n.new "$CP" "$setup" -n s new
	check_like_cp cp.n.into-dir "$CP" "$setup" -n s t
	check_like_cp cp.n.force "$CP" "$setup" -fn s d
	check_like_cp cp.n.force-after "$CP" "$setup" -nf s d
	check_like_cp cp.n.same-file "$CP" "$setup" -n s s
	check_like_cp cp.n.dangling "$CP" "$setup" -n s dl
	check_msg_like_cp cp.n.dangling.msg-like-cp
	check_like_cp cp.n.tree "$CP" "$setup" -rn tree out
	check_like_cp cp.n.verbose "$CP" "$setup" -nv s d
	check_eq cp.n.verbose.silent "" "$CO_OUT"
	echo old > n.json.dst
	check_exit cp.n.json 0 "$CP" -q -n --json odd n.json.dst
	json_check cp.n.json.skipped 'd[0]["status"] == "skipped" and d[0]["bytes"] == 0' "$CO_OUT"
}

# --- -i, next to GNU cp ---------------------------------------------------------

# -i asks on stderr before replacing an existing non-directory and reads a
# line: y or Y first goes on, anything else (an empty line, " y", EOF)
# leaves it alone with status 0; of -i and -n the last counts, -f does not
# undo -i; a new file, a dangling symlink and the same file are not asked.
interactive_tests() {
	local setup='echo new > s; echo old > d; ln -s nowhere dl; ln -s d ld; mkdir -p t/sub o/t/sub; echo a > t/a; echo b > t/sub/b; ln -s a t/l; echo old > o/t/a; echo old > o/t/l; mkfifo t/f; echo old > o/t/f'
	local answer gnu_err
	# -iv last: its output is checked below
	local runs=("--interactive s d" "-in s d" "-ni s d" "-if s d" "-fi s d"
		    "-i s new" "-i s dl" "-i s s" "-i s ld" "-ri t o" "-iu s d"
		    "-id s d" "-iv s d")
	for answer in n y Y yes "" " y" x; do
		CP_STDIN=$answer check_like_cp "cp.i.answer-${answer// /_}" "$CP" "$setup" -i s d
	done
	CP_STDIN=n check_like_cp cp.i.asked "$CP" "$setup" -i s d
	check_msg_like_cp cp.i.asked.prompt-like-cp
	check_like_cp cp.i.eof "$CP" "$setup" -i s d </dev/null
	CP_STDIN=y like_cp_each cp.i "$CPQ" "$setup" "${runs[@]}"
	CP_STDIN=n like_cp_each cp.i.no "$CPQ" "$setup" "${runs[@]}"
	check_eq cp.i.no.-iv_s_d.silent "" "$CO_OUT"
	# one line per question, in the order of the operands
	CP_STDIN=$'n\ny' check_like_cp cp.i.answers "$CP" "$setup; mkdir q; echo old > q/s; echo old > q/d" -i s d q

	# as nobody, a destination nobody may not write: "unwritable ..."
	if ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		skip cp.i.unprivileged "cannot run as nobody here"
		return
	fi
	chmod 0711 "$T"
	mkdir -p in.gnu in.ours
	chmod 0777 in.gnu in.ours
	echo new > in.gnu/s
	echo new > in.ours/s
	echo old > in.gnu/d
	echo old > in.ours/d
	chmod 4444 in.gnu/d in.ours/d
	gnu_err=$(cd in.gnu && setpriv --reuid=65534 --regid=65534 --clear-groups "$GNU_CP" -i s d 2>&1 <<<n)
	cd in.ours || return
	check_exit cp.i.unprivileged 0 setpriv --reuid=65534 --regid=65534 --clear-groups "$CP" -q -i s d <<<n
	cd ..
	check_eq cp.i.unprivileged.prompt "copyoffload-cp: unwritable 'd' (mode 4444, r-Sr--r--); try anyway? " "$CO_ERR"
	check_eq cp.i.unprivileged.prompt-like-cp "${gnu_err#"$GNU_CP: "}" "${CO_ERR#copyoffload-cp: }"
	check_eq cp.i.unprivileged.like-cp "$(tree_state in.gnu)" "$(tree_state in.ours)"
	chmod 0700 "$T"
}

# --- -u, next to GNU cp ---------------------------------------------------------

# -u copies only onto a destination older than the source (or missing):
# one as new as the source, or newer, is skipped silently with status 0;
# the same file is still an error, a dangling symlink still refused.
update_tests() {
	local setup='echo new > s; touch -d "2024-06-01 12:00:00.5" s; echo old > older; touch -d 2020-01-01 older; echo old > newer; touch -d 2030-01-01 newer; echo old > same; touch -r s same; echo old > just-older; touch -d "2024-06-01 12:00:00.4" just-older; ln -s nowhere dl; mkdir -p tree out/tree; echo a > tree/a; echo b > tree/b; touch -d 2020-01-01 tree/a; echo old > out/tree/a; echo old > out/tree/b; touch -d 2021-01-01 out/tree/a; touch -d 2010-01-01 out/tree/b'
	check_like_cp cp.u.older "$CP" "$setup" -u s older
	check_like_cp cp.u.newer "$CP" "$setup" -u s newer
	check_eq cp.u.newer.silent "" "$CO_ERR"
	check_like_cp cp.u.same-time "$CP" "$setup" -u s same
	check_like_cp cp.u.nanoseconds "$CP" "$setup" --update s just-older
	check_like_cp cp.u.missing "$CP" "$setup" -u s missing
	check_like_cp cp.u.same-file "$CP" "$setup" -u s s
	check_msg_like_cp cp.u.same-file.msg-like-cp
	check_like_cp cp.u.dangling "$CP" "$setup" -u s dl
	check_like_cp cp.u.tree "$CP" "$setup" -ru tree out
	check_like_cp cp.u.and-n "$CP" "$setup" -un s older
}

# --- -p, next to GNU cp ---------------------------------------------------------

# -p keeps mode (setuid, setgid and sticky too), ownership and times
# (access and modification, to the nanosecond); --preserve picks some,
# --no-preserve takes some back.  As root ownership is kept; as an
# unprivileged user it silently is not, and setuid and setgid go with it.
preserve_tests() {
	local setup='echo s > s; chmod 6755 s; touch -a -d "2021-03-04 05:06:07.25" s; touch -m -d "2020-01-02 03:04:05.123456789" s; echo n > n; chown 65534:65534 n; chmod 0640 n; touch -d 2019-05-05 n; echo old > old; chmod 0600 old; mkdir -p tree/sub; echo a > tree/sub/a; chmod 1750 tree/sub; ln -s sub/a tree/link; touch -h -d 2018-01-01 tree/link; chown -h 65534:65534 tree/link; touch -d 2017-01-01 tree/sub tree; chown 65534 tree/sub'
	local saved
	saved=$(umask)
	umask 022
	TREE_TIMES=1 TREE_OWNER=1 check_like_cp cp.p.file "$CP" "$setup" -p s d
	TREE_TIMES=1 TREE_OWNER=1 check_like_cp cp.p.owner "$CP" "$setup" -p n d
	TREE_TIMES=1 TREE_OWNER=1 check_like_cp cp.p.existing "$CP" "$setup" -p s old
	# (find reads the directories first: their access times move)
	TREE_OWNER=1 check_like_cp cp.p.tree "$CP" "$setup" -rp tree out
	check_eq cp.p.tree.dir-mtime "2017-01-01 00:00:00.000000000 +0000" "$(stat -c %y cp.p.tree.ours/out/sub)"
	check_eq cp.p.tree.link-mtime "2018-01-01 00:00:00.000000000 +0000" "$(stat -c %y cp.p.tree.ours/out/link)"
	TREE_TIMES=1 TREE_OWNER=1 check_like_cp cp.p.bare "$CP" "$setup" --preserve n d
	TREE_OWNER=1 check_like_cp cp.p.mode "$CP" "$setup" --preserve=mode n d
	TREE_TIMES=1 TREE_OWNER=1 check_like_cp cp.p.times "$CP" "$setup" --preserve=timestamps s d
	TREE_OWNER=1 check_like_cp cp.p.list "$CP" "$setup" --preserve=ownership,mode n d
	TREE_TIMES=1 TREE_OWNER=1 check_like_cp cp.p.no-preserve "$CP" "$setup" -p --no-preserve=mode,ownership s d
	check_like_cp cp.p.no-preserve-mode-dir "$CP" "$setup" -r --no-preserve=mode tree out
	check_like_cp cp.p.bad "$CP" "$setup" --preserve=bogus s d
	check_match cp.p.bad.msg "invalid argument 'bogus' for '--preserve'" "$CO_ERR"
	umask "$saved"
	[ "$(stat -c %y cp.p.file.ours/d)" = "2020-01-02 03:04:05.123456789 +0000" ] &&
		pass cp.p.file.mtime || fail cp.p.file.mtime "$(stat -c %y cp.p.file.ours/d)"
	check_eq cp.p.file.mode 6755 "$(stat -c %a cp.p.file.ours/d)"

	# as nobody, in a directory nobody may write
	if ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		skip cp.p.unprivileged "cannot run as nobody here"
		return
	fi
	chmod 0711 "$T"
	mkdir -p pn.gnu pn.ours
	chmod 0777 pn.gnu pn.ours
	(cd pn.gnu && eval "$setup")
	(cd pn.ours && eval "$setup")
	(cd pn.gnu && setpriv --reuid=65534 --regid=65534 --clear-groups "$GNU_CP" -p s d)
	check_eq cp.p.unprivileged.gnu-status 0 "$?"
	cd pn.ours || return
	check_exit cp.p.unprivileged 0 setpriv --reuid=65534 --regid=65534 --clear-groups "$CP" -q -p s d
	cd ..
	check_eq cp.p.unprivileged.silent "" "$CO_ERR"
	check_eq cp.p.unprivileged.like-cp \
		"$(TREE_TIMES=1 TREE_OWNER=1 tree_state pn.gnu d)" "$(TREE_TIMES=1 TREE_OWNER=1 tree_state pn.ours d)"
	check_eq cp.p.unprivileged.no-setuid 755 "$(stat -c %a pn.ours/d)"
	chmod 0700 "$T"
}

# --- -L, -H, -P, next to GNU cp -------------------------------------------------

# Which symbolic links in SRC are followed: -L all, -H those given as SRC,
# -P none; by default -H without -r and -P with -r; the last one given
# wins.
deref_tests() {
	local setup='echo f > f; ln -s f lf; mkdir -p d/sub; echo g > d/sub/g; ln -s sub/g d/lg; ln -s sub d/lsub; ln -s d ld; ln -s nowhere dangling; mkdir -p dd; ln -s nowhere dd/dangling'
	like_cp_each cp.deref "$CPQ" "$setup; mkdir out.dir" \
		"lf out" "-P lf out" "-H lf out" "-L lf out" \
		"-r ld out" "-rP ld out" "-rH ld out" "-rL ld out" \
		"-r d out" "-rH d out" "-rL d out" "--dereference -r d out" \
		"--no-dereference lf out" "-L -P lf out" "-P -L lf out" \
		"-H -rL d out" "-P ld out" "-rL dd out" "-P dangling out" \
		"-rP lf f out.dir"
	check_like_cp cp.deref.dangling-in-tree "$CP" "$setup" -rL dd out
	check_msg_like_cp cp.deref.dangling-in-tree.msg-like-cp
}

# --- --preserve=links and -d, next to GNU cp ---------------------------------

# A source met again (another hard link to it, or with -L and -H the same
# file through a symbolic link) becomes a hard link to its first copy;
# tree_state compares which paths share an inode.
links_tests() {
	local setup='mkdir -p t/s; echo a > t/a; ln t/a t/s/b; ln t/a t/c; ln -s a t/l; ln t/l t/l2; echo x > x; ln x y; mkdir -p L; echo q > L/f; ln -s f L/s; mkdir o; echo old > o/y'
	like_cp_each cp.links "$CPQ" "$setup" \
		"-d x y o" "--preserve=links x y o" "x y o" "-rd t o" \
		"-r --preserve=links t o" "-r t o" "-rp --preserve=links t o" \
		"-rd --no-preserve=links t o" "-rL --preserve=links L o" \
		"-L --preserve=links L/f L/s o" "-H --preserve=links L/f L/s o" \
		"--preserve=links L/f L/s o" "-d L/f L/s o" "-dn x y o" \
		"-rd t t o" "-d x x o"
	check_like_cp cp.links.verbose "$CP" "$setup" -dv x y o
	check_match cp.links.verbose.line "^'y' -> 'o/y'$" "$CO_OUT"
	mkdir links.json
	echo x > links.json/x
	ln links.json/x links.json/y
	check_exit cp.links.json 0 "$CP" -q -d --json links.json/x links.json/y links.json/..
	json_check cp.links.json.type \
		'd[0]["type"] == "file" and d[1]["type"] == "hardlink" and d[1]["bytes"] == 0 and d[1]["status"] == "ok"' \
		"$CO_OUT"
}

# --- -l, -s and --remove-destination, next to GNU cp --------------------------

# -l and -s make links instead of copies: a hard link (-r -l follows every
# symbolic link, -P links the link itself), or a symbolic link holding SRC
# as given, which must be absolute unless DST is in the current directory;
# an existing DST is "File exists" unless -f or --remove-destination
# removes it or -n, -u, -i leave it alone; DST already SRC is fine for -l,
# "the same file" for -s.  tree_state compares link counts, inodes shared
# and link targets; every message is compared.
link_tests() {
	local setup='echo a > a; ln a ha; ln -s a la; ln -s nowhere dl; echo z > z; ln z z2; ln -s a sa; mkdir -p d/sub o; echo b > d/b; echo c > d/sub/c; ln -s b d/lb; ln -s nowhere d/dang; mkfifo d/f; echo old > o/a; echo new > new; touch -d 2030-01-01 new; echo old > old; touch -d 2000-01-01 old'
	local abs=$T/link.abs
	mkdir -p "$abs/d/sub"
	echo a > "$abs/a"
	echo c > "$abs/d/sub/c"
	ln -s c "$abs/d/sub/lc"
	like_cp_each cp.link "$CPQ" "$setup" \
		"-l a b" "--link a b" "-l a ha" "-l a a" "-l a z" "-lf a z" \
		"-l --remove-destination a z" "-ln a z" "-lu a new" "-lu a old" \
		"-l la b" "-lP la b" "-lL la b" "-l dl b" "-lP dl b" "-l d b" \
		"-rl d b" "-rlP d b" "-rlH d b" "-rlL d b" "-l a o" "-lf a o" \
		"-rl d o" "-lv a b" "-l a la" "-lf a sa" "-l nosuch b" "-ls a b" \
		"-ld a ha o" "-lp a b" "-la a b" "-lT d o" "-l d/f b" \
		"-rl --remove-destination d o"
	like_cp_each cp.symlink "$CPQ" "$setup" \
		"-s a b" "--symbolic-link a b" "-s a a" "-sf a a" "-s a sa" \
		"-sf a sa" "-s a z" "-sf a z" "--remove-destination -s a z" \
		"-sn a z" "-su a new" "-su a old" "-s a o" "-s d/b b" "-s la b" \
		"-s dl b" "-s nosuch b" "-s d b" "-rs d b" "-sv a b" "-sp a b" \
		"-sa a b" "-s a ha" "-s a ./b" "-s a o/../b" "-rs d/sub ." \
		"-s $abs/a o" "-sf $abs/a o" "-s $abs/a $abs/a o/x" \
		"-rs $abs/d o" "-rsL $abs/d o" "-t o -s $abs/a" "-s $abs/a d/b"
	CP_STDIN=y like_cp_each cp.link.i.yes "$CPQ" "$setup" \
		"-li a z" "-si a z" "-lif a z" "-sif a z" "-li --remove-destination a z"
	CP_STDIN=n like_cp_each cp.link.i.no "$CPQ" "$setup" "-li a z" "-si a z"
	# an ordinary copy with --remove-destination: a new inode (z2 keeps
	# the old data), a dangling symlink replaced, not written through
	like_cp_each cp.remove-destination "$CPQ" "$setup" \
		"--remove-destination a z" "--remove-destination a dl" \
		"--remove-destination a a" "-r --remove-destination d o" \
		"--remove-destination -n a z" "--remove-destination a o"
	echo j > link.json
	check_exit cp.link.json 0 "$CP" -q -l --json link.json link.json.l
	json_check cp.link.json.type \
		'd[0]["type"] == "hardlink" and d[0]["bytes"] == 0 and d[0]["status"] == "ok"' "$CO_OUT"
	check_exit cp.symlink.json 0 "$CP" -q -s --json link.json link.json.s
	json_check cp.symlink.json.type 'd[0]["type"] == "symlink"' "$CO_OUT"
}

# --- --backup, -b, -S and --sparse, next to GNU cp ---------------------------

# An existing non-directory destination is renamed before the copy:
# simple (DST~, or -S's suffix), numbered (DST.~N~ after the highest N,
# "010" is no N), existing (numbered where such a backup exists), none;
# VERSION_CONTROL and SIMPLE_BACKUP_SUFFIX when the options say nothing;
# -b with -n is a usage error; -b -f copies a file onto itself; a source
# that is the destination's simple backup is not copied.  tree_state
# compares the backups and what they hold.
backup_tests() {
	echo t > "$T/cp.backup.abs"
	local setup='echo a > a; echo b > b; echo c > c; echo n1 > c.~1~; echo n9 > c.~9~; echo z > c.~010~; echo old > a~; mkdir -p d/s o/s; echo x > d/x; ln -s x d/l; mkfifo d/f; echo ox > o/x; ln -s old o/l; echo of > o/f; echo os > o/s/x; echo s > d/s/x; ln -s nowhere dl; echo e > e; ln e e2'
	like_cp_each cp.backup "$CPQ" "$setup" \
		"-b a b" "--backup a b" "--backup=simple a b" "--backup=never a b" \
		"--backup=t a b" "--backup=numbered a c" "--backup=t a c" \
		"--backup=existing a c" "--backup=nil a b" "--backup=off a b" \
		"--backup=none a b" "--backup=num a c" "--backup=n a b" \
		"--backup=bogus a b" "-b -S .old a b" "-S .old a b" \
		"--suffix=.old a c" "-S x/y a b" "-bn a b" "-nb a b" "-in -b a b" \
		"-b a a" "-bf a a" "-bf a e2" "-b a~ a" "--backup=t a~ a" \
		"-b a new" "-rb d o" "-r --backup=t d o" "-b a dl" "-bl a b" \
		"-bu a b" "-b --remove-destination a b" "-rb d/x d/l o" "-bv a b" \
		"-bs $T/cp.backup.abs b" "-b a b o" "-b --backup=none a b"
	VERSION_CONTROL=t like_cp_each cp.backup.env "$CPQ" "$setup" \
		"-b a b" "--backup=simple a b" "-S .s a b"
	VERSION_CONTROL=bogus like_cp_each cp.backup.env-bad "$CPQ" "$setup" \
		"-b a b" "--backup=t a b" "a b"
	SIMPLE_BACKUP_SUFFIX=.bak like_cp_each cp.backup.suffix-env "$CPQ" \
		"$setup" "-b a b" "--backup=simple a b" "-S .x a b" "-b a c"
}

# --sparse: the bytes, and the usage errors; the holes are checked on
# each filesystem (sparse_test)
sparse_cmdline_tests() {
	local setup='head -c 8192 /dev/zero > a; echo x >> a; echo b > b'
	like_cp_each cp.sparse "$CPQ" "$setup" \
		"--sparse=never a b" "--sparse=always a b" "--sparse=auto a b" \
		"--sparse=al a b" "--sparse=a a b" "--sparse=bogus a b" \
		"--sparse a b" "--reflink=always --sparse=never a b" \
		"--reflink --sparse=always a b" "--reflink=auto --sparse=never a b"
}

# -x with -r: a directory on another filesystem than its parent is made
# (with its mode) but left empty; an operand is copied whole.  The other
# filesystem is one the tests mounted, reached through a symbolic link.
one_file_system_tests() {
	local m=$T/mnt-ext4
	if [ ! -d "$m" ]; then
		skip cp.x "no second filesystem mounted"
		return
	fi
	local setup="mkdir -p t/sub; echo f > t/sub/f; ln -s $m t/m; ln -s sub t/ls"
	like_cp_each cp.x "$CPQ" "$setup" \
		"-rLx t o" "--one-file-system -rL t o" "-rx t o" "-x t/sub/f o" \
		"-rHx t o" "-rLx t/ls o" "-x -rL --preserve=mode t o"
}

# --- --parents, next to GNU cp ------------------------------------------------

# Each SRC goes to DIR/SRC: the directories of its name that DIR lacks
# are made (symbolic links followed) with the source's mode less setuid,
# setgid and the umask, with -p its times too; -v names each one; a
# target that is not a directory is a usage error, a file in the way an
# error.
parents_tests() {
	local setup='mkdir -p a/b/c q/r o x/q; echo f > a/b/c/f; chmod 750 a/b; chmod 705 a; touch -d 2001-01-01 a a/b; echo g > q/r/f; chmod 3777 q; chmod 0500 q/r; ln -s q lq; echo n > n; mkdir -p o/a; chmod 700 o/a; touch x/q/r'
	like_cp_each cp.parents "$CPQ" "$setup" \
		"--parents a/b/c/f o" "-v --parents q/r/f o" "--parents q/r/f o" \
		"--parents --no-preserve=mode q/r/f o" "--parents lq/r/f o" \
		"--parents -r q/r o" "--parents -r a/b/c/ o" "--parents q//r/f o" \
		"--parents a/b/c/f x" "--parents a/b/c/f n" "--parents -T a/b/c/f o" \
		"--parents a/b/c/f" "--parents a/b/c o" "--parents q/r/f x" \
		"--parents n a/b/c/f o" "--parents -t o n q/r/f" \
		"--parents ./a/b/c/f o" "-v --parents -r a o"
	# the times of the directories made (the target's own moved)
	local args run d
	for args in "-p --parents a/b/c/f p" "--preserve=timestamps --parents a/b/c/f p" \
		    "-a --parents a/b p"; do
		run=cp.parents.times.${args//[ \/]/_}
		# shellcheck disable=SC2086 # the words are the arguments
		check_like_cp "$run" "$CPQ" "$setup; mkdir p" $args
		for d in p/a p/a/b; do
			check_eq "$run.$d" "$(stat -c '%a %y' "$run.gnu/$d")" \
				"$(stat -c '%a %y' "$run.ours/$d")"
		done
	done
}

# --- -L on cycles, sources named twice, next to GNU cp ---------------------

# A directory met again inside itself through a symbolic link (-r -L, -H
# on an operand) is "cannot copy cyclic symbolic link"; a chain of links
# that loops is "Too many levels of symbolic links".  The same source
# under the same name ("a", "./a", "d/") is skipped with a warning and
# status 0; another hard link to it (another name) is not the same.
cycle_tests() {
	local setup='echo a > a; ln a a2; mkdir -p d/s x; echo b > d/b; ln -s .. d/s/up; ln -s d ld; ln -s c1 c2; ln -s c2 c1; mkdir -p e; ln -s ../e e/self'
	like_cp_each cp.cycle "$CPQ" "$setup" \
		"-rL d o" "-rL d/s/up o" "-rH d o" "-r d o" "-rL ld o" \
		"-rL e o" "-L c1 o" "c1 o" "-rL c1 o" "-H c1 o" "-P c1 o" \
		"-rP c1 o" "-rL c1 x"
	echo t > cp.twice.abs
	like_cp_each cp.twice "$CPQ" "$setup" \
		"a a x" "a ./a x" "a a2 a x" "-r d d/ x" "-r d ./d x" \
		"-n a a x" "-l a a2 a x" "-t x a a" "-L a a x" "-d a a2 a x" \
		"-rL ld d x" "-rL ld ld x" "-s $T/cp.twice.abs $T/cp.twice.abs x" \
		"-v a a x" "-u a a x"
	mkdir twice.json
	check_exit cp.twice.json 0 "$CP" -q --json twice.json/../cp.twice.abs cp.twice.abs twice.json
	json_check cp.twice.json.skipped \
		'd[-1]["entries"] == 2 and d[-1]["copied"] == 1 and d[-1]["skipped"] == 1 and d[1]["status"] == "skipped" and d[-1]["exit_status"] == 0' "$CO_OUT"
}

# --- --preserve=context, next to GNU cp --------------------------------------

# Where SELinux is off (these hosts), --preserve=context is an error before
# anything is copied, -a and --preserve=all leave the context out
# silently; --no-preserve=context takes the error back, =all does not.
context_tests() {
	local setup='echo a > a; mkdir -p d; echo b > d/b'
	like_cp_each cp.context "$CPQ" "$setup" \
		"--preserve=context a b" "--preserve=context -a a b" \
		"-a --preserve=context a b" "--preserve=all,context a b" \
		"--preserve=context --no-preserve=context a b" \
		"--preserve=context --no-preserve=all a b" \
		"--no-preserve=context a b" "-a d o" "--preserve=all a b" \
		"-r --preserve=context d o" "--preserve=mode,context a b"
	if [ -d /sys/fs/selinux ]; then
		skip cp.context.off "SELinux may be on here"
		return
	fi
	check_exit cp.context.off 1 "$CP" --preserve=context a.none b.none
	check_eq cp.context.off.msg \
		"copyoffload-cp: cannot preserve security context without an SELinux-enabled kernel" "$CO_ERR"
}

# --- special files, next to GNU cp ----------------------------------------------

# With -r, FIFOs, devices and sockets are made anew (mkfifo, mknod) with
# the source's mode (setuid too) less the umask, replacing a file; without
# -r, a FIFO's or a device's data is copied into a regular file, and a
# socket cannot be opened.  The FIFOs' writers give up after 10 seconds.
special_tests() {
	local setup='mkfifo -m 0640 f; mknod -m 0604 c c 1 3; mknod -m 0660 b b 7 200; python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\"s\")"; echo old > e; mkdir -p t; mkfifo t/f; chmod 4755 t/f; mknod t/c c 1 5; touch -h -d 2019-01-01 t/f t/c; mkdir o'
	local feed='(timeout 10 sh -c "echo hello > f" &)'
	local saved
	saved=$(umask)
	umask 022
	like_cp_each cp.special "$CPQ" "$setup" \
		"-R f c b s o" "-R f e" "-r t o" "-rn f e" "-Ru f e" "c y" \
		"-R --no-preserve=mode t o" "-RP s e"
	TREE_TIMES=1 TREE_OWNER=1 check_like_cp cp.special.p.fifo "$CP" "$setup" -Rp t/f g
	TREE_TIMES=1 TREE_OWNER=1 check_like_cp cp.special.p.device "$CP" "$setup" -Rp t/c h
	check_like_cp cp.special.socket-data "$CP" "$setup" s x
	check_msg_like_cp cp.special.socket-data.msg-like-cp
	check_like_cp cp.special.fifo-data "$CP" "$setup; $feed" f data
	check_eq cp.special.fifo-data.bytes hello "$(cat cp.special.fifo-data.ours/data 2>/dev/null)"
	umask "$saved"

	# as nobody, in a directory nobody may write: no mknod of devices
	if ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		skip cp.special.unprivileged "cannot run as nobody here"
		return
	fi
	chmod 0711 "$T"
	mkdir -p sn.gnu sn.ours
	chmod 0777 sn.gnu sn.ours
	mknod sn.gnu/c c 1 3
	mknod sn.ours/c c 1 3
	mkfifo sn.gnu/f sn.ours/f
	mkdir -m 0777 sn.gnu/o sn.ours/o
	(cd sn.gnu && setpriv --reuid=65534 --regid=65534 --clear-groups "$GNU_CP" -R c f o 2>/dev/null)
	check_eq cp.special.unprivileged.gnu-status 1 "$?"
	cd sn.ours || return
	check_exit cp.special.unprivileged 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$CP" -q -R c f o
	cd ..
	check_match cp.special.unprivileged.msg "^copyoffload-cp: cannot create special file 'o/c': Operation not permitted$" "$CO_ERR"
	check_eq cp.special.unprivileged.like-cp "$(tree_state sn.gnu)" "$(tree_state sn.ours)"
	chmod 0700 "$T"
}

# --- --json ------------------------------------------------------------------

json_tests() {
	local weird=$'we"ird\\na\tme\nx'
	local raw=$'raw\xff\xfe'

	head -c 300000 /dev/urandom > j1
	: > j2
	cp j1 "$weird"
	cp j1 "$raw"
	mkdir jout
	check_exit cp.json 0 "$CP" --json j1 j2 "$weird" "$raw" jout
	json_check cp.json.count 'len(d) == 5' "$CO_OUT"
	# schema 1: entry records, then one summary (an offload record may
	# come before it, when the module's counters moved)
	json_check cp.json.kinds \
		'[o["kind"] for o in d if o["kind"] != "offload"] == ["entry"] * 4 + ["summary"] and all(o["schema"] == 1 for o in d)' \
		"$CO_OUT"
	json_check cp.json.summary \
		'd[-1]["entries"] == 4 and d[-1]["copied"] == 4 and d[-1]["skipped"] == 0 and d[-1]["failed"] == 0 and d[-1]["bytes"] == 900000 and sum(d[-1]["methods"].values()) == 900000 and d[-1]["no_module"] is True and d[-1]["exit_status"] == 0' \
		"$CO_OUT"
	json_check cp.json.bytes \
		'd[0]["bytes"] == 300000 and sum(d[0]["methods"].values()) == 300000 and d[0]["status"] == "ok" and d[0]["errno"] is None' \
		"$CO_OUT"
	json_check cp.json.empty 'd[1]["bytes"] == 0 and d[1]["methods"] == {}' "$CO_OUT"
	json_check cp.json.no-module 'all(o["no_module"] for o in (d[0], d[2]))' "$CO_OUT"
	json_check cp.json.escaping "d[2][\"src\"] == $(printf '%q' "$weird" | sed 's/^\$//') and d[2][\"dst\"].endswith(\"/\" + d[2][\"src\"])" "$CO_OUT"
	json_check cp.json.non-utf8 \
		'__import__("os").fsencode(d[3]["src"]) == b"raw\xff\xfe"' "$CO_OUT"
	same_bytes j1 "jout/$weird" && pass cp.json.weird-name-copied || fail cp.json.weird-name-copied "differ"

	check_exit cp.json.error 1 "$CP" --json nosuch j1 dir jout
	json_check cp.json.error.objects \
		'd[0]["errno"] == "ENOENT" and d[1]["status"] == "ok" and d[2]["type"] == "directory" and d[2]["errno"] == "EISDIR" and "omitting" in d[2]["status"]' \
		"$CO_OUT"
	json_check cp.json.error.summary \
		'd[-1]["kind"] == "summary" and d[-1]["entries"] == 3 and d[-1]["copied"] == 1 and d[-1]["failed"] == 2 and d[-1]["bytes"] == 300000 and d[-1]["exit_status"] == 1' \
		"$CO_OUT"
	# errno names are the C library's, for any errno (a socket: ENXIO)
	python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("jsock")'
	check_exit cp.json.errno 1 "$CP" -q --json jsock jout
	json_check cp.json.errno.name \
		'd[0]["errno"] == __import__("errno").errorcode[__import__("errno").ENXIO] and d[0]["type"] == "file"' \
		"$CO_OUT"
	# skipped entries are counted; a target that is not a directory still
	# ends with a summary of nothing
	check_exit cp.json.skipped 0 "$CP" -q -n --json j1 j2 jout
	json_check cp.json.skipped.summary \
		'd[-1]["entries"] == 2 and d[-1]["skipped"] == 2 and d[-1]["copied"] == 0 and d[-1]["bytes"] == 0' \
		"$CO_OUT"
	check_exit cp.json.no-target 1 "$CP" -q --json j1 j2 j1
	json_check cp.json.no-target.summary \
		'len(d) == 1 and d[0]["kind"] == "summary" and d[0]["entries"] == 0 and d[0]["exit_status"] == 1' \
		"$CO_OUT"
}

# --- -r ----------------------------------------------------------------------

tree_tests() {
	mkdir -p tree/sub/deeper tree/empty
	random_file tree/top 40
	random_file tree/sub/deeper/leaf 200
	: > tree/sub/zero
	sparse_file tree/sub/sparse
	ln -s ../top tree/sub/rel-link
	ln -s /nonexistent/target tree/dangling
	chmod 0750 tree/sub
	check_exit cp.r.tree 0 "$CP" -r tree tree.copy
	if diff -r --no-dereference tree tree.copy >/dev/null 2>&1; then
		pass cp.r.same
	else
		fail cp.r.same "diff -r tree tree.copy: $(diff -r --no-dereference tree tree.copy 2>&1 | head -n 2 | tr '\n' ' ')"
	fi
	[ -L tree.copy/sub/rel-link ] && [ "$(readlink tree.copy/sub/rel-link)" = ../top ] &&
		pass cp.r.symlink || fail cp.r.symlink "not a symlink to ../top"
	[ -L tree.copy/dangling ] && pass cp.r.dangling-symlink || fail cp.r.dangling-symlink "not copied"
	check_eq cp.r.dir-mode 750 "$(stat -c %a tree.copy/sub)"

	check_exit cp.r.into-existing 0 "$CP" -r tree tree.copy
	[ -f tree.copy/tree/sub/deeper/leaf ] && pass cp.r.into-existing.nested ||
		fail cp.r.into-existing.nested "tree.copy/tree missing"

	check_exit cp.r.into-itself 1 "$CP" -r tree tree/sub/inside
	check_match cp.r.into-itself.msg "cannot copy a directory, 'tree', into itself" "$CO_ERR"

	check_exit cp.r.verbose 0 "$CP" -rv tree/sub tree.v
	check_match cp.r.verbose.dir "^'tree/sub' -> 'tree.v'$" "$CO_OUT"
	check_match cp.r.verbose.file "^'tree/sub/deeper/leaf' -> 'tree.v/deeper/leaf' \(" "$CO_OUT"
	check_match cp.r.verbose.link "^'tree/sub/rel-link' -> 'tree.v/rel-link'$" "$CO_OUT"

	mkfifo tree/sub/fifo
	check_exit cp.r.special 0 "$CP" -r tree tree.special
	same_bytes tree/sub/deeper/leaf tree.special/sub/deeper/leaf &&
		pass cp.r.special.rest-copied || fail cp.r.special.rest-copied "leaf missing"
	[ -p tree.special/sub/fifo ] && pass cp.r.special.fifo || fail cp.r.special.fifo "no FIFO made"

	check_exit cp.r.symlink-operand 0 "$CP" -r tree/sub/rel-link link.copy
	[ -L link.copy ] && pass cp.r.symlink-operand.is-link || fail cp.r.symlink-operand.is-link "followed"
	check_exit cp.symlink-followed 0 "$CP" tree/sub/rel-link followed.copy
	[ -f followed.copy ] && [ ! -L followed.copy ] && same_bytes tree/top followed.copy &&
		pass cp.symlink-followed.file || fail cp.symlink-followed.file "not a copy of tree/top"
}

# --- without the module ------------------------------------------------------

# The host has no module: one note on stderr per run (not per file), none
# with -q, and --require-module refuses before touching anything.
no_module_tests() {
	local note='^copyoffload-cp: the copyoffload module is not loaded: copying without it'
	if [ -e /dev/copyoffload ]; then
		skip cp.no-module "/dev/copyoffload exists here"
		return
	fi
	random_file nm1 16
	: > nm2
	mkdir nm.out nm.q
	check_exit cp.no-module 0 "$CP" nm1 nm2 nm.out
	check_match cp.no-module.note "$note" "$CO_ERR"
	check_eq cp.no-module.once 1 "$(grep -c . <<<"$CO_ERR")"
	same_bytes nm1 nm.out/nm1 && pass cp.no-module.copied || fail cp.no-module.copied "differ"
	check_exit cp.no-module.quiet 0 "$CP" -q nm1 nm2 nm.q
	check_eq cp.no-module.quiet.silent "" "$CO_ERR"
	check_exit cp.no-module.quiet-long 0 "$CP" --quiet nm1 nm.q/long
	check_eq cp.no-module.quiet-long.silent "" "$CO_ERR"
	check_exit cp.no-module.json 0 "$CP" --json nm1 nm.json
	json_check cp.no-module.json.flag 'd[0]["no_module"] is True' "$CO_OUT"
	check_match cp.no-module.json.note "$note" "$CO_ERR"
	check_exit cp.no-module.nothing-copied 1 "$CP" nosuch nm.none
	if grep -q 'module is not loaded' <<<"$CO_ERR"; then
		fail cp.no-module.nothing-copied.no-note "note without a file copied: $CO_ERR"
	else
		pass cp.no-module.nothing-copied.no-note
	fi

	check_exit cp.require-module 1 "$CP" --require-module nm1 nm.req
	check_match cp.require-module.msg \
		'^copyoffload-cp: the copyoffload module is not loaded \(no /dev/copyoffload\), and --require-module forbids copying without it$' \
		"$CO_ERR"
	[ ! -e nm.req ] && pass cp.require-module.no-dst || fail cp.require-module.no-dst "nm.req created"
	check_exit cp.require-module.quiet 1 "$CP" -q --require-module nm1 nm.req
	check_match cp.require-module.quiet.msg 'forbids copying without it' "$CO_ERR"
}

# --- per filesystem ----------------------------------------------------------

# sparse FS: holes of the source stay holes
sparse_test() {
	local fs=$1 d=$2 sb db
	sparse_file "$d/sparse"
	check_exit "cp.$fs.sparse" 0 "$CP" --reflink=never "$d/sparse" "$d/sparse.copy"
	same_bytes "$d/sparse" "$d/sparse.copy" && pass "cp.$fs.sparse.bytes" ||
		fail "cp.$fs.sparse.bytes" "differ"
	check_exit "cp.$fs.sparse.json" 0 "$CP" --json --reflink=never "$d/sparse" "$d/sparse.json"
	json_check "cp.$fs.sparse.json.holes" \
		'd[0]["bytes"] == 8 << 20 and d[0]["methods"].get("hole", 0) >= 6 << 20 and sum(d[0]["methods"].values()) == 8 << 20' \
		"$CO_OUT"
	sync -f "$d"
	sb=$(file_blocks "$d/sparse")
	db=$(file_blocks "$d/sparse.copy")
	# 128 KiB of data: 256 blocks; allow the filesystem's rounding
	if [ "$db" -le $((sb + 256)) ] && [ "$db" -lt 2048 ]; then
		pass "cp.$fs.sparse.blocks"
	else
		fail "cp.$fs.sparse.blocks" "source $sb blocks, copy $db blocks"
	fi
	# --sparse=never: no hole left (8 MiB: 16384 blocks); --sparse=always:
	# 4 MiB of written zeroes become a hole, as with GNU cp
	head -c 4M /dev/zero > "$d/zeroes"
	head -c 64K /dev/urandom >> "$d/zeroes"
	sparse_when_test "$fs" "$d" never "$d/sparse" 16384 999999
	sparse_when_test "$fs" "$d" always "$d/zeroes" 0 1024
	sparse_when_test "$fs" "$d" auto "$d/zeroes" 8192 999999
}

# sparse_when_test FS DIR WHEN SRC MIN MAX: --sparse=WHEN copies SRC with
# its bytes, and a copy of MIN to MAX blocks, as GNU cp's
sparse_when_test() {
	local fs=$1 d=$2 when=$3 src=$4 min=$5 max=$6 b g
	check_exit "cp.$fs.sparse.$when" 0 "$CP" --reflink=never --sparse="$when" "$src" "$d/sparse.$when"
	"$GNU_CP" --reflink=never --sparse="$when" "$src" "$d/sparse.$when.gnu"
	same_bytes "$src" "$d/sparse.$when" && pass "cp.$fs.sparse.$when.bytes" ||
		fail "cp.$fs.sparse.$when.bytes" "differ"
	sync -f "$d"
	b=$(file_blocks "$d/sparse.$when")
	g=$(file_blocks "$d/sparse.$when.gnu")
	if [ "$b" -ge "$min" ] && [ "$b" -le "$max" ]; then
		pass "cp.$fs.sparse.$when.blocks"
	else
		fail "cp.$fs.sparse.$when.blocks" "$b blocks, not $min to $max (GNU cp: $g)"
	fi
}

# reflink FS: auto and always share on xfs/btrfs, never does not
reflink_tests() {
	local fs=$1 d=$2
	random_file "$d/r" 1024
	check_exit "cp.$fs.reflink-always" 0 "$CP" -v --reflink=always "$d/r" "$d/r.always"
	check_match "cp.$fs.reflink-always.verbose" "\(clone 1.0 MiB, no module\)$" "$CO_OUT"
	extents_shared "$d/r.always" && pass "cp.$fs.reflink-always.shared" ||
		fail "cp.$fs.reflink-always.shared" "filefrag shows no shared extent"
	check_exit "cp.$fs.reflink-bare" 0 "$CP" --reflink "$d/r" "$d/r.bare"
	extents_shared "$d/r.bare" && pass "cp.$fs.reflink-bare.shared" ||
		fail "cp.$fs.reflink-bare.shared" "filefrag shows no shared extent"
	check_exit "cp.$fs.reflink-auto" 0 "$CP" "$d/r" "$d/r.auto"
	extents_shared "$d/r.auto" && pass "cp.$fs.reflink-auto.shared" ||
		fail "cp.$fs.reflink-auto.shared" "filefrag shows no shared extent"
	check_exit "cp.$fs.reflink-never" 0 "$CP" -v --reflink=never "$d/r" "$d/r.never"
	same_bytes "$d/r" "$d/r.never" && pass "cp.$fs.reflink-never.bytes" ||
		fail "cp.$fs.reflink-never.bytes" "differ"
	sync -f "$d"
	! extents_shared "$d/r.never" && pass "cp.$fs.reflink-never.not-shared" ||
		fail "cp.$fs.reflink-never.not-shared" "filefrag shows a shared extent"
	check_match "cp.$fs.reflink-never.verbose" "^'$d/r' -> '$d/r.never' \(" "$CO_OUT"
	if grep -q '(clone' <<<"$CO_OUT"; then
		fail "cp.$fs.reflink-never.method" "clone named: $CO_OUT"
	else
		pass "cp.$fs.reflink-never.method"
	fi
}

# ext4 cannot share extents: always fails, auto copies
noreflink_tests() {
	local fs=$1 d=$2
	random_file "$d/r" 256
	check_exit "cp.$fs.reflink-always-fails" 1 "$CP" --reflink=always "$d/r" "$d/r.always"
	check_match "cp.$fs.reflink-always-fails.msg" \
		"cannot copy '$d/r' to '$d/r.always': cannot reflink \(--reflink=always\): " "$CO_ERR"
	[ ! -e "$d/r.always" ] && pass "cp.$fs.reflink-always-fails.no-dst" ||
		fail "cp.$fs.reflink-always-fails.no-dst" "destination left behind"
	check_exit "cp.$fs.reflink-auto-copies" 0 "$CP" "$d/r" "$d/r.auto"
	same_bytes "$d/r" "$d/r.auto" && pass "cp.$fs.reflink-auto-copies.bytes" ||
		fail "cp.$fs.reflink-auto-copies.bytes" "differ"
}

# --no-fallback without the module: nothing can offload a copy that must
# not share extents, so the copy fails clearly and leaves no destination.
nofallback_tests() {
	local fs=$1 d=$2
	random_file "$d/n" 128
	check_exit "cp.$fs.no-fallback" 1 "$CP" --reflink=never --no-fallback "$d/n" "$d/n.copy"
	check_match "cp.$fs.no-fallback.msg" \
		"cannot copy '$d/n' to '$d/n.copy': the copy could not be offloaded and --no-fallback forbids copying through the host \(EOPNOTSUPP\)" \
		"$CO_ERR"
	[ ! -e "$d/n.copy" ] && pass "cp.$fs.no-fallback.no-dst" ||
		fail "cp.$fs.no-fallback.no-dst" "destination left behind"
	echo old > "$d/n.old"
	check_exit "cp.$fs.no-fallback.existing" 1 "$CP" --reflink=never --no-fallback "$d/n" "$d/n.old"
	check_eq "cp.$fs.no-fallback.existing.emptied" 0 "$(stat -c %s "$d/n.old")"
}

# --preserve=xattr, all, -a and -p on FS, next to GNU cp: user and
# trusted attributes, binary values, names that /etc/xattr.conf skips,
# POSIX ACLs (with the mode: -p), a directory's default ACL, hard links,
# a symbolic link's and a FIFO's own (trusted) attributes.
# Written by Python: setfattr and setfacl may be missing.
xattr_tests() {
	local fs=$1 d=$2
	local setup="python3 -c '
import os, struct
def acl(ents):
    return struct.pack(\"<I\", 2) + b\"\".join(struct.pack(\"<HHI\", *e) for e in ents)
A = 0xffffffff
os.makedirs(\"t/sub\")
with open(\"t/f\", \"w\") as f:
    f.write(\"data\")
os.link(\"t/f\", \"t/sub/f2\")
os.symlink(\"f\", \"t/l\")
os.setxattr(\"t/l\", \"trusted.l\", b\"link\", follow_symlinks=False)
os.mkfifo(\"t/p\")
os.setxattr(\"t/p\", \"trusted.p\", b\"fifo\")
for n, v in ((\"user.a\", b\"1\"), (\"user.bin\", bytes(range(256))),
             (\"user.Beagle.x\", b\"skipped\"), (\"trusted.t\", b\"root\")):
    os.setxattr(\"t/f\", n, v)
os.setxattr(\"t/f\", \"system.posix_acl_access\",
            acl([(1, 6, A), (2, 4, 65534), (4, 4, A), (0x10, 6, A), (0x20, 4, A)]))
os.setxattr(\"t/sub\", \"user.d\", b\"dir\")
os.setxattr(\"t/sub\", \"system.posix_acl_default\",
            acl([(1, 7, A), (4, 5, A), (0x20, 0, A)]))
'"
	if ! (cd "$d" && mkdir xprobe && cd xprobe && eval "$setup") 2>/dev/null; then
		skip "cp.$fs.xattr" "cannot set user, trusted and ACL xattrs on $fs here"
		return
	fi
	cd "$d" || return
	TREE_XATTRS=1 like_cp_each "cp.$fs.xattr" "$CPQ" "$setup" \
		"--preserve=xattr t/f g" "-p t/f g" "-a t/f g" "--preserve=all t/f g" \
		"t/f g" "--preserve=xattr --no-preserve=xattr t/f g" \
		"-a --no-preserve=mode t/f g" "--preserve=mode t/f g" "-a t o" \
		"-r --preserve=xattr t o" "-rp t o"
	check_eq "cp.$fs.xattr.-a_t_o.silent" "" "$CO_ERR"
	check_match "cp.$fs.xattr.-a_t_o.kept" "user.bin=000102" "$(xattr_state "cp.$fs.xattr.-a_t_o.ours/o/f")"
	cd "$T" || return
}

# Failures to keep an extended attribute, next to GNU cp: an error with
# --preserve=xattr, a warning only with --preserve=all, silence with -a.
# xfs holds a 16 KiB value, ext4 (without ea_inode) cannot.
xattr_fail_tests() {
	local x=$T/mnt-xfs e=$T/mnt-ext4 args
	[ -d "$x" ] && [ -d "$e" ] || return 0
	echo data > "$x/big"
	if ! python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.big", b"x" * 16384)' "$x/big" 2>/dev/null; then
		skip cp.xattr.fail "cannot set a 16 KiB xattr on xfs here"
		return
	fi
	cd "$e" || return
	# (GNU cp 9.1 names the attribute where the file belongs: not copied)
	for args in "--preserve=xattr" "--preserve=all" "-a" "-p"; do
		TREE_XATTRS=1 check_like_cp "cp.xattr.fail.$args" "$CP" "" "$args" "$x/big" big
		if [ "$args" = -a ] || [ "$args" = -p ]; then
			check_eq "cp.xattr.fail.$args.silent" "" "$(grep -v 'module is not loaded' <<<"$CO_ERR")"
		else
			check_match "cp.xattr.fail.$args.msg" \
				"^copyoffload-cp: setting attribute 'user.big' for 'big': No space left on device$" "$CO_ERR"
		fi
	done
	cd "$T" || return
}

fs_tests() {
	local fs=$1 d=$T/mnt-$1
	if ! tools_fs "$fs" "$d" 2>/dev/null; then
		skip "cp.$fs" "cannot make and loop-mount $fs here"
		return
	fi
	sparse_test "$fs" "$d"
	nofallback_tests "$fs" "$d"
	xattr_tests "$fs" "$d"
	case $fs in
	xfs|btrfs)	reflink_tests "$fs" "$d" ;;
	*)		noreflink_tests "$fs" "$d" ;;
	esac
}

cross_fs_test() {
	[ -d "$T/mnt-xfs" ] && [ -d "$T/mnt-ext4" ] || return 0
	random_file "$T/mnt-xfs/x" 512
	check_exit cp.cross-fs 0 "$CP" "$T/mnt-xfs/x" "$T/mnt-ext4/x"
	same_bytes "$T/mnt-xfs/x" "$T/mnt-ext4/x" && pass cp.cross-fs.bytes ||
		fail cp.cross-fs.bytes "differ"
	check_exit cp.cross-fs.reflink-always 1 "$CP" --reflink=always "$T/mnt-xfs/x" "$T/mnt-ext4/y"
}

cmdline_tests
file_tests
pseudo_file_tests
mode_tests
no_clobber_tests
interactive_tests
update_tests
preserve_tests
deref_tests
links_tests
link_tests
backup_tests
sparse_cmdline_tests
parents_tests
cycle_tests
context_tests
special_tests
no_module_tests
json_tests
tree_tests
for fs in xfs btrfs ext4; do
	fs_tests "$fs"
done
cross_fs_test
xattr_fail_tests
one_file_system_tests

done_testing
