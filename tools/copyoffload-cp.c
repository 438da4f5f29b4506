// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload-cp: copy files the way cp(1) does, through libcopyoffload, so
 * that every file is copied by the best method the system has (reflink,
 * server-side copy, SCSI offload) and by the host only as a last resort.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <search.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common.h"
#include "counters.h"
#include "progress.h"

struct cp {
	struct copyoffload *co;
	uint64_t flags;		/* COPYOFFLOAD_F_* for every copy */
	bool recursive;
	int deref;		/* DEREF_*: -L, -H, -P */
	bool force;
	bool verbose;
	bool json;
	bool no_clobber;	/* -n */
	bool interactive;	/* -i */
	bool update;		/* -u */
	bool remove_destination;	/* --remove-destination */
	int backup;		/* BACKUP_*: -b, --backup, -S */
	const char *suffix;	/* -S, SIMPLE_BACKUP_SUFFIX, "~" */
	bool one_file_system;	/* -x */
	bool parents;		/* --parents */
	int sparse;		/* SPARSE_*: --sparse */
	bool hard_link;		/* -l */
	bool symbolic_link;	/* -s */
	unsigned int preserve;	/* PRESERVE_*: -p, --preserve */
	bool no_preserve_mode;	/* --no-preserve=mode: default modes */
	bool archive;		/* -a: no word on extended attributes */
	bool quiet;		/* -q: no note that the module is missing */
	bool require_module;	/* --require-module */
	bool said_no_module;	/* the note was printed */
	uint64_t piece;		/* COPYOFFLOAD_CP_PIECE; 0: adapt (copy_body) */
	int progress;		/* --progress: 1, --no-progress: 0, else -1 */
	uint64_t progress_delay_ns;
	void *copied;		/* --preserve=links: a tsearch tree */
	struct file_id *ancestors;	/* -r: the directories being copied */
	size_t depth;
	struct operand *operands;	/* the sources seen so far */
	size_t nr_operands;
	mode_t umask;
	int exit_code;
	struct totals {		/* for --json's summary */
		uint64_t entries, copied, skipped, failed;
		struct copyoffload_result res;
	} totals;
};

/* cp->piece: the body of a file in one request */
#define CP_ONE_REQUEST	UINT64_MAX

/* --preserve=links: a source with several links, and where it went. */
struct copied {
	dev_t dev;
	ino_t ino;
	char *dst;
};

/* A file by its inode. */
struct file_id {
	dev_t dev;
	ino_t ino;
};

/*
 * A source operand, as GNU cp tells one named twice: the file, and its
 * name as the parent directory and the last component ("./a" is "a").
 */
struct operand {
	struct file_id file, parent;
	char *name;
};

/* Which symbolic links in SRC are followed: -P, -H, -L. */
enum {
	DEREF_DEFAULT,		/* -P with -r (but not -l), else -L */
	DEREF_NEVER,		/* -P */
	DEREF_OPERANDS,		/* -H */
	DEREF_ALWAYS,		/* -L */
};

/* --backup's CONTROL: whether and how an existing destination is kept. */
enum {
	BACKUP_NONE,
	BACKUP_SIMPLE,		/* DST~ */
	BACKUP_EXISTING,	/* numbered where such backups exist, else simple */
	BACKUP_NUMBERED,	/* DST.~N~ */
};

/* --sparse=WHEN */
enum {
	SPARSE_AUTO,		/* the source's holes stay holes */
	SPARSE_NEVER,		/* the destination is fully allocated */
	SPARSE_ALWAYS,
};

/* What -p and --preserve keep of the source. */
enum {
	PRESERVE_MODE = 1 << 0,
	PRESERVE_OWNERSHIP = 1 << 1,
	PRESERVE_TIMESTAMPS = 1 << 2,
	PRESERVE_LINKS = 1 << 3,
	PRESERVE_XATTR = 1 << 4,
	PRESERVE_XATTR_NAMED = 1 << 5,	/* "xattr" itself: every failure counts */
	PRESERVE_CONTEXT = 1 << 6,
	PRESERVE_CONTEXT_NAMED = 1 << 7, /* "context" itself: SELinux required */
	PRESERVE_DEFAULT = PRESERVE_MODE | PRESERVE_OWNERSHIP |
			   PRESERVE_TIMESTAMPS,
	PRESERVE_ALL = PRESERVE_DEFAULT | PRESERVE_LINKS | PRESERVE_XATTR |
		       PRESERVE_CONTEXT,
};

enum {
	OPT_REFLINK = 256,
	OPT_OFFLOAD,
	OPT_NO_FALLBACK,
	OPT_REQUIRE_MODULE,
	OPT_PRESERVE,
	OPT_NO_PRESERVE,
	OPT_REMOVE_DESTINATION,
	OPT_JSON,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_BACKUP,
	OPT_SPARSE,
	OPT_PARENTS,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option cp_options[] = {
	{ "archive", no_argument, NULL, 'a' },
	{ "recursive", no_argument, NULL, 'r' },
	{ "dereference", no_argument, NULL, 'L' },
	{ "no-dereference", no_argument, NULL, 'P' },
	{ "force", no_argument, NULL, 'f' },
	{ "no-clobber", no_argument, NULL, 'n' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "update", no_argument, NULL, 'u' },
	{ "link", no_argument, NULL, 'l' },
	{ "symbolic-link", no_argument, NULL, 's' },
	{ "remove-destination", no_argument, NULL, OPT_REMOVE_DESTINATION },
	{ "backup", optional_argument, NULL, OPT_BACKUP },
	{ "suffix", required_argument, NULL, 'S' },
	{ "one-file-system", no_argument, NULL, 'x' },
	{ "parents", no_argument, NULL, OPT_PARENTS },
	{ "sparse", required_argument, NULL, OPT_SPARSE },
	{ "preserve", optional_argument, NULL, OPT_PRESERVE },
	{ "no-preserve", required_argument, NULL, OPT_NO_PRESERVE },
	{ "target-directory", required_argument, NULL, 't' },
	{ "no-target-directory", no_argument, NULL, 'T' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "reflink", optional_argument, NULL, OPT_REFLINK },
	{ "offload", required_argument, NULL, OPT_OFFLOAD },
	{ "no-fallback", no_argument, NULL, OPT_NO_FALLBACK },
	{ "require-module", no_argument, NULL, OPT_REQUIRE_MODULE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "progress", optional_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static void usage(void)
{
	printf("Usage: %s [OPTION]... [-T] SRC DST\n"
	       "  or:  %s [OPTION]... SRC... DIR\n"
	       "  or:  %s [OPTION]... -t DIR SRC...\n"
	       "Copy SRC to DST, or SRC... into DIR, with copy offload: reflink,\n"
	       "the filesystem's server-side copy, SCSI XCOPY or ODX, and a copy\n"
	       "through the host only when none of them can serve a file.\n"
	       "\n"
	       "  -a, --archive           same as -dR --preserve=all\n"
	       "  -r, -R, --recursive     copy directories recursively; symbolic links\n"
	       "                          in them are copied as symbolic links, FIFOs,\n"
	       "                          devices and sockets are made anew\n"
	       "  -L, --dereference       always follow symbolic links in SRC\n"
	       "  -H                      follow symbolic links given as SRC\n"
	       "  -P, --no-dereference    never follow symbolic links in SRC (the default\n"
	       "                          with -r and without -l; else SRC is followed)\n"
	       "  -d                      same as --no-dereference --preserve=links\n"
	       "      --reflink[=WHEN]    share extents: auto (default: when possible),\n"
	       "                          always (bare --reflink: fail when not possible),\n"
	       "                          never (always write new extents)\n"
	       "      --offload=HOW       storage offload engine: auto (default), xcopy,\n"
	       "                          odx, nvme, none\n"
	       "      --no-fallback       fail with EOPNOTSUPP rather than copy through\n"
	       "                          the host\n"
	       "      --require-module    fail (exit 1) when the copyoffload module is not\n"
	       "                          loaded, instead of copying without it\n"
	       "  -q, --quiet             do not say that the module is not loaded\n"
	       "  -f, --force             if DST cannot be opened, remove it and retry\n"
	       "      --remove-destination  remove an existing DST before copying\n"
	       "      --backup[=CONTROL]  rename each existing destination file first:\n"
	       "                          none/off (no backups), numbered/t (DST.~N~),\n"
	       "                          existing/nil (numbered where such backups\n"
	       "                          exist, else simple), simple/never (DST~);\n"
	       "                          default: $VERSION_CONTROL, else existing\n"
	       "  -b                      like --backup, without an argument\n"
	       "  -S, --suffix=SUFFIX     the simple backups' suffix (default:\n"
	       "                          $SIMPLE_BACKUP_SUFFIX, else ~); implies -b\n"
	       "  -l, --link              hard link files instead of copying them\n"
	       "  -s, --symbolic-link     make symbolic links instead of copying; SRC\n"
	       "                          must be absolute unless DST is in the\n"
	       "                          current directory\n"
	       "  -i, --interactive       ask before overwriting an existing file\n"
	       "  -n, --no-clobber        do not overwrite an existing file (a directory\n"
	       "                          is still copied into); overrides -f; of -i\n"
	       "                          and -n, the last one counts\n"
	       "  -u, --update            copy only when SRC is newer than DST, or DST\n"
	       "                          is missing\n"
	       "  -p                      same as --preserve=mode,ownership,timestamps\n"
	       "      --preserve[=ATTR_LIST]  keep these attributes: mode, ownership\n"
	       "                          (when permitted), timestamps (default: these\n"
	       "                          three), links (hard links among the sources),\n"
	       "                          xattr (extended attributes), context\n"
	       "                          (SELinux: an error where it is off), all\n"
	       "      --no-preserve=ATTR_LIST  do not keep these attributes\n"
	       "      --sparse=WHEN       holes in the copies: auto (default: the\n"
	       "                          source's holes), always (also where whole\n"
	       "                          blocks of zeroes are), never (no holes)\n"
	       "  -x, --one-file-system   with -r, leave empty the directories that are\n"
	       "                          on another file system than their parent\n"
	       "      --parents           copy SRC to DIR/SRC, its whole name, making\n"
	       "                          the directories it names under DIR\n"
	       "  -t, --target-directory=DIR  copy every SRC into DIR\n"
	       "  -T, --no-target-directory   treat DST as a file name, even a directory's\n"
	       "  -v, --verbose           print every file and the methods that copied it\n"
	       "      --json              print JSON records on stdout: one per file,\n"
	       "                          then a summary of the run\n"
	       "      --progress[=SECONDS]  show progress on standard error (file,\n"
	       "                          bytes, rate, time left, method) once the run\n"
	       "                          has lasted SECONDS (default 1); the default\n"
	       "                          when standard error is a terminal; elsewhere\n"
	       "                          a line per second\n"
	       "      --no-progress       do not show progress\n"
	       "      --help              display this help and exit\n"
	       "      --version           output version information and exit\n"
	       "\n"
	       "Works without the copyoffload module, through the library's fallback,\n"
	       "and then says so once on standard error (unless -q).\n"
	       "\n"
	       "Exit status:\n"
	       " 0  every file was copied\n"
	       " 1  some file could not be copied, or a usage error (bad option\n"
	       "    or argument, missing operand: nothing was copied), as cp\n"
	       "SIGINT, SIGTERM or SIGHUP end it as they end cp (128 + N in a shell),\n"
	       "after removing the unfinished file it created.\n",
	       co_prog, co_prog, co_prog);
}

static int parse_reflink(const char *arg, uint64_t *flags)
{
	*flags &= ~(COPYOFFLOAD_F_ALLOW_SHARE | COPYOFFLOAD_F_REQUIRE_SHARE);
	if (!arg || !strcmp(arg, "always"))
		*flags |= COPYOFFLOAD_F_REQUIRE_SHARE;
	else if (!strcmp(arg, "auto"))
		*flags |= COPYOFFLOAD_F_ALLOW_SHARE;
	else if (strcmp(arg, "never"))
		return -EINVAL;
	return 0;
}

/* --- interruption -------------------------------------------------------- */

/*
 * SIGINT, SIGTERM and SIGHUP are blocked in the copying thread and taken
 * by a thread of their own, which cleans up and then dies of the signal,
 * as cp does (a shell reports 128 + the signal's number).  Dying of it is
 * what stops a copy promptly: the module and the kernel end a copy at a
 * fatal signal, not at one with a handler.  The file being copied is
 * removed when this run created it; an existing one is said to be
 * incomplete.  A signal that was ignored when we started stays ignored.
 */
static struct {
	pthread_mutex_t lock;
	const char *dst;	/* the destination being written, or NULL */
	bool created;		/* by this run */
	sigset_t set;		/* the signals the thread waits for */
} busy = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *interrupt_thread(void *arg)
{
	char name[32];
	int sig;

	(void)arg;
	if (sigwait(&busy.set, &sig))
		return NULL;
	/* never released: the copying thread changes nothing from now on */
	pthread_mutex_lock(&busy.lock);
	co_progress_stop();
	co_signal_text(sig, name, sizeof(name));
	if (!busy.dst)
		co_warn("interrupted by %s", name);
	else if (busy.created && !unlink(busy.dst))
		co_warn("interrupted by %s: removed '%s', which was not complete",
			name, busy.dst);
	else if (busy.created)
		co_warn("interrupted by %s: '%s' is incomplete and could not be removed: %s",
			name, busy.dst, strerror(errno));
	else
		co_warn("interrupted by %s: '%s' is incomplete", name,
			busy.dst);
	fflush(stdout);
	signal(sig, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &busy.set, NULL);
	raise(sig);
	_exit(128 + sig);	/* not reached */
}

static void watch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	pthread_t thread;
	unsigned int i;

	sigemptyset(&busy.set);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		if (!sigaction(sigs[i], NULL, &sa) && sa.sa_handler != SIG_IGN)
			sigaddset(&busy.set, sigs[i]);
	pthread_sigmask(SIG_BLOCK, &busy.set, NULL);
	if (pthread_create(&thread, NULL, interrupt_thread, NULL)) {
		/* then the signals act as they would on cp */
		pthread_sigmask(SIG_UNBLOCK, &busy.set, NULL);
		return;
	}
	pthread_detach(thread);
}

/* DST is being written (created by this run: CREATED); NULL: not any more. */
static void set_busy(const char *dst, bool created)
{
	pthread_mutex_lock(&busy.lock);
	busy.dst = dst;
	busy.created = created;
	pthread_mutex_unlock(&busy.lock);
}

/*
 * ATTR_LIST of --preserve and --no-preserve: mode, ownership, timestamps,
 * links, xattr, context, all, separated by commas.  Returns 0 or -EINVAL.
 */
static int parse_preserve(const char *arg, unsigned int *bits)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} attrs[] = {
		{ "mode", PRESERVE_MODE },
		{ "ownership", PRESERVE_OWNERSHIP },
		{ "timestamps", PRESERVE_TIMESTAMPS },
		{ "links", PRESERVE_LINKS },
		{ "xattr", PRESERVE_XATTR | PRESERVE_XATTR_NAMED },
		{ "context", PRESERVE_CONTEXT | PRESERVE_CONTEXT_NAMED },
		{ "all", PRESERVE_ALL },
	};
	const char *p = arg;
	unsigned int i;
	size_t len;

	*bits = 0;
	do {
		len = strcspn(p, ",");
		for (i = 0; i < ARRAY_SIZE(attrs); i++)
			if (strlen(attrs[i].name) == len &&
			    !strncmp(p, attrs[i].name, len))
				break;
		if (i == ARRAY_SIZE(attrs))
			return -EINVAL;
		*bits |= attrs[i].bit;
		p += len;
	} while (*p++);
	return 0;
}

/* --- messages ------------------------------------------------------------ */

/* What happened to one source entry, for messages, -v and --json. */
struct cp_entry {
	const char *src;
	const char *dst;
	const char *type;	/* file, directory, symlink, special, unknown */
	struct copyoffload_result res;
	int err;		/* 0, a positive errno, or -1 (no errno) */
	const char *why;	/* instead of strerror(err) */
	char *msg;		/* a whole message instead of "cannot copy" */
	char *backup;		/* where --backup moved the destination */
	bool skipped;		/* left alone: -n or -u */
};

/* The error as JSON's status: the message without "PROG: " */
static const char *entry_status(const struct cp_entry *e)
{
	if (e->msg)
		return e->msg;
	return e->why ? e->why : strerror(e->err);
}

static void print_json(const struct cp_entry *e)
{
	printf("{\"kind\":\"entry\",\"schema\":%d,\"src\":",
	       CO_CP_JSON_SCHEMA);
	co_json_string(stdout, e->src);
	printf(",\"dst\":");
	co_json_string(stdout, e->dst);
	printf(",\"type\":\"%s\",\"bytes\":%" PRIu64 ",\"methods\":", e->type,
	       e->res.bytes_done);
	co_json_method_bytes(stdout, &e->res);
	printf(",\"no_module\":%s,\"status\":",
	       e->res.no_module ? "true" : "false");
	co_json_string(stdout, e->err ? entry_status(e) :
		       e->skipped ? "skipped" : "ok");
	printf(",\"errno\":");
	co_json_errno(stdout, e->err > 0 ? e->err : 0);
	printf("}\n");
}

/* --json's last record: what the run did, all entries summed up. */
static void print_summary(const struct cp *cp, int exit_status)
{
	const struct totals *t = &cp->totals;

	printf("{\"kind\":\"summary\",\"schema\":%d,\"entries\":%" PRIu64
	       ",\"copied\":%" PRIu64 ",\"skipped\":%" PRIu64
	       ",\"failed\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"methods\":",
	       CO_CP_JSON_SCHEMA, t->entries, t->copied, t->skipped, t->failed,
	       t->res.bytes_done);
	co_json_method_bytes(stdout, &t->res);
	printf(",\"no_module\":%s,\"exit_status\":%d}\n",
	       t->res.no_module ? "true" : "false", exit_status);
}

static void print_verbose(const struct cp_entry *e)
{
	printf("'%s' -> '%s'", e->src, e->dst);
	if (e->backup)
		printf(" (backup: '%s')", e->backup);
	if (!strcmp(e->type, "file")) {
		printf(" (");
		if (!co_print_method_bytes(stdout, &e->res))
			printf("empty");
		if (e->res.no_module)
			printf(", no module");
		printf(")");
	}
	printf("\n");
}

/*
 * After a reboot nothing loads the module, and every copy would quietly go
 * through the host: say so, once per run, when a file was worked on
 * without it (the library's result says so), unless -q.
 */
static void note_no_module(struct cp *cp, const struct cp_entry *e)
{
	if (!e->res.no_module || cp->quiet || cp->said_no_module)
		return;
	cp->said_no_module = true;
	if (copyoffload_has_module(cp->co))
		co_warn("the copyoffload module cannot copy: copying without it, through the host where no reflink serves");
	else
		co_warn("the copyoffload module is not loaded: copying without it, through the host where no reflink serves");
}

/*
 * Record how an entry ended (err 0: copied; why: instead of strerror(err))
 * and report it: the error on stderr, then -v or --json on stdout.
 */
static void report(struct cp *cp, struct cp_entry *e, int err, const char *why)
{
	e->err = err;
	e->why = why;
	note_no_module(cp, e);
	cp->totals.entries++;
	if (err)
		cp->totals.failed++;
	else if (e->skipped)
		cp->totals.skipped++;
	else
		cp->totals.copied++;
	co_add_result(&cp->totals.res, &e->res);
	if (!strcmp(e->type, "file"))
		co_progress_file_end(!err && !e->skipped);
	if (err) {
		if (e->msg)
			co_warn("%s", e->msg);
		else
			co_warn("cannot copy '%s' to '%s': %s", e->src, e->dst,
				entry_status(e));
		cp->exit_code = CO_EXIT_FAIL;
	}
	if (cp->json || (cp->verbose && !err && !e->skipped))
		co_progress_clear_for_stdout();
	if (cp->json)
		print_json(e);
	else if (cp->verbose && !err && !e->skipped)
		print_verbose(e);
	fflush(stdout);
	free(e->msg);
	e->msg = NULL;
	free(e->backup);
	e->backup = NULL;
}

/* --- -p ------------------------------------------------------------------ */

static int set_owner(int fd, const char *path, uid_t uid, gid_t gid)
{
	if (fd >= 0)
		return fchown(fd, uid, gid);
	return lchown(path, uid, gid);
}

/*
 * Ownership, as GNU cp keeps it: an unprivileged user who may not give the
 * file away keeps the group where he can, silently, and the copy then
 * loses setuid, setgid and sticky.  Returns the mode to give.
 */
static mode_t keep_owner(struct cp *cp, int fd, const char *path,
			 const struct stat *st)
{
	mode_t mode = st->st_mode & 07777;

	if (!(cp->preserve & PRESERVE_OWNERSHIP) ||
	    !set_owner(fd, path, st->st_uid, st->st_gid))
		return mode;
	if ((errno == EPERM || errno == EINVAL) && geteuid()) {
		set_owner(fd, path, -1, st->st_gid);
	} else {
		co_warn("cannot preserve ownership of '%s': %s", path,
			strerror(errno));
		cp->exit_code = CO_EXIT_FAIL;
	}
	return mode & ~(S_ISUID | S_ISGID | S_ISVTX);
}

/* --- extended attributes ------------------------------------------------ */

#define XATTR_NAME_POSIX_ACL_ACCESS	"system.posix_acl_access"
#define XATTR_NAME_POSIX_ACL_DEFAULT	"system.posix_acl_default"

/* A file for the *xattr calls: open as fd, or with fd -1 at path. */
struct xfile {
	int fd;
	const char *path;
	bool link;		/* path is a symbolic link: its own attributes */
};

static ssize_t x_list(const struct xfile *f, char *buf, size_t size)
{
	if (f->fd >= 0)
		return flistxattr(f->fd, buf, size);
	if (f->link)
		return llistxattr(f->path, buf, size);
	return listxattr(f->path, buf, size);
}

static ssize_t x_get(const struct xfile *f, const char *name, void *buf,
		     size_t size)
{
	if (f->fd >= 0)
		return fgetxattr(f->fd, name, buf, size);
	if (f->link)
		return lgetxattr(f->path, name, buf, size);
	return getxattr(f->path, name, buf, size);
}

static int x_set(const struct xfile *f, const char *name, const void *value,
		 size_t size)
{
	if (f->fd >= 0)
		return fsetxattr(f->fd, name, value, size, 0);
	if (f->link)
		return lsetxattr(f->path, name, value, size, 0);
	return setxattr(f->path, name, value, size, 0);
}

static int x_remove(const struct xfile *f, const char *name)
{
	if (f->fd >= 0)
		return fremovexattr(f->fd, name);
	if (f->link)
		return lremovexattr(f->path, name);
	return removexattr(f->path, name);
}

/*
 * The value of one attribute, in a buffer to free, or NULL (errno set;
 * ENODATA: the file has none of that name).
 */
static void *x_value(const struct xfile *f, const char *name, size_t *size)
{
	ssize_t n, m;
	void *buf;

	for (;;) {
		n = x_get(f, name, NULL, 0);
		if (n < 0)
			return NULL;
		buf = co_xreallocarray(NULL, 1, n ? n : 1);
		m = x_get(f, name, buf, n);
		if (m >= 0) {
			*size = m;
			return buf;
		}
		free(buf);
		if (errno != ERANGE)	/* ERANGE: it grew meanwhile */
			return NULL;
	}
}

/*
 * The names GNU cp does not copy as extended attributes: those that
 * /etc/xattr.conf (libattr's list, which cp follows) marks "skip" or
 * "permissions" (ACLs, which go with the mode), and the SELinux context,
 * which goes with --preserve=context (keep_context).
 */
static bool xattr_skipped(const char *name)
{
	static char **patterns;
	static size_t nr;
	static bool loaded;
	char line[256], pat[128], action[64];
	size_t i;
	FILE *f;

	if (!strncmp(name, "system.posix_acl_", 17) ||
	    !strcmp(name, "security.selinux"))
		return true;
	if (!loaded) {
		loaded = true;
		f = fopen("/etc/xattr.conf", "re");
		while (f && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%127s %63s", pat, action) != 2 ||
			    pat[0] == '#' || (strcmp(action, "skip") &&
					      strcmp(action, "permissions")))
				continue;
			patterns = co_xreallocarray(patterns, nr + 1,
						    sizeof(*patterns));
			patterns[nr++] = co_xstrdup(pat);
		}
		if (f)
			fclose(f);
	}
	for (i = 0; i < nr; i++)
		if (!fnmatch(patterns[i], name, 0))
			return true;
	return false;
}

/*
 * A failure to keep an extended attribute counts, as GNU cp counts it,
 * only when "xattr" was asked for by name; with --preserve=all it is
 * reported unless the filesystem has no extended attributes, and with -a
 * not even that.  FMT has two %s: NAME (may be "") and PATH.
 */
static void xattr_failed(struct cp *cp, int err, const char *fmt,
			 const char *name, const char *path)
{
	char *msg;

	if (!(cp->preserve & PRESERVE_XATTR_NAMED) &&
	    (cp->archive || err == EOPNOTSUPP))
		return;
	msg = co_xasprintf(fmt, name, path);
	co_warn("%s: %s", msg, strerror(err));
	free(msg);
	if (cp->preserve & PRESERVE_XATTR_NAMED)
		cp->exit_code = CO_EXIT_FAIL;
}

/* --preserve=xattr: the source's extended attributes on the destination. */
static void keep_xattrs(struct cp *cp, const struct xfile *src,
			const struct xfile *dst)
{
	char *names = NULL, *name;
	ssize_t len;
	size_t size;
	void *value;

	for (;;) {
		len = x_list(src, NULL, 0);
		if (len <= 0)
			break;
		names = co_xreallocarray(NULL, 1, len);
		len = x_list(src, names, len);
		if (len >= 0 || errno != ERANGE)
			break;
		free(names);
		names = NULL;
	}
	if (len < 0) {
		xattr_failed(cp, errno, "listing attributes of %s'%s'", "",
			     src->path);
		free(names);
		return;
	}
	for (name = names; name && name < names + len;
	     name += strlen(name) + 1) {
		if (xattr_skipped(name))
			continue;
		value = x_value(src, name, &size);
		if (!value) {
			if (errno != ENODATA)
				xattr_failed(cp, errno,
					     "getting attribute '%s' of '%s'",
					     name, src->path);
			continue;
		}
		if (x_set(dst, name, value, size))
			xattr_failed(cp, errno, "setting attribute '%s' for '%s'",
				     name, dst->path);
		free(value);
	}
	free(names);
}

/*
 * With the mode, as GNU cp: the source's POSIX ACL (a directory's default
 * ACL too) through its xattr, or none where the source has none.
 */
static void keep_acl(struct cp *cp, const struct xfile *src,
		     const struct xfile *dst, const char *name)
{
	size_t size;
	void *value = x_value(src, name, &size);
	int err = 0;

	if (value) {
		if (x_set(dst, name, value, size))
			err = errno;
		free(value);
	} else if (errno == ENODATA || errno == EOPNOTSUPP) {
		if (x_remove(dst, name) && errno != ENODATA &&
		    errno != EOPNOTSUPP)
			err = errno;
	} else {
		err = errno;
	}
	if (err) {
		co_warn("preserving permissions for '%s': %s", dst->path,
			strerror(err));
		cp->exit_code = CO_EXIT_FAIL;
	}
}

/* SELinux is on when selinuxfs is mounted, as libselinux decides. */
#define SELINUX_MAGIC		0xf97cff8c
#define SELINUX_MNT		"/sys/fs/selinux"
#define XATTR_NAME_SELINUX	"security.selinux"

static bool selinux_enabled(void)
{
	struct statfs sfs;

	return !statfs(SELINUX_MNT, &sfs) && sfs.f_type == SELINUX_MAGIC;
}

/*
 * --preserve=context, -a, --preserve=all where SELinux is on: the source's
 * context, through its extended attribute (no libselinux: the kernel
 * checks the label).  A failure counts only when "context" was named, as
 * GNU cp counts it; with -a and all it is silent.
 */
static void keep_context(struct cp *cp, const struct xfile *src,
			 const struct xfile *dst)
{
	size_t size;
	void *value = x_value(src, XATTR_NAME_SELINUX, &size);
	int err = 0;

	if (!value)
		err = errno == ENODATA ? 0 : errno;
	else if (x_set(dst, XATTR_NAME_SELINUX, value, size))
		err = errno;
	free(value);
	if (err && (cp->preserve & PRESERVE_CONTEXT_NAMED)) {
		co_warn("failed to set the security context of '%s': %s",
			dst->path, strerror(err));
		cp->exit_code = CO_EXIT_FAIL;
	}
}

/*
 * -p and --preserve: the source's (st) ownership, extended attributes,
 * mode and times on the destination, open as fd or, with fd -1, at path
 * (a symbolic link itself when link).  Extended attributes and ACLs come
 * from the source open as sfd or at src (a symbolic link's own, as GNU cp
 * keeps them: only trusted.* and security.* can be there), unless src is
 * NULL.  Failures are reported and make the exit status 1 (but see
 * xattr_failed); the copy stays.
 */
static void keep_attributes(struct cp *cp, int fd, const char *path,
			    const struct stat *st, bool link, int sfd,
			    const char *src)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	mode_t mode = keep_owner(cp, fd, path, st);
	struct xfile sx = { sfd, src, link }, dx = { fd, path, link };
	int ret;

	/* after chown(2), which drops security.capability */
	if ((cp->preserve & PRESERVE_XATTR) && src)
		keep_xattrs(cp, &sx, &dx);
	if ((cp->preserve & PRESERVE_CONTEXT) && src)
		keep_context(cp, &sx, &dx);
	if ((cp->preserve & PRESERVE_MODE) && !link) {
		ret = fd >= 0 ? fchmod(fd, mode) : chmod(path, mode);
		if (ret) {
			co_warn("cannot preserve permissions of '%s': %s",
				path, strerror(errno));
			cp->exit_code = CO_EXIT_FAIL;
		}
		if (src)
			keep_acl(cp, &sx, &dx, XATTR_NAME_POSIX_ACL_ACCESS);
		if (src && S_ISDIR(st->st_mode))
			keep_acl(cp, &sx, &dx, XATTR_NAME_POSIX_ACL_DEFAULT);
	}
	if (cp->preserve & PRESERVE_TIMESTAMPS) {
		ret = fd >= 0 ? futimens(fd, times) :
		      utimensat(AT_FDCWD, path, times,
				link ? AT_SYMLINK_NOFOLLOW : 0);
		if (ret) {
			co_warn("cannot preserve times of '%s': %s", path,
				strerror(errno));
			cp->exit_code = CO_EXIT_FAIL;
		}
	}
}

/* --- regular files ------------------------------------------------------- */

/* Why a copy failed, in words a person can act on. */
static const char *copy_why(const struct cp *cp, int err)
{
	static char buf[128];

	if (cp->flags & COPYOFFLOAD_F_REQUIRE_SHARE) {
		snprintf(buf, sizeof(buf),
			 "cannot reflink (--reflink=always): %s", strerror(err));
		return buf;
	}
	if (err == EOPNOTSUPP && (cp->flags & COPYOFFLOAD_F_NO_FALLBACK))
		return "the copy could not be offloaded and --no-fallback forbids copying through the host (EOPNOTSUPP)";
	return NULL;
}

/*
 * --- how a file's data is copied ---
 *
 * The destination starts empty, and its size must reach the source's only
 * when the last bytes are there: a copy killed half-way (SIGKILL, a crash)
 * must never leave a file that looks complete.  The library and the module
 * may size the destination of a range before its data arrives (the module
 * grows a destination with holes, or about to be offloaded, with
 * fallocate first), so one request over the whole file cannot promise
 * that.  A file is therefore copied in three steps:
 *
 *   1. the body, [0, tail): in pieces of at least the module's batch (see
 *      copy_body), so that progress can be shown and the offload methods
 *      still get the work in the units they copy in;
 *   2. the tail, [tail, size): one more request, after the body is in.
 *      When the file ends in data, the tail is its last block (data only:
 *      nothing in it can be sized ahead); when it ends in a hole, the tail
 *      is that hole, which only sets the size, once every byte is there;
 *   3. anything past the size the source had when opened, read to EOF by
 *      the host, as cp does: files that report size 0 (/proc) or more or
 *      less than they hold (/sys), and files that grew meanwhile.
 */

/* Where the data of FD (SIZE bytes) ends, when it ends in a hole. */
static uint64_t data_end(int fd, uint64_t size, uint64_t blk)
{
	uint64_t back, start, end = 0;
	off_t d, h;

	/* the last data: look back from the end, twice as far each time */
	for (back = blk; ; back *= 2) {
		start = back < size ? size - back : 0;
		d = lseek(fd, start, SEEK_DATA);
		if (d >= 0)
			break;
		if (errno != ENXIO)
			return size;
		if (!start)
			return 0;	/* all hole */
	}
	while (d >= 0 && (uint64_t)d < size) {
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0)
			return size;
		end = h;
		d = lseek(fd, h, SEEK_DATA);
	}
	return end < size ? end : size;
}

/*
 * Where the tail of the source starts (see above); 0 for an empty file.
 * Its last block is a block of the filesystem (f_bsize), which is all data
 * or all hole, and where the body ends a clone may end; st_blksize may be
 * larger (xfs stripes, allocsize) and hold both.
 */
static uint64_t tail_start(int fd, const struct stat *st)
{
	uint64_t size = st->st_size, blk = 4096, tail;
	struct statfs sfs;

	if (!size)
		return 0;
	if (!fstatfs(fd, &sfs) && sfs.f_bsize > 0)
		blk = sfs.f_bsize;
	else if (st->st_blksize > 0)
		blk = st->st_blksize;
	if (lseek(fd, size - 1, SEEK_DATA) < 0 && errno == ENXIO)
		tail = data_end(fd, size, blk);
	else
		tail = (size - 1) / blk * blk;
	lseek(fd, 0, SEEK_SET);
	return tail;
}

/*
 * One request of one range at OFF (the same offset in both files), which
 * goes on from *done; returns 0 or a positive errno.  A short copy with
 * status OK means that the source ended: *done tells how far.
 */
static int copy_request(struct cp *cp, int sfd, int dfd, uint64_t off,
			uint64_t len, uint64_t flags, struct cp_entry *e,
			uint64_t *done)
{
	struct copyoffload_result res;
	struct copyoffload_range r;
	int ret;

	copyoffload_range_init(&r, sfd, off, dfd, off, len);
	ret = copyoffload_copy(cp->co, flags, &r, 1, &res);
	co_add_result(&e->res, &res);
	*done += r.bytes_done;
	co_progress_result(*done, &res);
	if (ret < 0)
		return -ret;
	if (r.status < 0)
		return -r.status;
	if (r.status != COPYOFFLOAD_STATUS_OK) {
		e->why = "the copy was not run";
		return EIO;
	}
	return 0;
}

/*
 * The body goes in pieces, each one request over [off, off + len).  The
 * module maps, locks, allocates and sends storage commands in batches of
 * 256 MiB (CO_BATCH) from the start of each data extent, one request or
 * many; a request that ended inside a batch would split it, and smaller
 * pieces would multiply those per-batch steps and the destination's
 * allocations.  So a piece is a power-of-two multiple of that batch, and
 * starts at a multiple of its own size: a dense file gets exactly the
 * batches one request would have got, and a piece costs one more ioctl
 * (microseconds) per 256 MiB, against 0.1 s and more of copying for any
 * method that moves data.  The size adapts to how fast the data moves:
 * a piece aims at CP_PIECE_AIM_NS, long enough to keep per-request costs
 * out of sight, short enough for a progress display that moves; it grows
 * at most twice per piece (a fast reflink), and only on data: a piece of
 * holes says nothing about the data after them.  It shrinks at once when
 * a piece took more than twice the aim (never under the batch: under
 * TCG, EXTENDED COPY moves about 130 MB/s, 2 s per batch).  Pieces cost
 * nothing measurable (README.md, "Progress"), so they are used always,
 * with or without a display: one way to copy, tested by every copy.
 * COPYOFFLOAD_CP_PIECE (bytes, or 0: one request for the body) fixes the
 * size, for measurements and tests.
 */
#define CP_PIECE_MIN	(256ULL << 20)
#define CP_PIECE_MAX	(64ULL << 30)
#define CP_PIECE_AIM_NS	500000000ULL

/* The length of the piece at DONE: up to the next multiple of SIZE. */
static uint64_t piece_len(uint64_t size, uint64_t done, uint64_t end)
{
	uint64_t next = (done / size + 1) * size;

	return (next < end ? next : end) - done;
}

/* The size after a piece of LEN bytes, DATA of them not holes, took NS. */
static uint64_t next_piece_size(uint64_t size, uint64_t len, uint64_t data,
				uint64_t ns)
{
	/* what a whole piece of data would take at this piece's pace */
	double t = (double)ns * size / (data ? data : 1);

	if (!data || len < size / 2)
		return size;	/* no pace to judge by */
	if (t < CP_PIECE_AIM_NS / 2)
		return size < CP_PIECE_MAX ? size * 2 : size;
	while (size > CP_PIECE_MIN && t > CP_PIECE_AIM_NS * 2) {
		size /= 2;
		t /= 2;
	}
	return size;
}

/*
 * Step 1: the body, [0, end), in pieces.  Stops as one request would: at
 * an error (returned), or at a piece cut short with status OK, which
 * means that the source ended (*done tells where).
 */
static int copy_body(struct cp *cp, int sfd, int dfd, uint64_t end,
		     struct cp_entry *e, uint64_t *done)
{
	uint64_t size = cp->piece ? cp->piece : CP_PIECE_MIN;
	uint64_t start, len, hole, t0;
	int err;

	while (*done < end) {
		len = cp->piece == CP_ONE_REQUEST ? end - *done :
		      piece_len(size, *done, end);
		start = *done;
		hole = e->res.method_bytes[COPYOFFLOAD_METHOD_HOLE];
		t0 = co_now_ns();
		err = copy_request(cp, sfd, dfd, start, len, cp->flags, e,
				   done);
		if (err || *done - start < len)
			return err;
		hole = e->res.method_bytes[COPYOFFLOAD_METHOD_HOLE] - hole;
		if (!cp->piece)
			size = next_piece_size(size, len, len - hole,
					       co_now_ns() - t0);
	}
	return 0;
}

/*
 * The tail goes through the same methods as the body, but never to storage
 * offload, which may size the file before writing the block; unless the
 * host must not see the data (--no-fallback), or only a reflink may copy.
 */
static uint64_t tail_flags(const struct cp *cp)
{
	uint64_t flags = cp->flags;

	if (flags & (COPYOFFLOAD_F_NO_FALLBACK | COPYOFFLOAD_F_REQUIRE_SHARE))
		return flags;
	return (flags & ~COPYOFFLOAD_F_OFFLOAD_MASK) | COPYOFFLOAD_F_OFFLOAD_NONE;
}

/* Errnos after which the host can still copy what a request would not. */
static bool host_can_serve(const struct cp *cp, int err)
{
	if (cp->flags & (COPYOFFLOAD_F_NO_FALLBACK | COPYOFFLOAD_F_REQUIRE_SHARE))
		return false;
	return err == EOPNOTSUPP || err == EINVAL || err == EXDEV;
}

static int write_all(int fd, const char *buf, size_t len, uint64_t off)
{
	ssize_t n;

	while (len) {
		n = pwrite(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		buf += n;
		len -= n;
		off += n;
	}
	return 0;
}

#define CP_READ_CHUNK	(1U << 20)

/*
 * Step 3: whatever the source still holds from *done on, read to EOF
 * through the host, counted as the library counts its read/write method.
 */
static int copy_rest(struct cp *cp, int sfd, int dfd, struct cp_entry *e,
		     uint64_t *done)
{
	unsigned int m = COPYOFFLOAD_LIB_METHOD_USERSPACE;
	int err = 0;
	ssize_t n;
	char *buf;

	if (cp->flags & COPYOFFLOAD_F_NO_FALLBACK) {
		char c;

		n = pread(sfd, &c, 1, *done);
		if (n <= 0)
			return n < 0 ? errno : 0;
		e->why = "the source holds more than its size says (a growing file, or one of /proc or /sys), which only the host can copy, and --no-fallback forbids it (EOPNOTSUPP)";
		return EOPNOTSUPP;
	}
	/* a FIFO, read without -r, has no offset to set */
	if (lseek(sfd, *done, SEEK_SET) < 0 && errno != ESPIPE)
		return errno;
	buf = malloc(CP_READ_CHUNK);
	if (!buf)
		return ENOMEM;
	for (;;) {
		n = read(sfd, buf, CP_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : 0;
			break;
		}
		err = write_all(dfd, buf, n, *done);
		if (err)
			break;
		*done += n;
		e->res.bytes_done += n;
		e->res.method_bytes[m] += n;
		co_progress_moved(*done, m, n);
	}
	free(buf);
	return err;
}

/*
 * Copy the source (st) into the empty destination, in the three steps
 * above; *done: the bytes in place from offset 0.  Returns 0 once every
 * byte up to the source's EOF is in, else a positive errno.
 */
static int copy_data(struct cp *cp, int sfd, int dfd, const struct stat *st,
		     struct cp_entry *e, uint64_t *done)
{
	uint64_t size = st->st_size, tail = tail_start(sfd, st);
	int err;

	*done = 0;
	e->res.no_module = !copyoffload_has_module(cp->co);
	co_progress_file(e->src, size);
	err = copy_body(cp, sfd, dfd, tail, e, done);
	if (err)
		return err;
	if (*done == tail && tail < size) {
		err = copy_request(cp, sfd, dfd, tail, size - tail,
				   tail_flags(cp), e, done);
		if (err && !host_can_serve(cp, err))
			return err;
		e->why = NULL;
	}
	return copy_rest(cp, sfd, dfd, e, done);
}

/*
 * The destination must hold what was copied and no more: a request cut
 * short by a shrinking source may have sized it further.
 */
static int check_size(int dfd, uint64_t done)
{
	struct stat st;

	if (fstat(dfd, &st))
		return errno;
	if ((uint64_t)st.st_size > done && ftruncate(dfd, done))
		return errno;
	return 0;
}

/* --sparse=never: every hole of the destination (SIZE bytes) written with zeroes. */
static int fill_holes(int fd, uint64_t size)
{
	char *zeroes = NULL;
	uint64_t len;
	off_t h = 0, d;
	int err = 0;

	while (!err && (uint64_t)h < size) {
		h = lseek(fd, h, SEEK_HOLE);
		if (h < 0 || (uint64_t)h >= size) {
			err = h < 0 ? errno : 0;
			break;
		}
		d = lseek(fd, h, SEEK_DATA);
		if (d < 0 && errno != ENXIO) {
			err = errno;
			break;
		}
		if (!zeroes) {
			zeroes = calloc(1, CP_READ_CHUNK);
			if (!zeroes)
				return ENOMEM;
		}
		for (d = d < 0 || (uint64_t)d > size ? (off_t)size : d; !err && h < d;
		     h += len) {
			len = d - h < CP_READ_CHUNK ? (uint64_t)(d - h) : CP_READ_CHUNK;
			err = write_all(fd, zeroes, len, h);
		}
	}
	free(zeroes);
	return err;
}

static bool all_zero(const char *buf, size_t len)
{
	return !len || (!buf[0] && !memcmp(buf, buf + 1, len - 1));
}

/*
 * --sparse=always: every whole block of zeroes (a block of the
 * destination's filesystem) in its data made a hole, as GNU cp makes them
 * while writing; the zeroes are looked for in the source (sfd), as GNU cp
 * looks for them, the destination being write-only.  Where holes cannot
 * be punched, the zeroes stay.
 */
static int punch_zeroes(int sfd, int fd, uint64_t size)
{
	uint64_t blk = 4096, off, end, run = 0, start = 0;
	struct statfs sfs;
	off_t d = 0, h;
	char *buf;
	ssize_t n;
	int err = 0;

	if (!fstatfs(fd, &sfs) && sfs.f_bsize > 0)
		blk = sfs.f_bsize;
	buf = malloc(blk);
	if (!buf)
		return ENOMEM;
	while (!err && (uint64_t)d < size) {
		d = lseek(fd, d, SEEK_DATA);
		if (d < 0) {
			err = errno == ENXIO ? 0 : errno;
			break;
		}
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0) {
			err = errno;
			break;
		}
		end = (uint64_t)h < size ? (uint64_t)h : size;
		for (off = d / blk * blk; !err && off + blk <= end; off += blk) {
			n = pread(sfd, buf, blk, off);
			if (n < 0) {
				err = errno;
			} else if ((uint64_t)n == blk && all_zero(buf, blk)) {
				if (!run)
					start = off;
				run += blk;
				continue;
			}
			if (run && fallocate(fd, FALLOC_FL_PUNCH_HOLE |
					     FALLOC_FL_KEEP_SIZE, start, run) &&
			    errno != EOPNOTSUPP)
				err = errno;
			run = 0;
		}
		if (!err && run && fallocate(fd, FALLOC_FL_PUNCH_HOLE |
					     FALLOC_FL_KEEP_SIZE, start, run) &&
		    errno != EOPNOTSUPP)
			err = errno;
		run = 0;
		d = h;
	}
	free(buf);
	return err;
}

static int open_dst(struct cp *cp, const char *dst, mode_t mode, bool *created)
{
	int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC;
	int fd;

	fd = open(dst, flags | O_EXCL, mode);
	*created = fd >= 0;
	if (fd >= 0 || errno != EEXIST)
		return fd;
	fd = open(dst, flags, mode);
	if (fd < 0 && cp->force && errno != EISDIR && !unlink(dst)) {
		fd = open(dst, flags | O_EXCL, mode);
		*created = fd >= 0;
	}
	return fd;
}

/*
 * A destination that is a symbolic link to nothing: GNU cp refuses to
 * create the file it points to (a trap in a directory others can write),
 * with -f too, unless POSIXLY_CORRECT asks for the POSIX behaviour.
 */
static bool dangling_symlink(const char *dst)
{
	struct stat st;

	if (getenv("POSIXLY_CORRECT"))
		return false;
	return !lstat(dst, &st) && S_ISLNK(st.st_mode) &&
	       stat(dst, &st) && errno == ENOENT;
}

/*
 * -n: an existing destination (of any type, a symbolic link too) is left
 * alone, without a word and with success, as GNU cp 9.1 does.
 */
static bool skip_existing(struct cp *cp, struct cp_entry *e)
{
	struct stat st;

	if (!cp->no_clobber || lstat(e->dst, &st))
		return false;
	e->skipped = true;
	report(cp, e, 0, NULL);
	return true;
}

static bool older(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * -u: a destination (followed when FOLLOW) that is not older than the
 * source (SRC_ST) is left alone, silently and with success, as GNU cp.
 */
static bool skip_newer(struct cp *cp, struct cp_entry *e,
		       const struct stat *src_st, bool follow)
{
	struct stat st;

	if (!cp->update || (follow ? stat(e->dst, &st) : lstat(e->dst, &st)))
		return false;
	if (S_ISDIR(st.st_mode) || older(&st.st_mtim, &src_st->st_mtim))
		return false;
	e->skipped = true;
	report(cp, e, 0, NULL);
	return true;
}

/* "rwxr-sr-t": the nine permission characters of ls -l for MODE. */
static void mode_string(mode_t mode, char s[10])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	for (i = 0; i < 9; i++)
		s[i] = mode & (0400 >> i) ? rwx[i] : '-';
	if (mode & S_ISUID)
		s[2] = s[2] == 'x' ? 's' : 'S';
	if (mode & S_ISGID)
		s[5] = s[5] == 'x' ? 's' : 'S';
	if (mode & S_ISVTX)
		s[8] = s[8] == 'x' ? 't' : 'T';
	s[9] = '\0';
}

/*
 * -i: before an existing non-directory is replaced, ask as GNU cp does, on
 * standard error, and read a line from standard input: one that starts
 * with y or Y goes on; anything else, or none, leaves the destination
 * alone, silently and with success.  A destination the caller may not
 * write (root may write any) is said to be "unwritable".  Returns true when the
 * entry was declined (and reported).
 */
static bool declined(struct cp *cp, struct cp_entry *e)
{
	char *line = NULL, perms[10];
	size_t size = 0;
	struct stat st;
	bool yes;

	if (!cp->interactive || lstat(e->dst, &st) || S_ISDIR(st.st_mode))
		return false;
	fflush(stdout);
	co_progress_clear();
	if (!S_ISLNK(st.st_mode) && geteuid() &&
	    faccessat(AT_FDCWD, e->dst, W_OK, AT_EACCESS)) {
		mode_string(st.st_mode, perms);
		fprintf(stderr, "%s: unwritable '%s' (mode %04o, %s); try anyway? ",
			co_prog, e->dst, (unsigned int)(st.st_mode & 07777),
			perms);
	} else {
		fprintf(stderr, "%s: overwrite '%s'? ", co_prog, e->dst);
	}
	fflush(stderr);
	yes = getline(&line, &size, stdin) > 0 &&
	      (line[0] == 'y' || line[0] == 'Y');
	free(line);
	if (yes)
		return false;
	e->skipped = true;
	report(cp, e, 0, NULL);
	return true;
}

/*
 * --remove-destination: an existing non-directory destination is removed
 * before the copy.  Returns true when that failed (and was reported).
 */
static bool remove_destination(struct cp *cp, struct cp_entry *e)
{
	struct stat st;

	if (!cp->remove_destination || lstat(e->dst, &st) ||
	    S_ISDIR(st.st_mode) || !unlink(e->dst) || errno == ENOENT)
		return false;
	e->msg = co_xasprintf("cannot remove '%s': %s", e->dst,
			      strerror(errno));
	report(cp, e, errno, NULL);
	return true;
}

static char *last_component(const char *path);

/*
 * --backup's name for DST: DST and the suffix (simple), or DST.~N~, N one
 * more than the highest such backup in its directory (numbered; existing
 * when there is one), as GNU cp names them.
 */
static char *backup_name(const struct cp *cp, const char *dst)
{
	const char *base = strrchr(dst, '/');
	unsigned long max = 0, n;
	struct dirent *de;
	char *dir, *end;
	size_t len;
	DIR *d;

	if (cp->backup == BACKUP_SIMPLE)
		return co_xasprintf("%s%s", dst, cp->suffix);
	base = base ? base + 1 : dst;
	dir = base > dst ? strndup(dst, base - dst) : co_xstrdup(".");
	len = strlen(base);
	d = dir ? opendir(dir) : NULL;
	while (d && (de = readdir(d))) {
		const char *p = de->d_name;

		if (strncmp(p, base, len) || strncmp(p + len, ".~", 2) ||
		    p[len + 2] < '1' || p[len + 2] > '9')
			continue;
		n = strtoul(p + len + 2, &end, 10);
		if (!strcmp(end, "~") && n > max)
			max = n;
	}
	if (d)
		closedir(d);
	free(dir);
	if (cp->backup == BACKUP_EXISTING && !max)
		return co_xasprintf("%s%s", dst, cp->suffix);
	return co_xasprintf("%s.~%lu~", dst, max + 1);
}

/*
 * GNU cp will not make a simple backup of DST when the source (st) is that
 * backup ("cp -b a~ a"): the backup would replace the source.
 */
static bool source_is_backup(const struct cp *cp, const struct cp_entry *e,
			     const struct stat *st)
{
	char *sbase = last_component(e->src), *dbase = last_component(e->dst);
	char *name = co_xasprintf("%s%s", dbase, cp->suffix);
	bool is = false;
	struct stat bst;

	if (!strcmp(sbase, name)) {
		free(name);
		name = co_xasprintf("%s%s", e->dst, cp->suffix);
		is = !stat(name, &bst) && bst.st_dev == st->st_dev &&
		     bst.st_ino == st->st_ino;
	}
	free(name);
	free(sbase);
	free(dbase);
	return is;
}

/*
 * --backup: an existing non-directory destination is renamed to its
 * backup name before the copy, which then makes a new file.  Returns true
 * when the entry failed (and was reported).
 */
static bool backup_destination(struct cp *cp, struct cp_entry *e,
			       const struct stat *src_st)
{
	struct stat st;
	char *name;
	int err;

	if (cp->backup == BACKUP_NONE || lstat(e->dst, &st) ||
	    S_ISDIR(st.st_mode))
		return false;
	name = backup_name(cp, e->dst);
	if (!strcmp(name + strlen(e->dst), cp->suffix) &&
	    source_is_backup(cp, e, src_st)) {
		free(name);
		e->msg = co_xasprintf("backing up '%s' might destroy source;  '%s' not copied",
				      e->dst, e->src);
		report(cp, e, -1, NULL);
		return true;
	}
	if (rename(e->dst, name)) {
		err = errno;
		free(name);
		if (err == ENOENT)
			return false;
		e->msg = co_xasprintf("cannot backup '%s': %s", e->dst,
				      strerror(err));
		report(cp, e, err, NULL);
		return true;
	}
	e->backup = name;
	return false;
}

static bool same_file(const char *dst, const struct stat *st)
{
	struct stat dst_st;

	return !stat(dst, &dst_st) && dst_st.st_dev == st->st_dev &&
	       dst_st.st_ino == st->st_ino;
}

/*
 * Copy a regular file whose source is open as sfd.  A destination created
 * here is removed when its copy fails; an existing one is cut to the bytes
 * actually copied, so a failed copy never looks complete.
 */
static void copy_fd(struct cp *cp, int sfd, const struct stat *st,
		    struct cp_entry *e)
{
	uint64_t done = 0;
	bool created;
	int dfd, err;

	/* --remove-destination: the link goes, nothing is written through */
	if (!cp->remove_destination && !cp->backup &&
	    dangling_symlink(e->dst)) {
		e->msg = co_xasprintf("not writing through dangling symlink '%s'",
				      e->dst);
		report(cp, e, -1, NULL);
		return;
	}
	if (skip_existing(cp, e))
		return;
	/* -b -f: the destination is backed up, the source read from there */
	if (same_file(e->dst, st) && !(cp->backup && cp->force)) {
		e->msg = co_xasprintf("'%s' and '%s' are the same file",
				      e->src, e->dst);
		report(cp, e, -1, NULL);
		return;
	}
	if (skip_newer(cp, e, st, true) || declined(cp, e) ||
	    backup_destination(cp, e, st) || remove_destination(cp, e))
		return;
	/*
	 * As cp without -p: a new file gets the source's permission bits
	 * without setuid, setgid and sticky (open() applies the umask); an
	 * existing one keeps its mode.
	 */
	/*
	 * Not under busy.lock: opening a FIFO waits for a reader, and the
	 * signal thread must still get the lock and end the run.
	 */
	dfd = open_dst(cp, e->dst, cp->no_preserve_mode ? 0666 :
		       st->st_mode & 0777, &created);
	if (dfd >= 0)
		set_busy(e->dst, created);
	if (dfd < 0) {
		report(cp, e, errno, NULL);
		return;
	}
	err = copy_data(cp, sfd, dfd, st, e, &done);
	if (!err)
		err = check_size(dfd, done);
	if (!err && cp->sparse == SPARSE_NEVER)
		err = fill_holes(dfd, done);
	else if (!err && cp->sparse == SPARSE_ALWAYS)
		err = punch_zeroes(sfd, dfd, done);
	if (!err && cp->preserve)
		keep_attributes(cp, dfd, e->dst, st, false, sfd, e->src);
	if (err && !created && ftruncate(dfd, done))
		co_warn("cannot truncate '%s': %s", e->dst, strerror(errno));
	if (close(dfd) && !err)
		err = errno;
	if (err && created)
		unlink(e->dst);
	set_busy(NULL, false);
	report(cp, e, err, e->why ? e->why : err ? copy_why(cp, err) : NULL);
}

static void copy_file(struct cp *cp, struct cp_entry *e)
{
	struct stat st;
	int sfd, err;

	sfd = open(e->src, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (sfd < 0) {
		err = errno;
		e->msg = co_xasprintf("cannot open '%s' for reading: %s",
				      e->src, strerror(err));
		report(cp, e, err, NULL);
		return;
	}
	if (fstat(sfd, &st))
		report(cp, e, errno, NULL);
	else
		copy_fd(cp, sfd, &st, e);
	close(sfd);
}

/* --- hard links ----------------------------------------------------------- */

static int cmp_copied(const void *a, const void *b)
{
	const struct copied *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/*
 * --preserve=links, as GNU cp: a source file met more than once, through
 * several hard links or (with -L, or -H on operands) through symbolic
 * links, is copied once, and later meetings become hard links to that
 * copy.  Which sources may be met again.
 */
static bool may_meet_again(const struct cp *cp, const struct stat *st,
			   int deref, bool operand)
{
	if (!(cp->preserve & PRESERVE_LINKS) || S_ISDIR(st->st_mode) ||
	    cp->hard_link)
		return false;
	return st->st_nlink > 1 || deref == DEREF_ALWAYS ||
	       (deref == DEREF_OPERANDS && operand);
}

/* Where the source (st) was copied to before in this run, or NULL. */
static const char *copied_before(const struct cp *cp, const struct stat *st)
{
	struct copied key = { .dev = st->st_dev, .ino = st->st_ino };
	struct copied **found = tfind(&key, &cp->copied, cmp_copied);

	return found ? (*found)->dst : NULL;
}

static void remember_copy(struct cp *cp, const struct stat *st,
			  const char *dst)
{
	struct copied *c = co_xreallocarray(NULL, 1, sizeof(*c));

	c->dev = st->st_dev;
	c->ino = st->st_ino;
	c->dst = co_xstrdup(dst);
	if (!tsearch(c, &cp->copied, cmp_copied)) {
		co_warn("out of memory");
		exit(CO_EXIT_FAIL);
	}
}

/*
 * The destination becomes one more link to EARLIER, the copy of the same
 * source; an existing non-directory there is replaced, as GNU cp does.
 */
static void link_copy(struct cp *cp, struct cp_entry *e, const char *earlier,
		      const struct stat *src_st)
{
	struct stat st, earlier_st;
	int err = 0;

	e->type = "hardlink";
	/* the same source given twice: its copy is already there */
	if (!lstat(e->dst, &st) && !lstat(earlier, &earlier_st) &&
	    st.st_dev == earlier_st.st_dev && st.st_ino == earlier_st.st_ino) {
		report(cp, e, 0, NULL);
		return;
	}
	if (skip_existing(cp, e) || declined(cp, e) ||
	    backup_destination(cp, e, src_st))
		return;
	if (link(earlier, e->dst)) {
		err = errno;
		if (err == EEXIST && !lstat(e->dst, &st) &&
		    !S_ISDIR(st.st_mode) && !unlink(e->dst))
			err = link(earlier, e->dst) ? errno : 0;
	}
	if (err)
		e->msg = co_xasprintf("cannot create hard link '%s' to '%s': %s",
				      e->dst, earlier, strerror(err));
	report(cp, e, err, NULL);
}

/* --- -l and -s ---------------------------------------------------------- */

/* A name with no character a shell would mind is printed bare (quotef). */
static char *quotef(const char *name)
{
	if (*name && !name[strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-.,/:=@%^")])
		return co_xstrdup(name);
	return co_xasprintf("'%s'", name);
}

/*
 * Whether PATH names an entry of the current directory: its directory is
 * "." or the same directory (true, too, when either cannot be stat'ed:
 * then the link itself fails, as in GNU cp).
 */
static bool in_current_dir(const char *path)
{
	char *dir = co_xstrdup(path), *slash = strrchr(dir, '/');
	struct stat dot, parent;
	bool in;

	while (slash && slash > dir && slash[1] == '\0') {
		*slash = '\0';		/* "a/b/" is "b" in "a" */
		slash = strrchr(dir, '/');
	}
	if (!slash)
		strcpy(dir, ".");
	else
		*(slash == dir ? slash + 1 : slash) = '\0';
	in = !strcmp(dir, ".") || stat(".", &dot) || stat(dir, &parent) ||
	     (dot.st_dev == parent.st_dev && dot.st_ino == parent.st_ino);
	free(dir);
	return in;
}

static int make_link(const struct cp *cp, const struct cp_entry *e,
		     bool follow)
{
	if (cp->symbolic_link)
		return symlink(e->src, e->dst) ? errno : 0;
	return linkat(AT_FDCWD, e->src, AT_FDCWD, e->dst,
		      follow ? AT_SYMLINK_FOLLOW : 0) ? errno : 0;
}

/*
 * -l and -s, as GNU cp: a non-directory source (st, followed when FOLLOW)
 * becomes a hard link, or a symbolic link holding SRC as given, at DST;
 * no attribute is set.  A relative SRC makes a symbolic link only in the
 * current directory.  A DST that is SRC already is fine for -l and an
 * error for -s; another existing one is an error ("File exists") unless
 * -f or --remove-destination removes it, or -n, -u or -i leave it alone
 * (GNU cp 9.1 replaces it after a yes to -i for -l, not for -s).
 */
static void link_source(struct cp *cp, struct cp_entry *e,
			const struct stat *st, bool follow)
{
	bool exists, replace = cp->force;
	struct stat dst_st;
	char *name;
	int err;

	e->type = cp->symbolic_link ? "symlink" : "hardlink";
	exists = !lstat(e->dst, &dst_st);
	if (exists && dst_st.st_dev == st->st_dev &&
	    dst_st.st_ino == st->st_ino) {
		if (cp->hard_link) {
			report(cp, e, 0, NULL);
			return;
		}
		e->msg = co_xasprintf("'%s' and '%s' are the same file",
				      e->src, e->dst);
		report(cp, e, -1, NULL);
		return;
	}
	if (cp->symbolic_link && e->src[0] != '/' &&
	    !in_current_dir(e->dst)) {
		name = quotef(e->dst);
		e->msg = co_xasprintf("%s: can make relative symbolic links only in current directory",
				      name);
		free(name);
		report(cp, e, -1, NULL);
		return;
	}
	if (skip_existing(cp, e) || skip_newer(cp, e, st, false) ||
	    declined(cp, e) || backup_destination(cp, e, st) ||
	    remove_destination(cp, e))
		return;
	if (cp->interactive && cp->hard_link && exists)
		replace = true;		/* not declined: a yes */
	err = make_link(cp, e, follow);
	if (err == EEXIST && replace && !lstat(e->dst, &dst_st) &&
	    !S_ISDIR(dst_st.st_mode) && !unlink(e->dst))
		err = make_link(cp, e, follow);
	if (err)
		e->msg = co_xasprintf("cannot create %s link '%s' to '%s': %s",
				      cp->symbolic_link ? "symbolic" : "hard",
				      e->dst, e->src, strerror(err));
	report(cp, e, err, NULL);
}

/* --- special files ------------------------------------------------------- */

static int make_special(const char *path, const struct stat *st, mode_t mode)
{
	if (S_ISFIFO(st->st_mode))
		return mkfifo(path, mode);
	return mknod(path, (st->st_mode & S_IFMT) | mode, st->st_rdev);
}

/*
 * With -r, as GNU cp: a FIFO is made anew with mkfifo, a device or a
 * socket with mknod (a device only where the caller may: CAP_MKNOD), with
 * the source's mode, setuid, setgid and sticky too, less the umask; an
 * existing non-directory is replaced.
 */
static void copy_special(struct cp *cp, struct cp_entry *e,
			 const struct stat *st)
{
	/* --no-preserve=mode keeps setuid, setgid and sticky, as GNU cp */
	mode_t mode = (st->st_mode & 07000) |
		      (cp->no_preserve_mode ? 0666 : st->st_mode & 0777);
	struct stat dst_st;
	int err = 0;

	e->type = "special";
	if (skip_existing(cp, e) || skip_newer(cp, e, st, false) ||
	    declined(cp, e) || backup_destination(cp, e, st))
		return;
	if (make_special(e->dst, st, mode)) {
		err = errno;
		if (err == EEXIST && !lstat(e->dst, &dst_st) &&
		    !S_ISDIR(dst_st.st_mode) && !unlink(e->dst))
			err = make_special(e->dst, st, mode) ? errno : 0;
	}
	if (err)
		e->msg = co_xasprintf("cannot create %s '%s': %s",
				      S_ISFIFO(st->st_mode) ? "fifo" :
				      "special file", e->dst, strerror(err));
	else if (cp->preserve)
		keep_attributes(cp, -1, e->dst, st, false, -1, e->src);
	report(cp, e, err, NULL);
}

/* --- symbolic links and directories -------------------------------------- */

/* An existing non-directory destination is replaced, as cp -r does. */
static void copy_symlink(struct cp *cp, struct cp_entry *e,
			 const struct stat *src_st)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int err = 0;

	if (skip_existing(cp, e) || skip_newer(cp, e, src_st, false) ||
	    declined(cp, e) || backup_destination(cp, e, src_st))
		return;
	n = readlink(e->src, target, sizeof(target) - 1);
	if (n < 0) {
		report(cp, e, errno, NULL);
		return;
	}
	target[n] = '\0';
	if (symlink(target, e->dst)) {
		err = errno;
		if (err == EEXIST && !lstat(e->dst, &st) &&
		    !S_ISDIR(st.st_mode) && !unlink(e->dst))
			err = symlink(target, e->dst) ? errno : 0;
	}
	if (!err && cp->preserve)
		keep_attributes(cp, -1, e->dst, src_st, true, -1, e->src);
	report(cp, e, err, NULL);
}

static void copy_path(struct cp *cp, const char *src, const char *dst,
		      bool operand);

static void copy_children(struct cp *cp, struct cp_entry *e)
{
	struct dirent **names;
	char *s, *d;
	int i, n, err;

	n = scandir(e->src, &names, NULL, alphasort);
	if (n < 0) {
		err = errno;
		e->msg = co_xasprintf("cannot read directory '%s': %s", e->src,
				      strerror(err));
		report(cp, e, err, NULL);
		return;
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (strcmp(name, ".") && strcmp(name, "..")) {
			s = co_xasprintf("%s/%s", e->src, name);
			d = co_xasprintf("%s/%s", e->dst, name);
			copy_path(cp, s, d, false);
			free(s);
			free(d);
		}
		free(names[i]);
	}
	free(names);
}

/*
 * A new directory gets the source's mode less the umask, as with cp: the
 * sticky bit stays, setuid and setgid do not (setgid may come from the
 * parent, as mkdir gives it).
 */
static void copy_dir(struct cp *cp, struct cp_entry *e, const struct stat *st)
{
	mode_t mode = cp->no_preserve_mode ?
		      (st->st_mode & S_ISVTX) | (0777 & ~cp->umask) :
		      st->st_mode & (0777 | S_ISVTX) & ~cp->umask;
	bool created = false;
	struct stat dst_st;

	if (stat(e->dst, &dst_st)) {
		if (mkdir(e->dst, mode | 0700)) {
			report(cp, e, errno, NULL);
			return;
		}
		created = true;
	} else if (!S_ISDIR(dst_st.st_mode)) {
		report(cp, e, ENOTDIR, "cannot overwrite non-directory with directory");
		return;
	}
	report(cp, e, 0, NULL);
	cp->ancestors = co_xreallocarray(cp->ancestors, cp->depth + 1,
					 sizeof(*cp->ancestors));
	cp->ancestors[cp->depth++] = (struct file_id){ st->st_dev, st->st_ino };
	/* -x: a directory on another filesystem is made, but left empty */
	if (!cp->one_file_system || cp->depth < 2 ||
	    cp->ancestors[cp->depth - 2].dev == st->st_dev)
		copy_children(cp, e);
	cp->depth--;
	/* written into with u+rwx; now the mode it should have */
	if (cp->preserve) {
		if (created && !(cp->preserve & PRESERVE_MODE) &&
		    (mode & 0700) != 0700)
			chmod(e->dst, mode);
		keep_attributes(cp, -1, e->dst, st, false, -1, e->src);
	} else if (created && (mode & 0700) != 0700 && chmod(e->dst, mode)) {
		co_warn("cannot set permissions of '%s': %s", e->dst,
			strerror(errno));
		cp->exit_code = CO_EXIT_FAIL;
	}
}

/* The last component of a path, trailing slashes ignored ("a/b/" -> "b"). */
static char *last_component(const char *path)
{
	size_t end = strlen(path), start;
	char *s;

	while (end > 1 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	s = strndup(path + start, end - start);
	if (!s)
		s = co_xstrdup("");
	return s;
}

/* Where DST would be: true if inside (or at) directory SRC. */
static bool dst_inside_src(const char *src, const char *dst)
{
	char *rsrc = realpath(src, NULL), *rdst = realpath(dst, NULL);
	bool inside = false;
	size_t n;

	if (!rdst) {
		char *dir = co_xstrdup(dst), *slash = strrchr(dir, '/');
		char *parent, *name = last_component(dst);

		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		parent = realpath(slash ? dir : ".", NULL);
		if (parent)
			rdst = co_xasprintf("%s/%s", parent, name);
		free(parent);
		free(name);
		free(dir);
	}
	if (rsrc && rdst) {
		n = strlen(rsrc);
		inside = !strncmp(rsrc, rdst, n) &&
			 (rdst[n] == '/' || rdst[n] == '\0' || n == 1);
	}
	free(rsrc);
	free(rdst);
	return inside;
}

/* -L: a directory being copied (ST) met again inside itself. */
static bool is_ancestor(const struct cp *cp, const struct stat *st)
{
	size_t i;

	for (i = 0; i < cp->depth; i++)
		if (cp->ancestors[i].dev == st->st_dev &&
		    cp->ancestors[i].ino == st->st_ino)
			return true;
	return false;
}

static void copy_dir_path(struct cp *cp, struct cp_entry *e,
			  const struct stat *st, bool operand)
{
	e->type = "directory";
	if (cp->recursive && is_ancestor(cp, st)) {
		e->msg = co_xasprintf("cannot copy cyclic symbolic link '%s'",
				      e->src);
		report(cp, e, -1, NULL);
		return;
	}
	if (!cp->recursive) {
		e->msg = co_xasprintf("-r not specified; omitting directory '%s'", e->src);
		report(cp, e, EISDIR, NULL);
	} else if (operand && dst_inside_src(e->src, e->dst)) {
		e->msg = co_xasprintf("cannot copy a directory, '%s', into itself, '%s'", e->src, e->dst);
		report(cp, e, -1, NULL);
	} else {
		copy_dir(cp, e, st);
	}
}

/*
 * Copy one path of any type.  A symbolic link is followed as GNU cp does:
 * with -L always, with -H when it is a command-line operand, with -P
 * never; by default as -H without -r and as -P with -r.
 */
static int effective_deref(const struct cp *cp)
{
	if (cp->deref != DEREF_DEFAULT)
		return cp->deref;
	/* as GNU cp 9.1: -r -l follows them all */
	return cp->recursive && !cp->hard_link ? DEREF_NEVER : DEREF_ALWAYS;
}

/* Stat SRC, following a symbolic link as -L, -H and -P say. */
static int stat_source(const struct cp *cp, const char *src, bool operand,
		       struct stat *st, bool *follow)
{
	int deref = effective_deref(cp);

	*follow = deref == DEREF_ALWAYS || (deref == DEREF_OPERANDS && operand);
	return *follow ? stat(src, st) : lstat(src, st);
}

static void copy_path(struct cp *cp, const char *src, const char *dst,
		      bool operand)
{
	struct cp_entry e = { .src = src, .dst = dst, .type = "unknown" };
	int deref = effective_deref(cp);
	const char *earlier = NULL;
	struct stat st;
	bool follow;
	int err;

	if (stat_source(cp, src, operand, &st, &follow)) {
		err = errno;
		e.msg = co_xasprintf("cannot stat '%s': %s", src,
				     strerror(err));
		report(cp, &e, err, NULL);
		return;
	}
	if (may_meet_again(cp, &st, deref, operand))
		earlier = copied_before(cp, &st);
	if (earlier) {
		link_copy(cp, &e, earlier, &st);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		copy_dir_path(cp, &e, &st, operand);
	} else if (cp->hard_link || cp->symbolic_link) {
		link_source(cp, &e, &st, follow);
	} else if (S_ISLNK(st.st_mode)) {
		e.type = "symlink";
		copy_symlink(cp, &e, &st);
	} else if (S_ISREG(st.st_mode) || !cp->recursive) {
		/* without -r, a FIFO's or a device's data, as GNU cp */
		e.type = "file";
		copy_file(cp, &e);
	} else {
		copy_special(cp, &e, &st);
	}
	if (!e.err && !e.skipped && may_meet_again(cp, &st, deref, operand))
		remember_copy(cp, &st, dst);
}

/* --- operands ------------------------------------------------------------ */

/*
 * A source named again (the same file under the same name in the same
 * directory: "a" and "./a", "d" and "d/") is left alone with a warning,
 * as GNU cp does; the run still succeeds.  Otherwise it is remembered.
 */
static bool named_twice(struct cp *cp, const char *src)
{
	struct operand op = { .name = last_component(src) };
	struct cp_entry e = { .src = src, .dst = "", .skipped = true };
	char *dir = co_xstrdup(src), *slash;
	struct stat st, parent;
	bool follow;
	size_t i;

	/* the directory that holds the name ("a/b/": "a") */
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	if (stat_source(cp, src, true, &st, &follow) || stat(dir, &parent)) {
		free(dir);
		free(op.name);
		return false;	/* copy_path reports it */
	}
	free(dir);
	op.file = (struct file_id){ st.st_dev, st.st_ino };
	op.parent = (struct file_id){ parent.st_dev, parent.st_ino };
	for (i = 0; i < cp->nr_operands; i++) {
		const struct operand *o = &cp->operands[i];

		if (o->file.dev == op.file.dev && o->file.ino == op.file.ino &&
		    o->parent.dev == op.parent.dev &&
		    o->parent.ino == op.parent.ino && !strcmp(o->name, op.name))
			break;
	}
	if (i < cp->nr_operands) {
		free(op.name);
		co_warn("warning: source %s '%s' specified more than once",
			S_ISDIR(st.st_mode) ? "directory" : "file", src);
		e.type = S_ISDIR(st.st_mode) ? "directory" : "file";
		report(cp, &e, 0, NULL);
		return true;
	}
	cp->operands = co_xreallocarray(cp->operands, cp->nr_operands + 1,
					sizeof(*cp->operands));
	cp->operands[cp->nr_operands++] = op;
	return false;
}

/* --parents: a directory made for a source's name, and its source. */
struct parent {
	char *src, *dst;
	struct stat st;
	mode_t mode;
};

/*
 * --parents, as GNU cp: the directories named in SRC (symbolic links
 * followed) that DIR lacks are made, with the source's mode less setuid,
 * setgid and the umask (written into with u+rwx until the copy is in),
 * and said with -v.  Returns false when one cannot be (reported); *made
 * (*nr) holds those made.
 */
static bool make_parents(struct cp *cp, const char *src, const char *dir,
			 struct parent **made, size_t *nr)
{
	struct cp_entry e = { .src = src, .type = "directory" };
	const char *slash;
	struct stat st;
	char *s, *d;
	mode_t mode;
	int err;

	for (slash = src; (slash = strchr(slash + 1, '/')); ) {
		if (!slash[strspn(slash, "/")])
			break;		/* "a/b/": b is the source itself */
		s = strndup(src, slash - src);
		if (!s)
			s = co_xstrdup("");
		d = co_xasprintf("%s/%s", dir, s + strspn(s, "/"));
		e.dst = d;
		if (!stat(d, &st)) {
			if (!S_ISDIR(st.st_mode)) {
				e.msg = co_xasprintf("'%s' exists but is not a directory",
						     d);
				report(cp, &e, ENOTDIR, NULL);
				goto fail;
			}
		} else if (stat(s, &st)) {
			err = errno;
			e.msg = co_xasprintf("failed to get attributes of '%s': %s",
					     s, strerror(err));
			report(cp, &e, err, NULL);
			goto fail;
		} else {
			mode = cp->no_preserve_mode ? 0777 & ~cp->umask :
			       st.st_mode & (0777 | S_ISVTX) & ~cp->umask;
			if (mkdir(d, mode | 0700)) {
				err = errno;
				e.msg = co_xasprintf("cannot make directory '%s': %s",
						     d, strerror(err));
				report(cp, &e, err, NULL);
				goto fail;
			}
			if (cp->verbose && !cp->json) {
				printf("%s -> %s\n", s, d);
				fflush(stdout);
			}
			*made = co_xreallocarray(*made, *nr + 1,
						 sizeof(**made));
			(*made)[(*nr)++] = (struct parent){ s, d, st, mode };
			continue;
		}
		free(s);
		free(d);
		while (slash[1] == '/')
			slash++;
	}
	return true;
fail:
	free(s);
	free(d);
	return false;
}

/*
 * After the copy, the directories --parents made get their mode (with -p,
 * every attribute --preserve asks for), deepest first, as GNU cp.
 */
static void finish_parents(struct cp *cp, struct parent *made, size_t nr)
{
	while (nr--) {
		struct parent *p = &made[nr];

		if (cp->preserve)
			keep_attributes(cp, -1, p->dst, &p->st, false, -1,
					p->src);
		if ((!cp->preserve || !(cp->preserve & PRESERVE_MODE)) &&
		    (p->mode & 0700) != 0700 && chmod(p->dst, p->mode)) {
			co_warn("cannot set permissions of '%s': %s", p->dst,
				strerror(errno));
			cp->exit_code = CO_EXIT_FAIL;
		}
		free(p->src);
		free(p->dst);
	}
	free(made);
}

static void copy_into(struct cp *cp, const char *src, const char *dir)
{
	struct parent *made = NULL;
	char *name, *dst;
	size_t nr = 0;

	if (named_twice(cp, src))
		return;
	if (cp->parents) {
		/* the whole name of the source under DIR */
		if (make_parents(cp, src, dir, &made, &nr)) {
			dst = co_xasprintf("%s/%s", dir, src + strspn(src, "/"));
			while (strlen(dst) > 1 && dst[strlen(dst) - 1] == '/')
				dst[strlen(dst) - 1] = '\0';
			copy_path(cp, src, dst, true);
			free(dst);
		}
		finish_parents(cp, made, nr);
		return;
	}
	name = last_component(src);
	dst = co_xasprintf("%s/%s", dir, name);
	copy_path(cp, src, dst, true);
	free(dst);
	free(name);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int copy_operands(struct cp *cp, char **ops, int n, const char *target,
			 bool no_target)
{
	struct stat st;
	int i;

	if (!target && n == 2 && (no_target || !is_dir(ops[1]))) {
		if (cp->parents) {
			/* a usage error, which cp too exits 1 for */
			co_usage_error(NULL, "with --parents, the destination must be a directory");
			return CO_EXIT_FAIL;
		}
		copy_path(cp, ops[0], ops[1], true);
		return cp->exit_code;
	}
	if (!target)
		target = ops[--n];
	if (!is_dir(target)) {
		if (stat(target, &st))
			co_warn("target '%s': %s", target, strerror(errno));
		else
			co_warn("target '%s' is not a directory", target);
		return CO_EXIT_FAIL;
	}
	for (i = 0; i < n; i++)
		copy_into(cp, ops[i], target);
	return cp->exit_code;
}

#define PRESERVE_VALID "'mode', 'ownership', 'timestamps', 'links', 'context', 'xattr', 'all'"

static int bad_argument(const char *option, const char *arg,
			const char *valid)
{
	return co_usage_error(NULL, "invalid argument '%s' for '--%s'\n"
			      "Valid arguments are: %s", arg, option, valid);
}

/*
 * An argument among NAMES (values in VALUES), or an unambiguous
 * abbreviation of one, as GNU's argmatch takes it: -1 when invalid, -2
 * when ambiguous.
 */
/*
 * The quotes of GNU's argmatch messages (gnulib's quote()): curly in a
 * UTF-8 locale, else ASCII.
 */
static bool utf8_locale(void)
{
	static int utf8 = -1;

	if (utf8 < 0) {
		setlocale(LC_CTYPE, "");
		utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
		setlocale(LC_CTYPE, "C");
	}
	return utf8;
}

#define LQ	(utf8_locale() ? "\u2018" : "'")
#define RQ	(utf8_locale() ? "\u2019" : "'")

static int match_arg(const char *arg, const char *const *names,
		     const int *values, size_t n)
{
	size_t i, len = strlen(arg);
	int found = -1;

	for (i = 0; i < n; i++) {
		if (!strcmp(arg, names[i]))
			return values[i];
		if (!strncmp(arg, names[i], len)) {
			if (found >= 0 && found != values[i])
				return -2;
			found = values[i];
		}
	}
	return len ? found : -1;
}

static const char *const backup_names[] = {
	"none", "off", "simple", "never", "existing", "nil", "numbered", "t",
};
static const int backup_values[] = {
	BACKUP_NONE, BACKUP_NONE, BACKUP_SIMPLE, BACKUP_SIMPLE,
	BACKUP_EXISTING, BACKUP_EXISTING, BACKUP_NUMBERED, BACKUP_NUMBERED,
};

/*
 * -b, --backup[=CONTROL], -S: CONTROL, else VERSION_CONTROL, else
 * existing; the suffix: -S, else SIMPLE_BACKUP_SUFFIX, else "~" (also for
 * an empty one or one with a slash), as GNU cp.
 */
static int parse_backup(struct cp *cp, const char *control,
			const char *suffix)
{
	const char *what = "backup type";
	int type;

	if (!control) {
		control = getenv("VERSION_CONTROL");
		what = "$VERSION_CONTROL";
	}
	type = control ? match_arg(control, backup_names, backup_values,
				   ARRAY_SIZE(backup_names)) : BACKUP_EXISTING;
	if (type < 0)
		return co_usage_error(NULL, "%s argument %s%s%s for %s%s%s\n"
				      "Valid arguments are:\n"
				      "  - %snone%s, %soff%s\n"
				      "  - %ssimple%s, %snever%s\n"
				      "  - %sexisting%s, %snil%s\n"
				      "  - %snumbered%s, %st%s",
				      type == -2 ? "ambiguous" : "invalid",
				      LQ, control, RQ, LQ, what, RQ,
				      LQ, RQ, LQ, RQ, LQ, RQ, LQ, RQ,
				      LQ, RQ, LQ, RQ, LQ, RQ, LQ, RQ);
	cp->backup = type;
	if (!suffix)
		suffix = getenv("SIMPLE_BACKUP_SUFFIX");
	cp->suffix = suffix && *suffix && !strchr(suffix, '/') ? suffix : "~";
	return 0;
}

static int parse_sparse(struct cp *cp, const char *arg)
{
	static const char *const names[] = { "never", "auto", "always" };
	static const int values[] = { SPARSE_NEVER, SPARSE_AUTO,
				      SPARSE_ALWAYS };
	int v = match_arg(arg, names, values, ARRAY_SIZE(names));

	if (v < 0)
		return co_usage_error(NULL, "%s argument %s%s%s for %s--sparse%s\n"
				      "Valid arguments are:\n"
				      "  - %snever%s\n"
				      "  - %sauto%s\n"
				      "  - %salways%s",
				      v == -2 ? "ambiguous" : "invalid",
				      LQ, arg, RQ, LQ, RQ, LQ, RQ, LQ, RQ,
				      LQ, RQ);
	cp->sparse = v;
	return 0;
}

/* --progress=SECONDS: a decimal number of seconds, up to a day */
static int parse_delay(const char *arg, uint64_t *ns)
{
	char *end;
	double s;

	*ns = CO_PROGRESS_DELAY_NS;
	if (!arg)
		return 0;
	errno = 0;
	s = strtod(arg, &end);
	if (errno || end == arg || *end || !(s >= 0 && s <= 86400))
		return -EINVAL;
	*ns = s * 1e9;
	return 0;
}

/*
 * By default progress is shown where a person sees it: when standard
 * error is a terminal.  --progress forces it elsewhere too, as a log (a
 * line per update: redrawing in place would leave a file or a pipe full of
 * carriage returns); --json (on standard output) and -q (the module's
 * note) change nothing.  The numbers are per file; with several sources
 * or -r, the files done are counted too (no pre-scan of the sizes: it
 * would cost a walk of the whole tree before the first byte moves).
 */
static void start_progress(const struct cp *cp, int sources)
{
	enum co_progress_mode mode = CO_PROGRESS_OFF;
	bool tty = isatty(STDERR_FILENO);

	if (cp->progress == 1)
		mode = tty ? CO_PROGRESS_TTY : CO_PROGRESS_LINES;
	else if (cp->progress == -1 && tty)
		mode = CO_PROGRESS_TTY;
	co_warn_hook = co_progress_clear;
	co_progress_start(mode, cp->progress_delay_ns,
			  cp->recursive || sources > 1);
}

static int parse_options(struct cp *cp, int argc, char **argv,
			 const char **target, bool *no_target)
{
	const char *control = NULL, *suffix = NULL;
	bool backup = false;
	unsigned int bits;
	uint64_t flag;
	int c;

	while ((c = getopt_long(argc, argv, "rRLHPabdfilnpst:TuvqS:x", cp_options,
				NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'R':
			cp->recursive = true;
			break;
		case 'L':
			cp->deref = DEREF_ALWAYS;
			break;
		case 'H':
			cp->deref = DEREF_OPERANDS;
			break;
		case 'P':
			cp->deref = DEREF_NEVER;
			break;
		case 'd':
			cp->deref = DEREF_NEVER;
			cp->preserve |= PRESERVE_LINKS;
			break;
		case 'a':
			cp->recursive = true;
			cp->deref = DEREF_NEVER;
			cp->preserve |= PRESERVE_ALL;
			cp->archive = true;
			break;
		case 'f':
			cp->force = true;
			break;
		case 'n':		/* the last of -i and -n counts */
			cp->no_clobber = true;
			cp->interactive = false;
			break;
		case 'i':
			cp->interactive = true;
			cp->no_clobber = false;
			break;
		case 'u':
			cp->update = true;
			break;
		case 'l':
			cp->hard_link = true;
			break;
		case 's':
			cp->symbolic_link = true;
			break;
		case OPT_REMOVE_DESTINATION:
			cp->remove_destination = true;
			break;
		case 'b':
			backup = true;
			break;
		case OPT_BACKUP:
			backup = true;
			if (optarg)
				control = optarg;
			break;
		case 'S':
			backup = true;
			suffix = optarg;
			break;
		case 'x':
			cp->one_file_system = true;
			break;
		case OPT_PARENTS:
			cp->parents = true;
			break;
		case OPT_SPARSE:
			if (parse_sparse(cp, optarg))
				return CO_EXIT_FAIL;
			break;
		case 'p':
			cp->preserve |= PRESERVE_DEFAULT;
			break;
		case OPT_PRESERVE:
			if (!optarg)
				bits = PRESERVE_DEFAULT;
			else if (parse_preserve(optarg, &bits))
				return bad_argument("preserve", optarg,
						    PRESERVE_VALID);
			cp->preserve |= bits;
			break;
		case OPT_NO_PRESERVE:
			if (parse_preserve(optarg, &bits))
				return bad_argument("no-preserve", optarg,
						    PRESERVE_VALID);
			/*
			 * "context" itself takes its error back, "all"
			 * does not (as GNU cp)
			 */
			if (bits & PRESERVE_XATTR)
				bits |= PRESERVE_XATTR_NAMED;
			cp->preserve &= ~bits;
			if (bits & PRESERVE_MODE)
				cp->no_preserve_mode = true;
			break;
		case 't':
			*target = optarg;
			break;
		case 'T':
			*no_target = true;
			break;
		case 'v':
			cp->verbose = true;
			break;
		case 'q':
			cp->quiet = true;
			break;
		case OPT_REQUIRE_MODULE:
			cp->require_module = true;
			break;
		case OPT_REFLINK:
			if (parse_reflink(optarg, &cp->flags))
				return bad_argument("reflink", optarg,
						    "'auto', 'always', 'never'");
			break;
		case OPT_OFFLOAD:
			if (co_parse_offload(optarg, &flag))
				return bad_argument("offload", optarg,
						    "'auto', 'xcopy', 'odx', 'nvme', 'none'");
			cp->flags &= ~COPYOFFLOAD_F_OFFLOAD_MASK;
			cp->flags |= flag;
			break;
		case OPT_NO_FALLBACK:
			cp->flags |= COPYOFFLOAD_F_NO_FALLBACK;
			break;
		case OPT_JSON:
			cp->json = true;
			break;
		case OPT_PROGRESS:
			cp->progress = 1;
			if (parse_delay(optarg, &cp->progress_delay_ns))
				return bad_argument("progress", optarg,
						    "seconds, such as 0, 0.5 or 2");
			break;
		case OPT_NO_PROGRESS:
			cp->progress = 0;
			break;
		case OPT_HELP:
			usage();
			exit(CO_EXIT_OK);
		case OPT_VERSION:
			co_print_version();
			exit(CO_EXIT_OK);
		default:
			co_try_help(NULL);
			return CO_EXIT_FAIL;
		}
	}
	if (backup && cp->no_clobber)
		return co_usage_error(NULL, "options --backup and --no-clobber are mutually exclusive");
	if (backup && parse_backup(cp, control, suffix))
		return CO_EXIT_FAIL;
	if ((cp->flags & COPYOFFLOAD_F_REQUIRE_SHARE) &&
	    cp->sparse != SPARSE_AUTO)
		return co_usage_error(NULL, "--reflink can be used only with --sparse=auto");
	return 0;
}

static int check_operands(const struct cp *cp, char **ops, int n,
			  const char *target, bool no_target)
{
	if (cp->hard_link && cp->symbolic_link)
		return co_usage_error(NULL, "cannot make both hard and symbolic links");
	if ((cp->flags & COPYOFFLOAD_F_REQUIRE_SHARE) &&
	    (cp->flags & COPYOFFLOAD_F_OFFLOAD_MASK))
		return co_usage_error(NULL, "--reflink=always cannot be combined with --offload");
	if (target && no_target)
		return co_usage_error(NULL, "cannot combine --target-directory (-t) and --no-target-directory (-T)");
	if (n == 0)
		return co_usage_error(NULL, "missing file operand");
	if (n == 1 && !target)
		return co_usage_error(NULL, "missing destination file operand after '%s'", ops[0]);
	if (no_target && n > 2)
		return co_usage_error(NULL, "extra operand '%s'", ops[2]);
	return 0;
}

/*
 * SELinux off: --preserve=context is an error before anything is copied,
 * and -a and --preserve=all leave the context out, silently, as GNU cp.
 */
static int check_context(struct cp *cp)
{
	if (selinux_enabled())
		return 0;
	if (cp->preserve & PRESERVE_CONTEXT_NAMED) {
		co_warn("cannot preserve security context without an SELinux-enabled kernel");
		return CO_EXIT_FAIL;
	}
	cp->preserve &= ~PRESERVE_CONTEXT;
	return 0;
}

/*
 * COPYOFFLOAD_CP_PIECE: a fixed piece size (a multiple of 1 MiB, so that
 * pieces end on every filesystem's block grid), or 0 for one request per
 * file's body (see copy_body).
 */
static int parse_piece_env(struct cp *cp)
{
	const char *s = getenv("COPYOFFLOAD_CP_PIECE");
	uint64_t v;

	if (!s || !*s)
		return 0;
	if (co_parse_size(s, &v) || v % (1U << 20)) {
		co_warn("invalid COPYOFFLOAD_CP_PIECE '%s': a size in MiB (1M, 256M, 1G), or 0",
			s);
		return CO_EXIT_FAIL;
	}
	cp->piece = v ? v : CP_ONE_REQUEST;
	return 0;
}

/*
 * The library handle.  With --require-module, a missing module (or one
 * that cannot COPY, so that the library would do the work) is an error
 * before anything is touched.
 */
static int open_library(struct cp *cp)
{
	struct copyoffload_info info;
	int ret;

	ret = copyoffload_open(&cp->co, cp->require_module ?
			       COPYOFFLOAD_OPEN_REQUIRE_MODULE : 0);
	if (ret == -ENODEV && cp->require_module) {
		co_warn("the copyoffload module is not loaded (no %s), and --require-module forbids copying without it",
			COPYOFFLOAD_DEVICE);
		return CO_EXIT_FAIL;
	}
	if (ret < 0) {
		co_warn("cannot set up copy offload: %s", strerror(-ret));
		return CO_EXIT_FAIL;
	}
	if (co_check_offload(cp->co, cp->flags)) {
		copyoffload_close(cp->co);
		return CO_EXIT_FAIL;
	}
	if (!cp->require_module)
		return 0;
	ret = copyoffload_info(cp->co, &info);
	if (ret < 0 || !(info.features & COPYOFFLOAD_FEAT_COPY)) {
		co_warn("the copyoffload module cannot copy (%s), and --require-module forbids copying without it",
			ret < 0 ? strerror(-ret) : "no COPY feature");
		copyoffload_close(cp->co);
		return CO_EXIT_FAIL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cp cp = { .flags = COPYOFFLOAD_F_ALLOW_SHARE, .progress = -1,
			 .progress_delay_ns = CO_PROGRESS_DELAY_NS };
	struct co_counters before, after;
	const char *target = NULL;
	bool no_target = false;
	int ret, n;

	co_prog = "copyoffload-cp";
	argv[0] = (char *)co_prog;
	/* cp(1) exits 1 on usage errors too, and so do we, unlike copyoffload */
	if (parse_options(&cp, argc, argv, &target, &no_target))
		return CO_EXIT_FAIL;
	n = argc - optind;
	if (check_operands(&cp, argv + optind, n, target, no_target) ||
	    check_context(&cp) || parse_piece_env(&cp))
		return CO_EXIT_FAIL;
	cp.umask = umask(0);
	umask(cp.umask);
	ret = open_library(&cp);
	if (ret)
		return ret;
	co_counters_read(&before);
	watch_signals();
	start_progress(&cp, target ? n : n - 1);
	ret = copy_operands(&cp, argv + optind, n, target, no_target);
	co_progress_stop();
	copyoffload_close(cp.co);
	if (cp.verbose || cp.json) {
		co_counters_read(&after);
		co_counters_print(stdout, &before, &after, cp.json);
	}
	if (cp.json)
		print_summary(&cp, ret);
	if (fflush(stdout) || ferror(stdout)) {
		co_warn("write error: %s", strerror(errno));
		ret = CO_EXIT_FAIL;
	}
	return ret;
}
