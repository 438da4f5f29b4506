// SPDX-License-Identifier: GPL-2.0
/*
 * "copyoffload nvme-setup": the module's NVMe Copy engine must know whether
 * a namespace's controller offers Copy and within which limits, and the
 * kernel keeps Identify's answers private to the NVMe driver.  So this
 * reads them itself, with the admin passthrough ioctl of the namespace's
 * block device (Identify Controller: ONCS, OCFS; Identify Namespace: MSSRL,
 * MCL, MSRC), and hands them over with COPYOFFLOAD_DEVINFO_F_SET_NVME
 * (copyoffload_nvme_set()).  udev runs it when a namespace appears and when
 * the module's device does (60-copyoffload-nvme.rules).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/capability.h>
#include <linux/nvme_ioctl.h>

#include "common.h"
#include "nvme.h"

#define SYS_BLOCK	"/sys/class/block"

/* Identify (admin opcode 06h): CNS values and the data's size. */
#define NVME_ADMIN_IDENTIFY	0x06
#define NVME_CNS_NS		0x00
#define NVME_CNS_CTRL		0x01
#define NVME_IDENTIFY_LEN	4096

/*
 * Byte offsets in the Identify data (NVMe Base Specification 2.0; QEMU's
 * NvmeIdCtrl and NvmeIdNs agree, tests/guest/nvme-device.sh checks them
 * against nvme-cli).  Linux's struct nvme_id_ctrl and nvme_id_ns (6.1 to
 * 7.2) still call OCFS rsvd534 and MSSRL..MSRC part of rsvd74, so they are
 * read by offset, little-endian.
 */
#define ID_CTRL_ONCS		520	/* 2 bytes: bit 8, Copy */
#define ID_CTRL_OCFS		534	/* 2 bytes: bit 0, source format 0 */
#define ID_NS_FLBAS		26
#define ID_NS_DPS		29	/* bits 2:0: protection type */
#define ID_NS_MSSRL		74	/* 2 bytes */
#define ID_NS_MCL		76	/* 4 bytes */
#define ID_NS_MSRC		80	/* 1 byte, 0's based */
#define ID_NS_NLBAF		25	/* 0's based */
#define ID_NS_LBAF		128	/* 4 bytes each: MS (2), LBADS, RP */
#define NVME_ONCS_COPY		(1U << 8)
#define NVME_OCFS_FORMAT0	(1U << 0)

enum {
	OPT_JSON = 256,
	OPT_DRY_RUN,
	OPT_VERSION,
};

/* What became of one namespace. */
enum ns_state {
	NS_SET,		/* handed over */
	NS_DRY_RUN,	/* read, not handed over (--dry-run) */
	NS_SKIPPED,	/* not for the engine: a multipath head */
	NS_FAILED,
};

static const char *const state_names[] = {
	[NS_SET] = "set", [NS_DRY_RUN] = "dry_run", [NS_SKIPPED] = "skipped",
	[NS_FAILED] = "failed",
};

struct ns {
	const char *path;
	enum ns_state state;
	int err;		/* positive errno of a failure, or 0 */
	const char *why;	/* what failed or why skipped */
	int status;		/* the NVMe status an Identify failed with */
	bool identified;	/* the Identify fields below are read */
	uint32_t nsid;
	uint16_t oncs, ocfs;
	uint16_t mssrl;
	uint32_t mcl;
	uint8_t msrc;
	uint16_t ms;		/* metadata bytes per block */
	uint8_t dps;		/* protection information settings */
	uint32_t caps;		/* COPYOFFLOAD_NVME_* handed over */
};

struct setup {
	bool quiet, json, dry_run;
	struct copyoffload *co;	/* NULL with --dry-run */
	unsigned int nr_json;	/* namespaces printed as JSON so far */
};

void co_nvme_setup_usage(void)
{
	printf("Usage: copyoffload nvme-setup [--quiet] [--json] [--dry-run] [DEVICE...]\n"
	       "Read the NVMe Copy limits of NVMe namespaces and hand them to the\n"
	       "module's NVMe Copy engine, which cannot read them itself.  For each\n"
	       "namespace block device (default: every one in /sys/class/block),\n"
	       "Identify Controller says whether the controller offers Copy (ONCS\n"
	       "bit 8, with source range format 0 in OCFS), Identify Namespace gives\n"
	       "MSSRL, MCL and MSRC; they go to the module (COPYOFFLOAD_DEVINFO_F_SET_NVME).\n"
	       "A native multipath head (nvme-subsys) is skipped: it has no queue of\n"
	       "its own, so the engine sends no Copy through it.  udev runs this\n"
	       "when a namespace or the module's device appears.  Needs CAP_SYS_ADMIN.\n"
	       "\n"
	       "      --dry-run  read and print, hand nothing over (no module needed)\n"
	       "      --json     one JSON object: every namespace and what became of it\n"
	       "  -q, --quiet    print nothing but errors\n"
	       "  -h, --help     display this help and exit\n"
	       "      --version  output version information and exit\n"
	       "\n"
	       "Exit status: 0 every namespace handed over or skipped (also when\n"
	       "there is none), 1 the module is not loaded or has no NVMe Copy engine,\n"
	       "no CAP_SYS_ADMIN, or a DEVICE is not an NVMe namespace or could not\n"
	       "be read or handed over, 2 usage error.\n");
}

/* Little-endian fields of the Identify data. */
static uint16_t le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

/* CAP_SYS_ADMIN in the effective set: Identify and SET_NVME need it. */
static bool has_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d))
		return geteuid() == 0;
	return d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
	       CAP_TO_MASK(CAP_SYS_ADMIN);
}

/*
 * Identify CNS for NSID into BUF.  0, a negative errno, or the NVMe status
 * (positive) the controller answered.
 */
static int identify(int fd, uint32_t nsid, uint32_t cns, uint8_t *buf)
{
	struct nvme_admin_cmd cmd = {
		.opcode = NVME_ADMIN_IDENTIFY,
		.nsid = nsid,
		.addr = (uint64_t)(uintptr_t)buf,
		.data_len = NVME_IDENTIFY_LEN,
		.cdw10 = cns,
	};
	int ret;

	memset(buf, 0, NVME_IDENTIFY_LEN);
	ret = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
	return ret < 0 ? -errno : ret;
}

static void ns_fail(struct ns *ns, int err, const char *why)
{
	ns->state = NS_FAILED;
	ns->err = err;
	ns->why = why;
}

/*
 * The sysfs folder of the block device DEV (/sys/dev/block/M:m) in BUF;
 * NULL when there is none.
 */
static const char *sys_dir(dev_t dev, char *buf, size_t len)
{
	snprintf(buf, len, "/sys/dev/block/%u:%u", major(dev), minor(dev));
	return access(buf, F_OK) ? NULL : buf;
}

/* Whether FILE exists in the sysfs folder DIR. */
static bool sys_has(const char *dir, const char *file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return !access(path, F_OK);
}

/*
 * A native multipath head: a bio-based disk (no mq folder) whose device is
 * the subsystem (nvme-subsysN), not a controller.
 */
static bool multipath_head(const char *dir)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/device", dir);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		if (strstr(link, "nvme-subsys"))
			return true;
	}
	return !sys_has(dir, "mq");
}

/* Identify Controller and Namespace of the open namespace FD into NS. */
static void ns_identify(struct ns *ns, int fd)
{
	uint8_t *buf = malloc(NVME_IDENTIFY_LEN);
	unsigned int lbaf;
	int ret;

	if (!buf) {
		ns_fail(ns, ENOMEM, "out of memory");
		return;
	}
	ret = identify(fd, 0, NVME_CNS_CTRL, buf);
	if (ret) {
		ns_fail(ns, ret < 0 ? -ret : EIO, "Identify Controller failed");
		ns->status = ret > 0 ? ret : 0;
		goto out;
	}
	ns->oncs = le16(buf + ID_CTRL_ONCS);
	ns->ocfs = le16(buf + ID_CTRL_OCFS);
	ret = identify(fd, ns->nsid, NVME_CNS_NS, buf);
	if (ret) {
		ns_fail(ns, ret < 0 ? -ret : EIO, "Identify Namespace failed");
		ns->status = ret > 0 ? ret : 0;
		goto out;
	}
	ns->mssrl = le16(buf + ID_NS_MSSRL);
	ns->mcl = le32(buf + ID_NS_MCL);
	ns->msrc = buf[ID_NS_MSRC];
	ns->dps = buf[ID_NS_DPS] & 7;
	/* FLBAS: bits 3:0, and 6:5 above them when there are more than 16 */
	lbaf = buf[ID_NS_FLBAS] & 0xf;
	if (buf[ID_NS_NLBAF] >= 16)
		lbaf |= (buf[ID_NS_FLBAS] >> 5 & 3) << 4;
	if (lbaf < 64)
		ns->ms = le16(buf + ID_NS_LBAF + 4 * lbaf);
	ns->identified = true;
	/*
	 * Copy with source range format 0.  A controller that offers Copy
	 * with OCFS 0 predates the field (TP 4065): format 0 was the only
	 * one then.
	 */
	if ((ns->oncs & NVME_ONCS_COPY) &&
	    (!ns->ocfs || (ns->ocfs & NVME_OCFS_FORMAT0)))
		ns->caps = COPYOFFLOAD_NVME_COPY;
	/*
	 * A controller that offers Copy reports MSSRL and MCL non-zero;
	 * with either 0 (QEMU's nvme without an nvme-ns device) no Copy
	 * can be sent, and the module would refuse such limits
	 */
	if (!ns->mssrl || !ns->mcl)
		ns->caps = 0;
out:
	free(buf);
}

/* Read one namespace and hand its limits over. */
static void ns_setup(const struct setup *s, struct ns *ns)
{
	struct copyoffload_devinfo_nvme lim = { 0 };
	char dir[64];
	struct stat st;
	int fd, ret;

	fd = open(ns->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ns_fail(ns, errno, "cannot open it");
		return;
	}
	if (fstat(fd, &st) || !S_ISBLK(st.st_mode)) {
		ns_fail(ns, ENOTBLK, "not a block device");
		goto out;
	}
	if (sys_dir(st.st_rdev, dir, sizeof(dir))) {
		if (sys_has(dir, "partition")) {
			ns_fail(ns, EINVAL, "a partition: give the namespace");
			goto out;
		}
	}
	/* another driver answers ENOTTY or EINVAL (loop) */
	ret = ioctl(fd, NVME_IOCTL_ID);
	if (ret <= 0) {
		ns_fail(ns, ret < 0 && errno != ENOTTY && errno != EINVAL ?
			errno : ENODEV, "not an NVMe namespace");
		goto out;
	}
	ns->nsid = ret;
	if (sys_dir(st.st_rdev, dir, sizeof(dir)) && multipath_head(dir)) {
		ns->state = NS_SKIPPED;
		ns->why = "a multipath head: no queue of its own, the engine sends no Copy through it";
		goto out;
	}
	ns_identify(ns, fd);
	if (ns->state == NS_FAILED)
		goto out;
	if (s->dry_run) {
		ns->state = NS_DRY_RUN;
		goto out;
	}
	lim.caps = ns->caps;
	if (ns->caps) {
		lim.mssrl = ns->mssrl;
		lim.mcl = ns->mcl;
		lim.msrc = ns->msrc;
	}
	ret = copyoffload_nvme_set(s->co, fd, &lim);
	if (ret)
		ns_fail(ns, -ret, "the module refused the limits");
	else
		ns->state = NS_SET;
out:
	close(fd);
}

static void print_ns(struct setup *s, const struct ns *ns)
{
	char buf[CO_ERRNO_TEXT_LEN];

	if (s->json) {
		printf("%s{\"path\":", s->nr_json++ ? "," : "");
		co_json_string(stdout, ns->path);
		printf(",\"state\":\"%s\",\"errno\":", state_names[ns->state]);
		co_json_errno(stdout, ns->err);
		printf(",\"reason\":");
		if (ns->why)
			co_json_string(stdout, ns->why);
		else
			printf("null");
		if (ns->status)
			printf(",\"nvme_status\":%d", ns->status);
		if (ns->nsid)
			printf(",\"nsid\":%" PRIu32, ns->nsid);
		if (ns->identified)
			printf(",\"oncs\":%u,\"ocfs\":%u,\"copy\":%s,"
			       "\"mssrl\":%u,\"mcl\":%" PRIu32 ",\"msrc\":%u,"
			       "\"metadata_size\":%u,\"protection\":%u",
			       ns->oncs, ns->ocfs,
			       ns->caps & COPYOFFLOAD_NVME_COPY ? "true" : "false",
			       ns->mssrl, ns->mcl, ns->msrc, ns->ms, ns->dps);
		printf("}");
		return;
	}
	if (ns->state == NS_FAILED && ns->status) {
		co_warn("%s: %s: the controller answered NVMe status %#x",
			ns->path, ns->why, ns->status);
		return;
	}
	if (ns->state == NS_FAILED) {
		co_warn("%s: %s: %s", ns->path, ns->why,
			co_errno_text(ns->err, buf, sizeof(buf)));
		return;
	}
	if (s->quiet)
		return;
	if (ns->state == NS_SKIPPED) {
		printf("%s: nsid %" PRIu32 ": skipped: %s\n", ns->path,
		       ns->nsid, ns->why);
		return;
	}
	printf("%s: nsid %" PRIu32 ": copy %s", ns->path, ns->nsid,
	       ns->caps ? "yes" : "no");
	if (ns->caps)
		printf(", mssrl %u, mcl %" PRIu32 ", msrc %u (%u ranges)",
		       ns->mssrl, ns->mcl, ns->msrc, ns->msrc + 1U);
	else if (ns->oncs & NVME_ONCS_COPY)
		printf(" (ONCS offers Copy, OCFS %#x lacks source range format 0)",
		       ns->ocfs);
	else
		printf(" (ONCS %#x: no Copy)", ns->oncs);
	if (ns->ms || ns->dps)
		printf(", metadata %u bytes per block%s", ns->ms,
		       ns->dps ? " with protection information" : "");
	printf(ns->state == NS_SET ? ": handed to the module\n" :
	       ": not handed over (dry run)\n");
}

/* A namespace's name: nvmeXnY, not a path disk (nvmeXcYnZ) or partition. */
static bool ns_name(const char *name)
{
	const char *p = name;

	if (strncmp(p, "nvme", 4))
		return false;
	p += 4;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != 'n' || !isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return !*p;
}

static int cmp_names(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Every namespace in /sys/class/block, as /dev/NAME, sorted; their count. */
static unsigned int find_namespaces(char ***paths)
{
	unsigned int nr = 0;
	struct dirent *d;
	char **p = NULL;
	DIR *dir;

	dir = opendir(SYS_BLOCK);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (!ns_name(d->d_name))
			continue;
		p = co_xreallocarray(p, nr + 1, sizeof(*p));
		p[nr++] = co_xasprintf("/dev/%s", d->d_name);
	}
	closedir(dir);
	if (nr)
		qsort(p, nr, sizeof(*p), cmp_names);
	*paths = p;
	return nr;
}

/* The module and its engine, or why not (a message, and false). */
static bool open_module(struct setup *s)
{
	struct copyoffload_info info = { .size = sizeof(info) };
	char buf[CO_ERRNO_TEXT_LEN];
	int ret;

	ret = copyoffload_open(&s->co, COPYOFFLOAD_OPEN_REQUIRE_MODULE);
	if (ret == -ENODEV) {
		co_warn("the module is not loaded (no %s): nothing to hand the NVMe limits to",
			COPYOFFLOAD_DEVICE);
		return false;
	}
	if (ret < 0) {
		co_warn("cannot open %s: %s", COPYOFFLOAD_DEVICE,
			co_errno_text(-ret, buf, sizeof(buf)));
		return false;
	}
	ret = copyoffload_info_size(s->co, &info, sizeof(info));
	if (ret < 0) {
		co_warn("cannot read the module's info: %s",
			co_errno_text(-ret, buf, sizeof(buf)));
		return false;
	}
	if (!(info.features & COPYOFFLOAD_FEAT_NVME) ||
	    (info.size >= COPYOFFLOAD_INFO_SIZE_VER1 &&
	     !(info.devinfo_flags & COPYOFFLOAD_DEVINFO_F_SET_NVME))) {
		co_warn("the module (version %.32s) has no NVMe Copy engine (no 'nvme' in its features): nothing handed over",
			(const char *)info.version);
		return false;
	}
	return true;
}

int co_cmd_nvme_setup(const char *name, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct setup s = { 0 };
	char **paths = NULL;
	unsigned int nr = 0, i, failed = 0;
	int c, code = CO_EXIT_OK;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			s.quiet = true;
			break;
		case OPT_JSON:
			s.json = true;
			break;
		case OPT_DRY_RUN:
			s.dry_run = true;
			break;
		case 'h':
			co_nvme_setup_usage();
			return CO_EXIT_OK;
		case OPT_VERSION:
			co_print_version();
			return CO_EXIT_OK;
		default:
			co_try_help(name);
			return CO_EXIT_USAGE;
		}
	}
	if (!s.dry_run) {
		if (!open_module(&s)) {
			code = CO_EXIT_FAIL;
			goto out;
		}
		if (!has_sys_admin()) {
			co_warn("needs CAP_SYS_ADMIN (run it as root): Identify is an NVMe admin command and handing limits over is privileged");
			code = CO_EXIT_FAIL;
			goto out;
		}
	}
	if (optind < argc) {
		nr = argc - optind;
		paths = co_xreallocarray(NULL, nr, sizeof(*paths));
		for (i = 0; i < nr; i++)
			paths[i] = co_xstrdup(argv[optind + i]);
	} else {
		nr = find_namespaces(&paths);
	}
	if (s.json)
		printf("{\"dry_run\":%s,\"namespaces\":[",
		       s.dry_run ? "true" : "false");
	for (i = 0; i < nr; i++) {
		struct ns ns = { .path = paths[i] };

		ns_setup(&s, &ns);
		print_ns(&s, &ns);
		failed += ns.state == NS_FAILED;
	}
	if (failed)
		code = CO_EXIT_FAIL;
	if (s.json)
		printf("],\"exit\":%d}\n", code);
	else if (!nr && !s.quiet)
		printf("no NVMe namespace in %s\n", SYS_BLOCK);
	for (i = 0; i < nr; i++)
		free(paths[i]);
	free(paths);
	copyoffload_close(s.co);
	return code;
out:
	/* the reason is on stderr; --json still prints one object */
	if (s.json)
		printf("{\"dry_run\":false,\"namespaces\":[],\"exit\":%d}\n",
		       code);
	copyoffload_close(s.co);
	return code;
}
