/*
 * progress.c - the progress line and the summary; see progress.h.
 *
 * Counters only (one per verdict, one per reason): nothing grows with
 * the list.  Rates and per cents are integer divisions of integers.
 */
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"
#include "verdict.h"

static const struct config *cfg;
static int		 tty, drawn;
static int64_t		 t0, next_at;
static uint64_t		 total, done, cached, skipped0;
static uint64_t		 per_verdict[V__COUNT], per_reason[R__COUNT];

/* see progress.h */
void
prog_init(const struct config *c, uint64_t tot, uint64_t skipped)
{
	cfg = c;
	total = tot;
	skipped0 = skipped;
	tty = c->progress_s != 0 && isatty(2);
	t0 = now_ms();
	next_at = t0 + (tty ? PROG_TTY_MS : (int64_t)c->progress_s * 1000);
}

/* see progress.h */
void
prog_result(const struct result *res)
{
	done++;
	per_verdict[res->verdict < V__COUNT ? res->verdict : V_UNKNOWN]++;
	per_reason[res->reason < R__COUNT ? res->reason : R_INTERNAL]++;
	if (res->flags & RES_F_CACHED) {
		cached++;
	}
}

/* see progress.h */
int64_t
prog_period(void)
{
	if (cfg == NULL || cfg->progress_s == 0) {
		return 0;
	}
	return tty ? PROG_TTY_MS : 1000;
}

/* "2h05m", "3m07s", "42s" */
static void
dur(struct buf *b, int64_t ms)
{
	uint64_t	 s = ms > 0 ? (uint64_t)ms / 1000 : 0;

	if (s >= 3600) {
		buf_addu(b, s / 3600);
		buf_addc(b, 'h');
		s %= 3600;
		buf_addc(b, (char)('0' + s / 600));
		buf_addc(b, (char)('0' + s / 60 % 10));
		buf_addc(b, 'm');
		return;
	}
	if (s >= 60) {
		buf_addu(b, s / 60);
		buf_addc(b, 'm');
		s %= 60;
		buf_addc(b, (char)('0' + s / 10));
		buf_addc(b, (char)('0' + s % 10));
		buf_addc(b, 's');
		return;
	}
	buf_addu(b, s);
	buf_addc(b, 's');
}

static void
line(struct buf *b, const struct prog_eng *st, int64_t now)
{
	int64_t		 el = now - t0;
	unsigned	 v;

	buf_adds(b, "mxprobe: ");
	buf_addu(b, done);
	if (total > 0) {
		buf_addc(b, '/');
		buf_addu(b, total);
		buf_addc(b, ' ');
		buf_addu(b, done >= total ? 100 : done * 100 / total);
		buf_addc(b, '%');
	}
	buf_adds(b, ", ");
	buf_addu(b, el > 0 ? done * 1000 / (uint64_t)el : 0);
	buf_adds(b, "/s");
	if (total > done && done > 0 && el > 0) {
		buf_adds(b, ", ETA ");
		dur(b, (int64_t)((total - done) * (uint64_t)el / done));
	}
	for (v = 0; v < V__COUNT; v++) {
		buf_adds(b, v == 0 ? " | " : ", ");
		buf_adds(b, verdict_token((enum verdict)v));
		buf_addc(b, ' ');
		buf_addu(b, per_verdict[v]);
	}
	if (st != NULL) {
		buf_adds(b, " | sessions ");
		buf_addu(b, st->open);
		if (st->retry_wait > 0) {
			buf_adds(b, " | greylisted ");
			buf_addu(b, st->retry_wait);
			buf_adds(b, " waiting");
			if (st->retry_next >= 0) {
				buf_adds(b, ", next retry in ");
				dur(b, st->retry_next);
			}
		}
	}
}

/* see progress.h */
void
prog_tick(const struct prog_eng *st)
{
	char		 mem[512];
	struct buf	 b;
	int64_t		 now;

	if (cfg == NULL || cfg->progress_s == 0) {
		return;
	}
	now = now_ms();
	if (now < next_at) {
		return;
	}
	next_at = now + (tty ? PROG_TTY_MS : (int64_t)cfg->progress_s * 1000);
	buf_init(&b, mem, sizeof(mem) - 8);
	if (tty) {
		buf_addc(&b, '\r');
	}
	line(&b, st, now);
	if (tty) {
		buf_adds(&b, "\033[K");
		drawn = 1;
	} else {
		buf_addc(&b, '\n');
	}
	(void)write_all(2, b.p, b.len);
}

/* see progress.h */
void
prog_end(const struct prog_eng *st, uint64_t skipped)
{
	char		 mem[4096];
	struct buf	 b;
	unsigned	 v, r;
	int64_t		 el;
	int		 first;

	if (cfg == NULL || (cfg->progress_s == 0 && !cfg->verbose)) {
		return;
	}
	el = now_ms() - t0;
	buf_init(&b, mem, sizeof(mem) - 2);
	if (drawn) {
		buf_adds(&b, "\r\033[K");
	}
	buf_adds(&b, "mxprobe: summary: ");
	buf_addu(&b, done);
	buf_adds(&b, " results in ");
	dur(&b, el);
	buf_adds(&b, " (");
	buf_addu(&b, el > 0 ? done * 1000 / (uint64_t)el : done);
	buf_adds(&b, "/s)");
	for (v = 0; v < V__COUNT; v++) {
		buf_adds(&b, "; ");
		buf_adds(&b, verdict_token((enum verdict)v));
		buf_addc(&b, ' ');
		buf_addu(&b, per_verdict[v]);
		first = 1;
		for (r = 1; r < R__COUNT; r++) {
			if (per_reason[r] == 0 ||
			    reason_verdict((enum reason)r) != v) {
				continue;
			}
			buf_adds(&b, first ? " (" : ", ");
			buf_adds(&b, reason_token((enum reason)r));
			buf_addc(&b, ' ');
			buf_addu(&b, per_reason[r]);
			first = 0;
		}
		if (!first) {
			buf_addc(&b, ')');
		}
	}
	if (st != NULL) {
		buf_adds(&b, "; sessions ");
		buf_addu(&b, st->sessions);
		buf_adds(&b, ", round trips ");
		buf_addu(&b, st->round_trips);
	}
	if (cached > 0) {
		buf_adds(&b, "; cached ");
		buf_addu(&b, cached);
	}
	if (skipped + skipped0 > 0) {
		buf_adds(&b, "; skipped (--resume) ");
		buf_addu(&b, skipped + skipped0);
	}
	buf_addc(&b, '\n');
	(void)write_all(2, b.p, b.len);
}
