// SPDX-License-Identifier: GPL-2.0
/*
 * Fault knobs: STATE_DIR/control, re-read whenever it changes (its inode,
 * size or mtime), checked before every batch of commands, so a test that
 * replaces the file and then sends a command gets the new knobs for it.
 * Replace the file atomically (write a temporary file, rename it over).
 * Counters restart whenever the file is read.  One directive per line:
 *
 *   fail op=OP [dev=NAME] [nth=N] [times=T] sense=KEY/ASC/ASCQ
 *	the Nth (default 1st) command matching OP (on backstore NAME, or any)
 *	and the T-1 after it (default T=1; 0: all from the Nth on) end in
 *	CHECK CONDITION with that sense (hex); a failed PT or WUT is also
 *	what RRTI reports for its list identifier
 *   delay op=OP [dev=NAME] ms=MS
 *	commands matching OP complete MS milliseconds late
 *   wut-limit BLOCKS
 *	a WRITE USING TOKEN moves at most BLOCKS blocks (GOOD status; the
 *	RRTI transfer count says how many)
 *   pt-limit BLOCKS
 *	a POPULATE TOKEN token represents at most its first BLOCKS blocks
 *   token-timeout SECONDS
 *	no token outlives SECONDS of inactivity, whatever PT asked
 *   expire-tokens
 *	every token that exists when the file is read expires now
 *   rrti-busy MS
 *	RRTI answers "operation in progress, foreground" (estimated status
 *	update delay 100 ms) for MS milliseconds after the PT or WUT ended
 *   quirk ddpt
 *	read PT/WUT range descriptors one byte early, as ddpt <= 0.97 writes
 *	them (see parse_ranges() in odx.c); off by default
 *   xcopy SEGMENTS
 *	serve EXTENDED COPY (LID1) with up to SEGMENTS (1-1024) segment
 *	descriptors a command, and RECEIVE COPY RESULTS' operating
 *	parameters (xcopy.c); without it neither is served
 *   xcopy-fail-segment N
 *	the Nth segment of every EXTENDED COPY fails (COPY ABORTED), the
 *	ones before it copied
 *
 * OP: an opcode and optional service action in hex (0x2a, 0x83/0x11) or
 * a name: pt, wut, rrti, xcopy, rcr (RECEIVE COPY RESULTS), read (any
 * READ), write (any WRITE), inquiry, tur, readcap, sync, unmap,
 * writesame, any.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "odx.h"

#define MAX_RULES 16

enum op_kind { OP_EXACT, OP_READ, OP_WRITE, OP_ANY };

struct op_match {
	enum op_kind kind;
	uint8_t op;
	int sa;				/* -1: any */
};

struct rule {
	struct op_match m;
	char dev[64];
	uint32_t nth, times, seen, ms;
	uint8_t key, asc, ascq;
};

static struct rule faults[MAX_RULES], delays[MAX_RULES];
static unsigned int nr_faults, nr_delays;
static uint64_t wut_limit, pt_limit;
static uint32_t token_timeout, rrti_busy;
static unsigned int xcopy_segments, xcopy_fail_segment;
static bool ddpt_quirk;
static struct stat last;
static bool loaded;

static const struct {
	const char *name;
	enum op_kind kind;
	uint8_t op;
	int sa;
} op_names[] = {
	{ "pt", OP_EXACT, 0x83, 0x10 },
	{ "wut", OP_EXACT, 0x83, 0x11 },
	{ "rrti", OP_EXACT, 0x84, 0x07 },
	{ "xcopy", OP_EXACT, 0x83, 0x00 },
	{ "rcr", OP_EXACT, 0x84, 0x03 },
	{ "inquiry", OP_EXACT, 0x12, -1 },
	{ "tur", OP_EXACT, 0x00, -1 },
	{ "readcap", OP_EXACT, 0x9e, 0x10 },
	{ "sync", OP_EXACT, 0x35, -1 },
	{ "unmap", OP_EXACT, 0x42, -1 },
	{ "writesame", OP_EXACT, 0x93, -1 },
	{ "read", OP_READ, 0, -1 },
	{ "write", OP_WRITE, 0, -1 },
	{ "any", OP_ANY, 0, -1 },
};

static bool parse_op(const char *s, struct op_match *m)
{
	char *end;
	size_t i;

	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (!strcmp(s, op_names[i].name)) {
			m->kind = op_names[i].kind;
			m->op = op_names[i].op;
			m->sa = op_names[i].sa;
			return true;
		}
	}
	m->kind = OP_EXACT;
	m->op = strtoul(s, &end, 16);
	m->sa = -1;
	if (end == s)
		return false;
	if (*end == '/') {
		s = end + 1;
		m->sa = strtoul(s, &end, 16);
		if (end == s)
			return false;
	}
	return !*end;
}

static bool op_matches(const struct op_match *m, const uint8_t *cdb)
{
	switch (m->kind) {
	case OP_READ:
		return cdb[0] == 0x08 || cdb[0] == 0x28 || cdb[0] == 0xa8 ||
		       cdb[0] == 0x88;
	case OP_WRITE:
		return cdb[0] == 0x0a || cdb[0] == 0x2a || cdb[0] == 0xaa ||
		       cdb[0] == 0x8a;
	case OP_ANY:
		return true;
	default:
		return cdb[0] == m->op && (m->sa < 0 || (cdb[1] & 0x1f) == m->sa);
	}
}

static bool rule_matches(const struct rule *r, const struct odx_cmd *c)
{
	return op_matches(&r->m, c->cdb) && (!r->dev[0] || !strcmp(r->dev, c->dev->name));
}

/* "key=value" words after the directive */
static bool parse_rule(char *args, struct rule *r, bool fault)
{
	char *w, *save = NULL;
	bool have_op = false, have_sense = !fault;
	unsigned int k, a, q;

	memset(r, 0, sizeof(*r));
	r->nth = 1;
	r->times = 1;
	for (w = strtok_r(args, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!strncmp(w, "op=", 3)) {
			have_op = parse_op(w + 3, &r->m);
			if (!have_op)
				return false;
		} else if (!strncmp(w, "dev=", 4)) {
			snprintf(r->dev, sizeof(r->dev), "%s", w + 4);
		} else if (!strncmp(w, "nth=", 4)) {
			r->nth = strtoul(w + 4, NULL, 0) ?: 1;
		} else if (!strncmp(w, "times=", 6)) {
			r->times = strtoul(w + 6, NULL, 0);
		} else if (!strncmp(w, "ms=", 3)) {
			r->ms = strtoul(w + 3, NULL, 0);
		} else if (fault && sscanf(w, "sense=%x/%x/%x", &k, &a, &q) == 3) {
			r->key = k;
			r->asc = a;
			r->ascq = q;
			have_sense = true;
		} else {
			return false;
		}
	}
	return have_op && have_sense;
}

static void knobs_clear(void)
{
	nr_faults = nr_delays = 0;
	wut_limit = pt_limit = 0;
	token_timeout = rrti_busy = 0;
	xcopy_segments = xcopy_fail_segment = 0;
	ddpt_quirk = false;
}

static void knobs_load(FILE *f)
{
	char line[512];
	unsigned int lineno = 0;
	bool expire = false;

	knobs_clear();
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *args;

		lineno++;
		p[strcspn(p, "#\n")] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			continue;
		args = p + strcspn(p, " \t");
		if (*args)
			*args++ = '\0';
		if (!strcmp(p, "fail") && nr_faults < MAX_RULES &&
		    parse_rule(args, &faults[nr_faults], true))
			nr_faults++;
		else if (!strcmp(p, "delay") && nr_delays < MAX_RULES &&
			 parse_rule(args, &delays[nr_delays], false))
			nr_delays++;
		else if (!strcmp(p, "wut-limit"))
			wut_limit = strtoull(args, NULL, 0);
		else if (!strcmp(p, "pt-limit"))
			pt_limit = strtoull(args, NULL, 0);
		else if (!strcmp(p, "token-timeout"))
			token_timeout = strtoul(args, NULL, 0);
		else if (!strcmp(p, "rrti-busy"))
			rrti_busy = strtoul(args, NULL, 0);
		else if (!strcmp(p, "xcopy"))
			xcopy_segments = strtoul(args, NULL, 0);
		else if (!strcmp(p, "xcopy-fail-segment"))
			xcopy_fail_segment = strtoul(args, NULL, 0);
		else if (!strcmp(p, "expire-tokens"))
			expire = true;
		else if (!strcmp(p, "quirk") && !strcmp(args, "ddpt"))
			ddpt_quirk = true;
		else
			odx_log("control:%u: cannot parse '%s %s'", lineno, p, args);
	}
	if (xcopy_segments > 1024)
		xcopy_segments = 1024;
	if (expire)
		odx_expire_all();
	odx_log("control: %u fault(s), %u delay(s), wut-limit %llu, pt-limit %llu, token-timeout %u, xcopy %u%s%s",
		nr_faults, nr_delays, (unsigned long long)wut_limit,
		(unsigned long long)pt_limit, token_timeout, xcopy_segments,
		expire ? ", tokens expired" : "",
		ddpt_quirk ? ", ddpt quirk" : "");
}

void knobs_refresh(void)
{
	char path[512];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/control", odx_state_dir);
	if (stat(path, &st)) {
		if (loaded) {
			knobs_clear();
			loaded = false;
			odx_log("control: removed, no knobs");
		}
		return;
	}
	if (loaded && st.st_ino == last.st_ino && st.st_size == last.st_size &&
	    st.st_mtim.tv_sec == last.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == last.st_mtim.tv_nsec)
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	knobs_load(f);
	fclose(f);
	last = st;
	loaded = true;
}

bool knobs_fault(struct odx_cmd *c)
{
	unsigned int i;

	for (i = 0; i < nr_faults; i++) {
		struct rule *r = &faults[i];

		if (!rule_matches(r, c))
			continue;
		r->seen++;
		if (r->seen < r->nth || (r->times && r->seen >= r->nth + r->times))
			continue;
		cmd_sense(c, r->key, r->asc, r->ascq);
		odx_record_failure(c);
		c->dev->st.faults++;
		odx_log("%s: fault: op %02x/%02x (#%u) -> %x/%02x/%02x",
			c->dev->name, c->cdb[0], c->cdb[1] & 0x1f, r->seen,
			r->key, r->asc, r->ascq);
		return true;
	}
	return false;
}

uint32_t knobs_delay_ms(const struct odx_cmd *c)
{
	unsigned int i;

	for (i = 0; i < nr_delays; i++)
		if (rule_matches(&delays[i], c))
			return delays[i].ms;
	return 0;
}

uint64_t knobs_wut_limit(void)
{
	return wut_limit;
}

uint64_t knobs_pt_limit(void)
{
	return pt_limit;
}

uint32_t knobs_token_timeout(void)
{
	return token_timeout;
}

uint32_t knobs_rrti_busy(void)
{
	return rrti_busy;
}

bool knobs_ddpt_quirk(void)
{
	return ddpt_quirk;
}

unsigned int knobs_xcopy_segments(void)
{
	return xcopy_segments;
}

unsigned int knobs_xcopy_fail_segment(void)
{
	return xcopy_fail_segment;
}
