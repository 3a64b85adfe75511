/*
 * main.c - mxprobe's front end: options, input, output, exit status.
 *
 * Exit status (docs/mxprobe.1): the worst verdict written, with
 * deliverable 0 < undeliverable 1 < risky 2 < unknown 3; 64 for usage
 * errors, 70 for internal errors, 74 when the results could not be
 * written; 128 + signal number when SIGINT or SIGTERM cut the run short
 * (after every admitted address has had its one result).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "engine.h"
#include "features.h"
#include "feed.h"
#include "input.h"
#include "loop.h"
#include "out.h"
#include "progress.h"
#include "resume.h"
#include "result.h"
#if MXP_AUDIT
#include "audit.h"
#endif
#if MXP_SELFCHECK
#include "selfcheck.h"
#endif
#include "serve.h"
#include "ring.h"
#include "util.h"
#include "verdict.h"

#if MXP_TLS
#include "tls.h"
#endif

/* --syntax-only: a straight loop, no event loop needed */
static int
run_syntax(const struct config *cfg, struct input *in, struct ring *ring,
    struct out *out, int *worst)
{
	struct input_line	 line;
	struct result		*res;
	struct addr		 a;
	enum addr_err		 e;
	enum input_rc		 rc;
	unsigned		 k = 0;

	(void)cfg;
	for (;;) {
		if (loop_signal() != 0) {
			return 0;
		}
		if ((++k & 1023) == 0) {
			prog_tick(NULL);
		}
		rc = feed_next(in, &line, &a, &e);
		if (rc == INPUT_AGAIN) {
			/* a pipe: block in read() here, no loop to poll */
			if (input_fill(in) < 0) {
				rc = INPUT_ERROR;
			} else {
				continue;
			}
		}
		if (rc == INPUT_EOF) {
			return 0;
		}
		if (rc == INPUT_ERROR) {
			msg("reading input: ", strerror(in->err), NULL);
			return -1;
		}
		if ((!ring_room(ring) || ring_full(ring)) &&
		    eng_drain(ring, out, worst, 1) < 0) {
			return -1;
		}
		res = ring_claim(ring, ring_admit(ring));
		res_input(res, &line);
		if (e != ADDR_OK) {
			res_syntax(res, e);
		} else {
			memcpy(res->domain, a.domain, a.domain_len + 1);
			if (res_is_role(&a)) {
				res->flags |= RES_F_ROLE;
			}
			res_reason(res, R_SYNTAX_OK, (a.flags & ADDR_F_UTF8) ?
			    "needs SMTPUTF8" : NULL);
		}
		ring_commit(ring, res);
	}
}

/*
 * --resume FILE: read what it answered.  When the results go to FILE
 * itself (mxprobe --resume FILE ... >> FILE), a line torn by a kill is
 * cut off first so the next result starts a line, and CSV gets no second
 * header.  FILE as the output without O_APPEND would be overwritten from
 * its start: refused.
 */
static void
resume_open(const struct config *cfg, struct out *out)
{
	struct stat	 st, so;
	off_t		 good;
	uint64_t	 lines;
	int		 fl;

	if (cfg->resume == NULL) {
		return;
	}
	if (resume_load(cfg->resume, cfg->resume_keep_unknown, &good,
	    &lines) != 0) {
		die(EXIT_USAGE, "--resume ", cfg->resume, ": ", strerror(errno),
		    NULL);
	}
	if (stat(cfg->resume, &st) != 0 || fstat(1, &so) != 0 ||
	    st.st_dev != so.st_dev || st.st_ino != so.st_ino) {
		return;
	}
	fl = fcntl(1, F_GETFL);
	if (fl < 0 || !(fl & O_APPEND)) {
		die(EXIT_USAGE, "--resume ", cfg->resume, " is also the output: "
		    "append to it (>> FILE), or it is overwritten", NULL);
	}
	if (st.st_size > good && ftruncate(1, good) != 0) {
		die(EXIT_IOERR, "--resume ", cfg->resume, ": cannot cut its "
		    "torn last line: ", strerror(errno), NULL);
	}
	if (good > 0 && cfg->fmt == OUT_CSV) {
		out->len = 0;	/* the header is there already */
	}
}

/* TLS for the probe: once per process, before any session */
static void
start_tls(const struct config *cfg)
{
#if MXP_TLS
	char	 err[256];

	if ((cfg->mode != MODE_PROBE && cfg->mode != MODE_SERVE &&
	    cfg->mode != MODE_AUDIT) || cfg->tls == TLSM_NO) {
		return;
	}
	if (tls_init(cfg->tls_verify, cfg->ca_file, err, sizeof(err)) != 0) {
		die(EXIT_USAGE, err, NULL);
	}
	if (tls_slots(cfg->tls_max) != 0) {
		die(EXIT_INTERNAL, "out of memory for TLS contexts", NULL);
	}
#else
	if (cfg->mode == MODE_PROBE && (cfg->tls == TLSM_REQUIRE ||
	    cfg->tls_verify)) {
		die(EXIT_USAGE, "this build has no TLS (TLS=0): --tls require "
		    "and --tls-verify cannot work", NULL);
	}
#endif
}

/* at exit: MXPROBE_TLS_STATS=1 prints the TLS heap counters (stderr) */
static void
stop_tls(const struct config *cfg)
{
#if MXP_TLS
	const char	*e = getenv("MXPROBE_TLS_STATS");

	if ((cfg->mode != MODE_PROBE && cfg->mode != MODE_SERVE &&
	    cfg->mode != MODE_AUDIT) || cfg->tls == TLSM_NO) {
		return;
	}
	if (e != NULL && strcmp(e, "1") == 0) {
		tls_stats(2);
	}
	tls_free();
#else
	(void)cfg;
#endif
}

/*
 * Standard descriptors closed by the caller: the next open() would take
 * their number (the self-pipe on 1, and results poured into it).  Put
 * /dev/null on 0 and 2; a closed stdout is an output error at once.
 */
static void
std_fds(void)
{
	int	 fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) {
			continue;
		}
		if (fd == 1) {
			die(EXIT_IOERR, "writing results: standard output "
			    "is closed", NULL);
		}
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd) {
			die(EXIT_INTERNAL, "/dev/null: ", strerror(errno),
			    NULL);
		}
	}
}

/*
 * Descriptors: --concurrency sockets plus a reserve (stdio, the input
 * file, the self-pipe, DNS sockets, spare).  Raise the soft limit as far
 * as needed (up to the hard one); if the sessions still do not fit, run
 * as many as fit and say so, rather than fail at the first socket().
 */
#define FD_RESERVE	16

static void
fit_fds(struct config *cfg)
{
	struct rlimit	 rl;
	rlim_t		 need = (rlim_t)cfg->concurrency + FD_RESERVE;
	char		 t[80];
	struct buf	 b;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need) {
		return;
	}
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max != RLIM_INFINITY &&
		    rl.rlim_max < need ? rl.rlim_max : need;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 ||
		    getrlimit(RLIMIT_NOFILE, &rl) != 0) {
			return;
		}
	}
	if (rl.rlim_cur >= need) {
		return;
	}
	buf_init(&b, t, sizeof(t) - 1);
	buf_adds(&b, "warning: open files limit ");
	buf_addu(&b, (uint64_t)rl.rlim_cur);
	buf_adds(&b, ": --concurrency ");
	buf_addu(&b, cfg->concurrency);
	cfg->concurrency = rl.rlim_cur > FD_RESERVE + 1 ?
	    (uint32_t)(rl.rlim_cur - FD_RESERVE) : 1;
	buf_adds(&b, " lowered to ");
	buf_addu(&b, cfg->concurrency);
	msg(buf_nul(&b), NULL);
}

/*
 * MXPROBE_FD_CHECK=1: at exit, count the descriptors still open
 * (/proc/self/fd, less the one reading it) and print the count on
 * stderr, so tests can see that none leaked.
 */
static void
fd_check(void)
{
	const char	*e = getenv("MXPROBE_FD_CHECK");
	DIR		*d;
	struct dirent	*de;
	uint64_t	 n = 0;
	char		 t[24];
	struct buf	 b;

	if (e == NULL || strcmp(e, "1") != 0 ||
	    (d = opendir("/proc/self/fd")) == NULL) {
		return;
	}
	while ((de = readdir(d)) != NULL) {
		n += de->d_name[0] != '.';
	}
	closedir(d);
	buf_init(&b, t, sizeof(t) - 1);
	buf_addu(&b, n > 0 ? n - 1 : 0);
	msg("fds open at exit: ", buf_nul(&b), NULL);
}

/* -v: the queue was chosen larger for a list read by domain (feed.h) */
static void
queue_say(const struct config *cfg, uint32_t q)
{
	char		 t[16];
	struct buf	 b;

	if (!cfg->verbose || q <= cfg->queue) {
		return;
	}
	buf_init(&b, t, sizeof(t) - 1);
	buf_addu(&b, q);
	msg("the list is read by domain: ", buf_nul(&b), " addresses in "
	    "progress at once (--queue not given)", NULL);
}

/* -v, after a run in passes: how long the passes waited for room */
static void
passes_say(const struct config *cfg)
{
	char		 t[64];
	struct buf	 b;
	int64_t		 ms = feed_gate_ms();

	if (!cfg->verbose || feed_passes() <= 1) {
		return;
	}
	buf_init(&b, t, sizeof(t) - 1);
	buf_addu(&b, feed_passes());
	buf_adds(&b, " passes; ");
	buf_addu(&b, (uint64_t)(ms / 1000));
	buf_addc(&b, '.');
	buf_addu(&b, (uint64_t)(ms % 1000 / 100));
	msg(buf_nul(&b), " s waiting, in all, for room in the queue to start "
	    "the next one", NULL);
}

int
main(int argc, char **argv)
{
	struct config	 cfg;
	struct input	 in;
	struct ring	 ring;
	struct out	 out;
	int		 fd, worst = V_DELIVERABLE, failed;

	std_fds();
	/* before anything else: a signal from here on is never lost */
	if (loop_sig_init() != 0) {
		die(EXIT_INTERNAL, "pipe: ", strerror(errno), NULL);
	}
	opt_parse(&cfg, argc, argv);
	if (cfg.mode == MODE_SERVE) {
		start_tls(&cfg);
		failed = serve_run(&cfg);
		stop_tls(&cfg);
		return failed;
	}
#if MXP_SELFCHECK
	if (cfg.mode == MODE_SELFCHECK) {
		fit_fds(&cfg);
		return selfcheck_run(&cfg);
	}
#endif

	if (cfg.nargs > 0) {
		input_open_args(&in, cfg.args, cfg.nargs);
	} else {
		fd = 0;
		if (cfg.file != NULL && strcmp(cfg.file, "-") != 0) {
			fd = open(cfg.file, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				die(EXIT_USAGE, cfg.file, ": ", strerror(errno),
				    NULL);
			}
		}
		if (input_open_fd(&in, fd) != 0) {
			die(EXIT_INTERNAL, "out of memory", NULL);
		}
	}
	if (out_init(&out, 1, cfg.fmt) != 0 ||
	    ring_init(&ring, cfg.ring, cfg.ordered) != 0) {
		die(EXIT_INTERNAL, "out of memory", NULL);
	}
	resume_open(&cfg, &out);

#if MXP_AUDIT
	if (cfg.mode == MODE_AUDIT) {
		start_tls(&cfg);
		fit_fds(&cfg);
		worst = audit_run(&cfg, &in);
		stop_tls(&cfg);
		ring_free(&ring);
		out_free(&out);
		input_close(&in);
		return worst;
	}
#endif
	if (cfg.mode != MODE_SYNTAX) {
		start_tls(&cfg);
		fit_fds(&cfg);
		/* before the pools: the first read may size the queue */
		feed_init(&cfg, &in, in.fd < 0 || util_is_regular(in.fd));
		queue_say(&cfg, feed_queue());
		cfg.queue = feed_queue();
		worst = eng_run(&cfg, &in, &ring, &out);
		passes_say(&cfg);
		stop_tls(&cfg);
		resume_free();
		ring_free(&ring);
		out_free(&out);
		input_close(&in);
		fd_check();
		return worst;
	}
	feed_init(&cfg, &in, in.fd < 0 || util_is_regular(in.fd));
	prog_init(&cfg, feed_total(), 0);
	failed = run_syntax(&cfg, &in, &ring, &out, &worst) != 0;
	if (eng_drain(&ring, &out, &worst, 1) < 0) {
		msg("writing results: ", strerror(out.err), NULL);
		failed = 1;
	}
	prog_end(NULL, feed_skipped());
	resume_free();
	/* pools live as long as the process; freed for leak checkers */
	ring_free(&ring);
	out_free(&out);
	input_close(&in);
	fd_check();
	if (failed) {
		return EXIT_IOERR;
	}
	if (loop_signal() != 0) {
		return 128 + loop_signal();
	}
	return worst;
}
