// SPDX-License-Identifier: GPL-2.0
/*
 * The progress display of copyoffload-cp (see progress.h).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common.h"
#include "progress.h"

/* A file's own rate once it has run this long; the run's before. */
#define FILE_RATE_NS	500000000ULL
#define LINE_MAX_LEN	1024
/* Columns a name should get; fewer: compact numbers; under the least: none */
#define NAME_MIN	24
#define NAME_SHORTEST	8
#define NR_METHODS	ARRAY_SIZE(((struct copyoffload_result *)0)->method_bytes)

static struct {
	pthread_mutex_t lock;
	enum co_progress_mode mode;
	bool stopped;
	bool count_files;
	bool stdout_tty;
	uint64_t delay_ns;
	uint64_t run_start, last_draw;	/* co_now_ns() */
	uint64_t files_done;
	uint64_t bytes_before;		/* of the files before this one */
	const char *name;
	uint64_t size, done, file_start;
	/* bytes per method since the last draw: the line names the most */
	uint64_t recent[NR_METHODS];
	unsigned int method;		/* named last */
	bool have_method;
	int shown;			/* columns of the line on screen */
} pg = { .lock = PTHREAD_MUTEX_INITIALIZER };

void co_progress_start(enum co_progress_mode mode, uint64_t delay_ns,
		       bool count_files)
{
	pg.name = "";
	pg.mode = mode;
	pg.delay_ns = delay_ns;
	pg.count_files = count_files;
	pg.stdout_tty = isatty(STDOUT_FILENO);
	pg.run_start = co_now_ns();
}

void co_progress_file(const char *name, uint64_t size)
{
	pthread_mutex_lock(&pg.lock);
	pg.name = name;
	pg.size = size;
	pg.done = 0;
	pg.file_start = co_now_ns();
	pthread_mutex_unlock(&pg.lock);
}

void co_progress_file_end(bool copied)
{
	pthread_mutex_lock(&pg.lock);
	pg.files_done += copied;
	pg.bytes_before += pg.done;
	pg.done = 0;
	pthread_mutex_unlock(&pg.lock);
}

/* --- the line -------------------------------------------------------------- */

/* Columns of the terminal on standard error, COLUMNS, or 80. */
static int term_width(void)
{
	struct winsize ws;
	const char *env;
	int n;

	if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 0)
		return ws.ws_col;
	env = getenv("COLUMNS");
	n = env ? atoi(env) : 0;
	return n > 0 ? n : 80;
}

/*
 * The character at S: its length in bytes (*len), and its columns, or 0
 * when it must not reach a terminal as it is (a control character, a byte
 * outside valid UTF-8, an invisible or direction-changing format
 * character): it is shown as '?'.  Every character from U+1100 on counts
 * as two columns, as the wide ones do: a line may end short, never wrap.
 */
static int char_cols(const char *s, int *len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;

	*len = co_utf8_len(p);
	if (!*len) {
		*len = 1;
		return 0;
	}
	if (*len == 1)
		return *p >= 0x20 && *p != 0x7f;
	if (*len == 2)
		c = (p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	else if (*len == 3)
		c = (p[0] & 0x0f) << 12 | (p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	else
		c = 0x10000;
	if (c < 0xa0 || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) ||
	    c == 0xfeff)
		return 0;
	return c >= 0x1100 ? 2 : 1;
}

/* Columns NAME takes on the line (a replaced character takes one). */
static int name_cols(const char *name)
{
	int cols = 0, len, n;

	for (; *name; name += len) {
		n = char_cols(name, &len);
		cols += n ? n : 1;
	}
	return cols;
}

/*
 * NAME as the line shows it, appended to BUF (SIZE bytes in all): safe
 * for a terminal and, when MAX (>= 4) columns cannot hold it, its end
 * after "...".  Returns the columns added.
 */
static int put_name(char *buf, size_t size, const char *name, int max)
{
	size_t at = strlen(buf);
	int cols = name_cols(name), len, n, out = 0;

	if (max >= 0 && cols > max) {
		for (; *name && cols > max - 3; name += len) {
			n = char_cols(name, &len);
			cols -= n ? n : 1;
		}
		at += snprintf(buf + at, size - at, "...");
		out = 3;
	}
	for (; *name && at + 5 < size; name += len) {
		n = char_cols(name, &len);
		if (n)
			memcpy(buf + at, name, len);
		else
			buf[at] = '?';
		at += n ? len : 1;
		out += n ? n : 1;
	}
	buf[at] = '\0';
	return out;
}

/* "1:05", "2:03:04" */
static void format_duration(uint64_t s, char *buf, size_t len)
{
	if (s >= 3600)
		snprintf(buf, len, "%" PRIu64 ":%02u:%02u", s / 3600,
			 (unsigned int)(s / 60 % 60), (unsigned int)(s % 60));
	else
		snprintf(buf, len, "%u:%02u", (unsigned int)(s / 60),
			 (unsigned int)(s % 60));
}

/* Bytes per second: the file's own once it has run a while, else the run's. */
static double rate(uint64_t now)
{
	uint64_t file_ns = now - pg.file_start, run_ns = now - pg.run_start;

	if (file_ns >= FILE_RATE_NS)
		return pg.done * 1e9 / file_ns;
	return run_ns ? (pg.bytes_before + pg.done) * 1e9 / run_ns : 0;
}

/*
 * The method that moved the most bytes since the last draw (holes only
 * when nothing else moved); the one named before when nothing moved.
 */
static void pick_method(void)
{
	uint64_t most = 0;
	unsigned int m;

	for (m = 0; m < NR_METHODS; m++) {
		if (m == COPYOFFLOAD_METHOD_HOLE || pg.recent[m] <= most)
			continue;
		most = pg.recent[m];
		pg.method = m;
	}
	if (!most && pg.recent[COPYOFFLOAD_METHOD_HOLE])
		pg.method = COPYOFFLOAD_METHOD_HOLE;
	if (most || pg.recent[COPYOFFLOAD_METHOD_HOLE])
		pg.have_method = true;
	memset(pg.recent, 0, sizeof(pg.recent));
}

/*
 * "  12.0 MiB / 1.0 GiB (1%)  120.0 MiB/s  ETA 0:08  xcopy", or COMPACT,
 * for a narrow line: " 12.0 MiB / 1.0 GiB 120.0 MiB/s 0:08 xcopy".
 */
static void format_stats(char *buf, size_t len, uint64_t now, bool compact)
{
	char done[CO_BYTES_TEXT_LEN], size[CO_BYTES_TEXT_LEN];
	char speed[CO_BYTES_TEXT_LEN], eta[32] = "--:--";
	char method[CO_METHOD_NAME_LEN];
	const char *sep = compact ? " " : "  ";
	double r = rate(now);
	char pct[16] = "";
	size_t at;

	co_format_bytes(pg.done, done, sizeof(done));
	co_format_bytes((uint64_t)r, speed, sizeof(speed));
	if (pg.size && pg.done <= pg.size) {
		if (r >= 1)
			format_duration((pg.size - pg.done) / r + 0.5, eta,
					sizeof(eta));
		if (!compact)
			snprintf(pct, sizeof(pct), " (%u%%)",
				 (unsigned int)(pg.done * 100 / pg.size));
		at = snprintf(buf, len, "%s%s / %s%s%s%s/s%s%s%s", sep, done,
			      co_format_bytes(pg.size, size, sizeof(size)),
			      pct, sep, speed, sep, compact ? "" : "ETA ",
			      eta);
	} else {
		/* a file that holds more than its size said (or no size) */
		at = snprintf(buf, len, "%s%s%s%s/s", sep, done, sep, speed);
	}
	if (pg.have_method && at < len)
		snprintf(buf + at, len - at, "%s%s", sep,
			 co_method_name(pg.method, method, sizeof(method)));
}

/*
 * The whole line, at most MAX columns (-1: no limit): the files done,
 * the name (shortened; left out when little room is left) and the
 * numbers (compact when the name does not fit and would get less than
 * NAME_MIN columns).
 * Returns its columns.
 */
static int format_line(char *buf, size_t len, uint64_t now, int max)
{
	char stats[256];
	int cols, room;

	buf[0] = '\0';
	if (pg.count_files)
		snprintf(buf, len, "[%" PRIu64 " file%s done] ", pg.files_done,
			 pg.files_done == 1 ? "" : "s");
	cols = strlen(buf);
	format_stats(stats, sizeof(stats), now, false);
	room = max < 0 ? -1 : max - cols - (int)strlen(stats);
	if (max >= 0 && room < NAME_MIN && room < name_cols(pg.name)) {
		format_stats(stats, sizeof(stats), now, true);
		room = max - cols - (int)strlen(stats);
	}
	if (max >= 0 && room < NAME_SHORTEST && room < name_cols(pg.name)) {
		/* no room for a name: the numbers, as many as fit */
		snprintf(buf + cols, len - cols, "%s", stats + 1);
		if ((int)strlen(buf) > max)
			buf[max > 0 ? max : 0] = '\0';
		return strlen(buf);
	}
	cols += put_name(buf, len, pg.name, room);
	snprintf(buf + strlen(buf), len - strlen(buf), "%s", stats);
	return cols + strlen(stats);
}

/* Write all of BUF to standard error (a signal may interrupt). */
static void put(const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(STDERR_FILENO, buf, len);
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

/* Spaces over the last N columns of the line, from its start. */
static void blank(int n)
{
	char spaces[LINE_MAX_LEN];

	if (n <= 0)
		return;
	if (n > (int)sizeof(spaces) - 2)
		n = sizeof(spaces) - 2;
	spaces[0] = '\r';
	memset(spaces + 1, ' ', n);
	spaces[n + 1] = '\r';
	put(spaces, n + 2);
}

static void draw(uint64_t now)
{
	char line[LINE_MAX_LEN + 2];
	int cols, width;

	pick_method();
	if (pg.mode == CO_PROGRESS_LINES) {
		format_line(line, sizeof(line) - 1, now, -1);
		strcat(line, "\n");
		put(line, strlen(line));
		return;
	}
	width = term_width() - 1;	/* the last column may wrap */
	line[0] = '\r';
	cols = format_line(line + 1, sizeof(line) - 1, now,
			   width < LINE_MAX_LEN / 2 ? width : LINE_MAX_LEN / 2);
	put(line, strlen(line));
	if (cols < pg.shown) {
		/* spaces over the rest of the longer line before */
		memset(line, ' ', pg.shown - cols);
		put(line, pg.shown - cols);
	}
	pg.shown = cols;
}

static void update(uint64_t done)
{
	uint64_t now = co_now_ns();
	uint64_t gap = pg.mode == CO_PROGRESS_LINES ? CO_PROGRESS_LINES_NS :
		       CO_PROGRESS_TTY_NS;

	pg.done = done;
	if (pg.mode == CO_PROGRESS_OFF || pg.stopped ||
	    now - pg.run_start < pg.delay_ns ||
	    (pg.last_draw && now - pg.last_draw < gap))
		return;
	pg.last_draw = now;
	draw(now);
}

void co_progress_result(uint64_t done, const struct copyoffload_result *res)
{
	unsigned int m;

	pthread_mutex_lock(&pg.lock);
	for (m = 0; m < NR_METHODS; m++)
		pg.recent[m] += res->method_bytes[m];
	update(done);
	pthread_mutex_unlock(&pg.lock);
}

void co_progress_moved(uint64_t done, unsigned int method, uint64_t bytes)
{
	pthread_mutex_lock(&pg.lock);
	if (method < NR_METHODS)
		pg.recent[method] += bytes;
	update(done);
	pthread_mutex_unlock(&pg.lock);
}

static void clear_locked(void)
{
	if (pg.mode == CO_PROGRESS_TTY && pg.shown) {
		blank(pg.shown);
		pg.shown = 0;
	}
}

void co_progress_clear(void)
{
	pthread_mutex_lock(&pg.lock);
	clear_locked();
	pthread_mutex_unlock(&pg.lock);
}

void co_progress_clear_for_stdout(void)
{
	if (pg.stdout_tty)
		co_progress_clear();
}

void co_progress_stop(void)
{
	pthread_mutex_lock(&pg.lock);
	clear_locked();
	pg.stopped = true;
	pthread_mutex_unlock(&pg.lock);
}
