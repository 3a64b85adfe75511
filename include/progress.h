/*
 * progress.h - --progress and the summary of a run over a list, on
 * stderr only (never stdout; no effect on results or exit status).
 *
 * On a terminal one line is redrawn (at most PROG_TTY_MS apart); else
 * one plain line every --progress=N seconds.  The line: results done /
 * total (when the total is known: a regular file, counted before the
 * run), per cent, addresses per second, ETA, counts per verdict,
 * sessions open, addresses waiting for a greylisting retry and when the
 * next retry is due.  The summary (with --progress or -v, at the end):
 * totals per verdict and per reason, sessions opened, round trips, wall
 * time.  Integers only: no floating-point formatting (MIPS soft-float
 * builds, TOOLCHAIN-NOTES finding 8).
 */
#ifndef MXP_PROGRESS_H
#define MXP_PROGRESS_H

#include <stdint.h>

#include "config.h"
#include "ring.h"

#define PROG_TTY_MS	250

/* what the engine knows at a tick (zero in --syntax-only) */
struct prog_eng {
	uint64_t	 sessions;	/* opened so far */
	uint64_t	 round_trips;	/* connects + command writes */
	unsigned	 open;		/* sessions open now */
	unsigned	 retry_wait;	/* addresses waiting for a retry */
	int64_t		 retry_next;	/* ms until the next retry, -1 none */
};

/* start the clock; total 0 when not known; skipped: --resume */
void	prog_init(const struct config *cfg, uint64_t total, uint64_t skipped);

/* one result written */
void	prog_result(const struct result *res);

/* the period of prog_tick() calls wanted (0: none) */
int64_t	prog_period(void);

/* redraw or print if due; st may be NULL */
void	prog_tick(const struct prog_eng *st);

/* the end: clear the line, print the summary (if wanted) */
void	prog_end(const struct prog_eng *st, uint64_t skipped);

#endif
