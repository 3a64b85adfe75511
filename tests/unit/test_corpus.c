/*
 * test_corpus.c - the verdict table against the reply corpus
 * (tests/corpus/replies.tsv, sources in tests/corpus/SOURCES.md).
 *
 * Every row is turned back into a reply line, parsed by reply_feed() as
 * the session would, and looked up with verdict_smtp().  The test prints
 * the confusion matrix (expected verdict x verdict given), the precision
 * of `undeliverable` and of `deliverable`, and the overall agreement;
 * docs/verdicts.md shows that output ("test_unit corpus").  It fails
 * when a figure drops below its floor, when the corpus is short, and when
 * a table row's evidence (a corpus row id in vt_rows) is not decided by
 * that row any more.
 *
 * The file is found at $MXP_CORPUS, else tests/corpus/replies.tsv from
 * the current directory (tests/run.sh runs from the top of the tree).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "t.h"
#include "verdict.h"

void	test_corpus(void);

/*
 * Floors, in thousandths: a change that lowers a figure below one of
 * these fails.  Integer arithmetic only: the MIPS targets run under
 * qemu -cpu 24Kc, which has no FPU (board/fpu-check.sh).
 */
#define CORPUS_MIN_ROWS			300
#define CORPUS_MIN_UNDELIV_PRECISION	980	/* 0.980 */
#define CORPUS_MIN_AGREEMENT		950	/* 0.950 */

#define CORPUS_FIELDS	11
#define CORPUS_LINE	4096
#define CORPUS_ROWS_MAX	128	/* table rows tracked for evidence */

static const struct {
	const char	*name;
	enum smtp_stage	 stage;
} corpus_stages[] = {
	{ "BANNER", STAGE_BANNER }, { "EHLO", STAGE_EHLO },
	{ "HELO", STAGE_HELO }, { "MAIL", STAGE_MAIL },
	{ "RCPT", STAGE_RCPT },
};

static int
corpus_stage(const char *s, enum smtp_stage *out)
{
	size_t	 i;

	for (i = 0; i < sizeof(corpus_stages) / sizeof(corpus_stages[0]);
	    i++) {
		if (strcmp(s, corpus_stages[i].name) == 0) {
			*out = corpus_stages[i].stage;
			return 0;
		}
	}
	return -1;
}

static int
corpus_verdict(const char *s)
{
	int	 v;

	for (v = 0; v < V__COUNT; v++) {
		if (strcmp(s, verdict_token((enum verdict)v)) == 0) {
			return v;
		}
	}
	return -1;
}

static int
corpus_reason(const char *s)
{
	int	 r;

	for (r = 0; r < R__COUNT; r++) {
		if (strcmp(s, reason_token((enum reason)r)) == 0) {
			return r;
		}
	}
	return -1;
}

/* n / d in thousandths, rounded down; 1000 when nothing was counted */
static unsigned
corpus_milli(unsigned n, unsigned d)
{
	if (d == 0) {
		return 1000;
	}
	return (unsigned)((unsigned long long)n * 1000 / d);
}

/* split line at tabs into f[0..n); returns the number of fields */
static size_t
corpus_split(char *line, char **f, size_t n)
{
	size_t	 k = 0;

	f[k++] = line;
	for (; *line != '\0' && k < n; line++) {
		if (*line == '\t') {
			*line = '\0';
			f[k++] = line + 1;
		}
	}
	return k;
}

/* code, ecode and text back into one reply line, parsed like a server's */
static int
corpus_reply(const char *code, const char *ecode, const char *text,
    struct reply *r)
{
	struct reply_parser	 p;
	char			 wire[REPLY_LINE_MAX];
	size_t			 used, len;
	int			 n;

	n = snprintf(wire, sizeof(wire) - 2, "%s%s%s %s", code,
	    strcmp(ecode, "-") == 0 ? "" : " ",
	    strcmp(ecode, "-") == 0 ? "" : ecode, text);
	if (n < 0) {
		return -1;
	}
	len = strlen(wire);		/* cut like a 512-octet line limit */
	memcpy(wire + len, "\r\n", 2);
	len += 2;
	memset(r, 0, sizeof(*r));
	reply_init(&p, 0);
	return reply_feed(&p, wire, len, &used, r) == REPLY_DONE &&
	    used == len ? 0 : -1;
}

void
test_corpus(void)
{
	const char	*path = getenv("MXP_CORPUS");
	const char	*const *evidence;
	char		 line[CORPUS_LINE], *f[CORPUS_FIELDS];
	char		 firsthit[CORPUS_ROWS_MAX][8];
	unsigned	 m[V__COUNT][V__COUNT], hits[CORPUS_ROWS_MAX];
	unsigned char	 seen[CORPUS_ROWS_MAX];
	unsigned	 rows = 0, agree = 0, reason_agree = 0, col, i, j;
	size_t		 nrows, k;
	FILE		*fp;
	struct reply	 r;

	if (path == NULL) {
		path = "tests/corpus/replies.tsv";
	}
	fp = fopen(path, "r");
	T_CHECKF(fp != NULL, "cannot open %s (run from the top of the tree "
	    "or set MXP_CORPUS)", path);
	if (fp == NULL) {
		return;
	}
	memset(m, 0, sizeof(m));
	memset(hits, 0, sizeof(hits));
	memset(seen, 0, sizeof(seen));
	memset(firsthit, 0, sizeof(firsthit));
	nrows = verdict_rows(&evidence);
	T_CHECK(nrows <= CORPUS_ROWS_MAX);
	verdict_rules_clear();

	while (fgets(line, sizeof(line), fp) != NULL) {
		enum smtp_stage	 stage;
		enum reason	 got;
		int		 want_v, want_r, row;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0') {
			continue;
		}
		if (corpus_split(line, f, CORPUS_FIELDS) != CORPUS_FIELDS ||
		    corpus_stage(f[1], &stage) < 0 ||
		    (want_v = corpus_verdict(f[6])) < 0 ||
		    (want_r = corpus_reason(f[7])) < 0 ||
		    (int)reason_verdict((enum reason)want_r) != want_v) {
			T_CHECKF(0, "%s: malformed corpus row: %s", path,
			    line);
			continue;
		}
		if (corpus_reply(f[2], f[3], f[4], &r) < 0) {
			T_CHECKF(0, "%s: does not parse as a reply", f[0]);
			continue;
		}
		got = verdict_smtp(stage, &r);
		row = verdict_row(stage, &r);
		if (row >= 0 && (size_t)row < CORPUS_ROWS_MAX) {
			if (hits[row]++ == 0) {
				snprintf(firsthit[row], sizeof(firsthit[row]),
				    "%s", f[0]);
			}
		}
		rows++;
		m[want_v][reason_verdict(got)]++;
		if ((int)reason_verdict(got) == want_v) {
			agree++;
		} else {
			printf("corpus: %s want %s %s, got %s %s: %s %s "
			    "%.80s\n", f[0], f[6], f[7],
			    verdict_token(reason_verdict(got)),
			    reason_token(got), f[2], f[3], f[4]);
		}
		if ((int)got == want_r) {
			reason_agree++;
		}
		/* is this row a table row's evidence?  then it must hit it */
		for (k = 0; k < nrows && k < CORPUS_ROWS_MAX; k++) {
			if (evidence[k] != NULL &&
			    strcmp(evidence[k], f[0]) == 0) {
				T_CHECKF(row == (int)k, "table row %zu: its "
				    "evidence %s is decided by row %d", k,
				    f[0], row);
				seen[k] = 1;
			}
		}
	}
	fclose(fp);

	/* every row with evidence found it in the corpus */
	for (k = 0; k < nrows && k < CORPUS_ROWS_MAX; k++) {
		T_CHECKF(evidence[k] == NULL || seen[k],
		    "table row %zu: evidence %s is not in the corpus", k,
		    evidence[k] != NULL ? evidence[k] : "");
	}

	printf("corpus: %u replies (%s)\n", rows, path);
	printf("corpus: expected \\ got   deliverable undeliverable "
	    "      risky     unknown\n");
	for (i = 0; i < V__COUNT; i++) {
		printf("corpus: %-15s", verdict_token((enum verdict)i));
		for (j = 0; j < V__COUNT; j++) {
			printf(" %11u", m[i][j]);
		}
		printf("\n");
	}
	{
		unsigned	 gu = 0, gd = 0, pu, pd, ag, ar;

		for (i = 0; i < V__COUNT; i++) {
			gu += m[i][V_UNDELIVERABLE];
			gd += m[i][V_DELIVERABLE];
		}
		pu = corpus_milli(m[V_UNDELIVERABLE][V_UNDELIVERABLE], gu);
		pd = corpus_milli(m[V_DELIVERABLE][V_DELIVERABLE], gd);
		ag = rows ? corpus_milli(agree, rows) : 0;
		ar = rows ? corpus_milli(reason_agree, rows) : 0;
		printf("corpus: undeliverable precision %u.%03u (%u of %u), "
		    "deliverable precision %u.%03u (%u of %u)\n",
		    pu / 1000, pu % 1000, m[V_UNDELIVERABLE][V_UNDELIVERABLE],
		    gu, pd / 1000, pd % 1000, m[V_DELIVERABLE][V_DELIVERABLE],
		    gd);
		printf("corpus: agreement %u.%03u (%u of %u verdicts), "
		    "reasons %u.%03u\n", ag / 1000, ag % 1000, agree, rows,
		    ar / 1000, ar % 1000);
		T_CHECKF(rows >= CORPUS_MIN_ROWS, "%u rows, want %d", rows,
		    CORPUS_MIN_ROWS);
		T_CHECKF(pu >= CORPUS_MIN_UNDELIV_PRECISION,
		    "undeliverable precision %u/1000 < %d/1000", pu,
		    CORPUS_MIN_UNDELIV_PRECISION);
		T_CHECKF(ag >= CORPUS_MIN_AGREEMENT, "agreement %u/1000 < "
		    "%d/1000", ag, CORPUS_MIN_AGREEMENT);
	}
	for (k = 0; k < nrows && k < CORPUS_ROWS_MAX; k++) {
		col = hits[k];
		printf("corpus: table row %2zu: %3u replies%s%s\n", k, col,
		    col ? ", first " : "", firsthit[k]);
	}
}
