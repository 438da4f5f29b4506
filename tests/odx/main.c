// SPDX-License-Identifier: GPL-2.0
/*
 * odx-target [-v] [-d STATE_DIR] [-m MAX_TOKEN_BLOCKS]
 *
 * Serves every TCMU user backstore whose dev_config is "odx/PATH" (PATH:
 * the backing file), those that exist when it starts and those added later
 * (generic netlink events), until SIGTERM or SIGINT.  STATE_DIR (default
 * /run/odx-target) holds:
 *   pid      written once the process listens for devices
 *   control  fault knobs, read when it changes (see knobs.c)
 *   stats    per-LU counters, rewritten at most every 100 ms:
 *            NAME read=B write=B wut=B zero=B pt=N wut_cmds=N rrti=N cmds=N faults=N
 * Log lines go to stderr; -v logs every command.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "odx.h"

int odx_verbose;
const char *odx_state_dir = "/run/odx-target";
uint32_t odx_max_token_blocks = 1u << 21;

static struct odx_dev devs[ODX_MAX_DEVS];
static volatile sig_atomic_t stop;
static bool stats_dirty;
static uint64_t stats_written;

void odx_log(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "odx-target[%ld.%03ld]: ", (long)ts.tv_sec,
		ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t odx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct odx_dev *odx_dev_by_index(int i)
{
	return i >= 0 && i < ODX_MAX_DEVS && devs[i].used ? &devs[i] : NULL;
}

void odx_stats_dirty(void)
{
	stats_dirty = true;
}

static void write_file(const char *name, const char *text)
{
	char path[512], tmp[520];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", odx_state_dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fputs(text, f);
	if (fclose(f) || rename(tmp, path))
		odx_log("cannot write %s: %m", path);
}

static void write_stats(void)
{
	char buf[ODX_MAX_DEVS * 256];
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < ODX_MAX_DEVS; i++) {
		const struct odx_dev *d = &devs[i];

		if (!d->used)
			continue;
		n += snprintf(buf + n, sizeof(buf) - n,
			      "%s read=%llu write=%llu wut=%llu zero=%llu pt=%llu wut_cmds=%llu rrti=%llu cmds=%llu faults=%llu xcopy=%llu xcopy_cmds=%llu xcopy_segs=%llu\n",
			      d->name, (unsigned long long)d->st.read_bytes,
			      (unsigned long long)d->st.write_bytes,
			      (unsigned long long)d->st.wut_bytes,
			      (unsigned long long)d->st.zero_bytes,
			      (unsigned long long)d->st.pt_cmds,
			      (unsigned long long)d->st.wut_cmds,
			      (unsigned long long)d->st.rrti_cmds,
			      (unsigned long long)d->st.cmds,
			      (unsigned long long)d->st.faults,
			      (unsigned long long)d->st.xcopy_bytes,
			      (unsigned long long)d->st.xcopy_cmds,
			      (unsigned long long)d->st.xcopy_segs);
		if (n >= sizeof(buf))
			break;
	}
	write_file("stats", buf);
	stats_dirty = false;
	stats_written = odx_now_ms();
}

static struct odx_dev *dev_by_minor(unsigned int minor)
{
	int i;

	for (i = 0; i < ODX_MAX_DEVS; i++)
		if (devs[i].used && devs[i].minor == minor)
			return &devs[i];
	return NULL;
}

static void add_dev(unsigned int minor)
{
	int i;

	if (dev_by_minor(minor))
		return;
	for (i = 0; i < ODX_MAX_DEVS && devs[i].used; i++)
		;
	if (i == ODX_MAX_DEVS) {
		odx_log("uio%u: too many devices", minor);
		return;
	}
	if (tcmu_open_dev(&devs[i], minor))
		return;
	tcmu_process(&devs[i]);		/* commands queued before we came */
	odx_stats_dirty();
}

static void remove_dev(struct odx_dev *dev)
{
	odx_log("%s: removed", dev->name);
	tcmu_complete_due(dev, UINT64_MAX);
	tcmu_close_dev(dev);
	odx_stats_dirty();
}

static void on_event(int cmd, const char *uio_name, unsigned int minor)
{
	struct odx_dev *dev;

	switch (cmd) {
	case TCMU_CMD_ADDED_DEVICE:
		if (tcmu_claims(uio_name))
			add_dev(minor);
		break;
	case TCMU_CMD_REMOVED_DEVICE:
		dev = dev_by_minor(minor);
		if (dev)
			remove_dev(dev);
		break;
	default:
		odx_dbg("netlink: command %d for %s ignored", cmd, uio_name);
		break;
	}
}

static void scan_devs(void)
{
	char path[64], name[512];
	unsigned int i;
	FILE *f;

	for (i = 0; i < 256; i++) {
		snprintf(path, sizeof(path), "/sys/class/uio/uio%u/name", i);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = '\0';
			if (tcmu_claims(name))
				add_dev(i);
		}
		fclose(f);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: odx-target [-v] [-d STATE_DIR] [-m MAX_TOKEN_BLOCKS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct pollfd pfd[ODX_MAX_DEVS + 1];
	struct odx_dev *map[ODX_MAX_DEVS + 1];
	struct sigaction sa = { .sa_handler = on_signal };
	char pid[32];
	int opt, i, n;

	while ((opt = getopt(argc, argv, "vd:m:h")) != -1) {
		switch (opt) {
		case 'v':
			odx_verbose++;
			break;
		case 'd':
			odx_state_dir = optarg;
			break;
		case 'm':
			odx_max_token_blocks = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !odx_max_token_blocks)
		usage();
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (mkdir(odx_state_dir, 0755) && errno != EEXIST) {
		odx_log("cannot create %s: %m", odx_state_dir);
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < ODX_MAX_DEVS; i++)
		devs[i].uio_fd = devs[i].fd = -1;

	if (nl_open())
		return 1;
	knobs_refresh();
	scan_devs();
	write_stats();
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	write_file("pid", pid);
	odx_log("listening (state in %s)", odx_state_dir);

	while (!stop) {
		uint64_t now = odx_now_ms(), due = UINT64_MAX;
		int timeout;

		pfd[0].fd = nl_fd();
		pfd[0].events = POLLIN;
		n = 1;
		for (i = 0; i < ODX_MAX_DEVS; i++) {
			if (!devs[i].used)
				continue;
			pfd[n].fd = devs[i].uio_fd;
			pfd[n].events = POLLIN;
			map[n++] = &devs[i];
			if (tcmu_next_due(&devs[i]) < due)
				due = tcmu_next_due(&devs[i]);
		}
		if (stats_dirty && stats_written + 100 < due)
			due = stats_written + 100;
		timeout = due == UINT64_MAX ? 1000 :
			  due <= now ? 0 : (int)(due - now > 1000 ? 1000 : due - now);
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			odx_log("poll: %m");
			break;
		}
		if (pfd[0].revents & POLLIN)
			nl_process(on_event);
		for (i = 1; i < n; i++) {
			if (!map[i]->used || map[i]->uio_fd != pfd[i].fd)
				continue;	/* removed by an event above */
			if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
				remove_dev(map[i]);
				continue;
			}
			if (pfd[i].revents & POLLIN) {
				knobs_refresh();
				tcmu_process(map[i]);
			}
		}
		now = odx_now_ms();
		for (i = 0; i < ODX_MAX_DEVS; i++)
			if (devs[i].used && tcmu_next_due(&devs[i]) <= now)
				tcmu_complete_due(&devs[i], now);
		if (stats_dirty && now >= stats_written + 100)
			write_stats();
	}

	odx_log("stopping");
	for (i = 0; i < ODX_MAX_DEVS; i++)
		if (devs[i].used)
			tcmu_complete_due(&devs[i], UINT64_MAX);
	write_stats();
	for (i = 0; i < ODX_MAX_DEVS; i++)
		if (devs[i].used)
			tcmu_close_dev(&devs[i]);
	nl_close();
	return 0;
}
