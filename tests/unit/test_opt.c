/*
 * test_opt.c - the option table (src/opt.c): every default is what an
 * empty command line yields and what --help prints; every option is
 * refused (exit 64, a message naming it and the front end) where it
 * means nothing and taken where it applies; absurd values are usage
 * errors that name the option.
 *
 * Usage errors exit: those cases run opt_parse() in a child process and
 * read its status and standard error.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "features.h"
#include "util.h"
#include "verdict.h"
#include "t.h"
#include "tests.h"

#define ARGS_MAX	12

/* the commands that select each front end, by OPT_M_* bit */
static const char *const front_cmd[] = { NULL, "serve", "audit",
	"selfcheck" };
static const char *const front_text[] = { "not to address checks",
	"not to \"mxprobe serve\"", "not to \"mxprobe audit\"",
	"not to \"mxprobe selfcheck\"" };

static int
front_built(unsigned bit)
{
	if (bit == 2) {
		return MXP_AUDIT;
	}
	if (bit == 3) {
		return MXP_SELFCHECK;
	}
	return 1;
}

/* argv for front end bit: "mxprobe [command] [what serve needs] args" */
static int
make_argv(char **argv, char store[][80], unsigned bit,
    const char *const *args)
{
	const char	*pre[4];
	int		 n = 0, k;

	pre[n++] = "mxprobe";
	if (front_cmd[bit] != NULL) {
		pre[n++] = front_cmd[bit];
	}
	if (bit == 1) {
		pre[n++] = "--lines";
		pre[n++] = "x.sock";
	}
	for (k = 0; k < n; k++) {
		str_copy(store[k], 80, pre[k], strlen(pre[k]));
		argv[k] = store[k];
	}
	for (; *args != NULL && n < ARGS_MAX - 1; args++, n++) {
		str_copy(store[n], 80, *args, strlen(*args));
		argv[n] = store[n];
	}
	argv[n] = NULL;
	return n;
}

/* parse in this process: for command lines that are valid */
static void
parse(struct config *c, unsigned bit, const char *const *args)
{
	static char	 store[ARGS_MAX][80];
	static char	*argv[ARGS_MAX];
	int		 argc;

	argc = make_argv(argv, store, bit, args);
	opt_parse(c, argc, argv);
	c->args = NULL;
	c->nargs = 0;
}

/* parse in a child: its exit status (0 when it returns), stderr in err */
static int
parse_child(unsigned bit, const char *const *args, char *err, size_t cap)
{
	char		 store[ARGS_MAX][80];
	char		*argv[ARGS_MAX];
	struct config	 c;
	int		 argc, p[2], st, fd;
	pid_t		 pid;
	ssize_t		 n;
	size_t		 len = 0;

	argc = make_argv(argv, store, bit, args);
	fflush(stdout);
	fflush(stderr);
	if (pipe(p) != 0 || (pid = fork()) < 0) {
		return -1;
	}
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(p[1], 2);
		close(p[0]);
		opt_parse(&c, argc, argv);
		_exit(0);
	}
	close(p[1]);
	while (len + 1 < cap && (n = read(p[0], err + len,
	    cap - 1 - len)) > 0) {
		len += (size_t)n;
	}
	err[len] = '\0';
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
		return -1;
	}
	return WEXITSTATUS(st);
}

static unsigned
first_front(unsigned modes)
{
	unsigned	 bit;

	for (bit = 0; bit < 4; bit++) {
		if ((modes & (1u << bit)) && front_built(bit)) {
			return bit;
		}
	}
	return 0;
}

/* the --help line of option a: from its "--name" to the newline */
static const char *
help_line(const char *help, const struct opt_about *a, char *line,
    size_t cap)
{
	char		 key[64];
	const char	*p, *e, *ls;
	struct buf	 b;

	buf_init(&b, key, sizeof(key) - 1);
	buf_adds(&b, "--");
	buf_adds(&b, a->name);
	buf_nul(&b);
	for (p = help; (p = strstr(p, key)) != NULL; p++) {
		/* in the option column, the whole name: "--tls" is not
		 * "--tls-max", nor "--tls require" in another's help */
		for (ls = p; ls > help && ls[-1] != '\n'; ls--) {
			continue;
		}
		if ((p[b.len] == ' ' || p[b.len] == '[') &&
		    (p - ls == 6 || p - ls == 8)) {
			e = strchr(p, '\n');
			str_copy(line, cap, p, e != NULL ? (size_t)(e - p) :
			    strlen(p));
			return line;
		}
	}
	return NULL;
}

void
test_opt_defaults(void)
{
	static char		 help[16384];
	struct opt_about	 a;
	struct config		 base, c;
	struct buf		 b;
	char			 line[512], want[128];
	const char		*args[4];
	unsigned		 bit;
	size_t			 i;
	int			 ndef = 0;

	buf_init(&b, help, sizeof(help) - 1);
	opt_help(&b);
	T_CHECK(!b.trunc);
	buf_nul(&b);
	for (i = 0; opt_about(i, &a) == 0; i++) {
		T_CHECKF(a.modes != 0, "--%s applies nowhere", a.name);
		T_CHECKF(help_line(help, &a, line, sizeof(line)) != NULL,
		    "--%s not in --help", a.name);
		if (a.def == NULL || (a.def[0] == '\0' && a.arg != NULL)) {
			continue;
		}
		ndef++;
		/* the default given explicitly changes nothing */
		bit = first_front(a.modes);
		args[0] = NULL;
		parse(&base, bit, args);
		buf_init(&b, want, sizeof(want) - 1);
		buf_adds(&b, "--");
		buf_adds(&b, a.name);
		if (a.arg != NULL) {
			buf_addc(&b, '=');
			buf_adds(&b, a.def);
		}
		args[0] = buf_nul(&b);
		args[1] = NULL;
		parse(&c, bit, args);
		T_CHECKF(memcmp(&base, &c, sizeof(c)) == 0,
		    "--%s=%s is not the empty command line's value", a.name,
		    a.def);
		/* and --help says it */
		buf_init(&b, want, sizeof(want) - 1);
		buf_adds(&b, a.def[0] != '\0' ? "(default " : "(default)");
		buf_adds(&b, a.def);
		buf_nul(&b);
		T_CHECKF(help_line(help, &a, line, sizeof(line)) != NULL &&
		    strstr(line, want) != NULL, "--%s: help has no \"%s\"",
		    a.name, want);
	}
	T_CHECKF(ndef >= 39, "only %d defaults in the table", ndef);

	/* derived defaults (derive()) */
	args[0] = NULL;
	parse(&c, 0, args);
	T_INTEQ(c.ring, 16);
	T_INTEQ(c.queue, 768);
	T_INTEQ(c.queue_auto, 1);		/* feed_init() may take more */
	T_INTEQ(c.catch_all, 1);
	T_CHECK(c.ca_file == NULL);
	T_INTEQ(c.tls, TLSM_TRY);
	T_INTEQ(c.no_retry, 0);
	T_STREQ(c.from, "");
	T_INTEQ(c.act[V_DELIVERABLE], ACT_ACCEPT);
	T_INTEQ(c.act[V_UNDELIVERABLE], ACT_REJECT);
	T_INTEQ(c.act[V_RISKY], ACT_ACCEPT);
	T_INTEQ(c.act[V_UNKNOWN], ACT_DEFER);
	T_INTEQ(c.fmt, OUT_TEXT);
	T_INTEQ(c.mode, MODE_PROBE);
	parse(&c, 0, (const char *[]){ "--order", "input", "--no-catch-all",
	    NULL });
	T_INTEQ(c.ring, 256);
	T_INTEQ(c.catch_all, 0);
	parse(&c, 0, (const char *[]){ "--queue", "768", NULL });
	T_INTEQ(c.queue, 768);
	T_INTEQ(c.queue_auto, 0);		/* given: kept as it is */
	parse(&c, 0, (const char *[]){ "--tls-verify", NULL });
	T_INTEQ(c.tls, TLSM_REQUIRE);
	T_CHECK(c.ca_file != NULL && c.ca_file[0] == '/');
	parse(&c, 1, (const char *[]){ "--backend", "[::1]:2525", NULL });
	T_INTEQ(c.no_retry, 1);
	T_INTEQ(c.port, 2525);
	T_STREQ(c.backend, "::1");
#if MXP_SELFCHECK
	parse(&c, 3, (const char *[]){ NULL });
	T_INTEQ(c.tls, TLSM_NO);
#endif
}

/* names an independent list of options must be refused for */
static void
refused(unsigned bit, const char *const *opts)
{
	char		 err[512], name[64];
	const char	*args[4];
	const char	*sp;
	int		 rc;

	for (; *opts != NULL; opts++) {
		/* "name value" or "name" */
		sp = strchr(*opts, ' ');
		str_copy(name, sizeof(name), *opts, sp != NULL ?
		    (size_t)(sp - *opts) : strlen(*opts));
		args[0] = name;
		args[1] = sp != NULL ? sp + 1 : NULL;
		args[2] = NULL;
		rc = parse_child(bit, args, err, sizeof(err));
		name[strcspn(name, "=")] = '\0';	/* "--progress=5" */
		T_CHECKF(rc == 64, "%s in front %u: exit %d", *opts, bit, rc);
		T_CHECKF(strstr(err, name) != NULL &&
		    strstr(err, front_text[bit]) != NULL,
		    "%s in front %u: said \"%s\"", *opts, bit, err);
	}
}

void
test_opt_modes(void)
{
	static const char *const serve_only[] = {
		"--policy x", "--lines x", "--backend h", "--max-clients 1",
		"--max-request 256", "--client-timeout 1",
		"--socket-mode 0600", "--socket-owner x", "--user x",
		"--drain-timeout 1", "--on-undeliverable defer",
		"--on-risky reject", "--on-unknown accept", "--syslog",
		"--stats 1", NULL
	};
	static const char *const check_only[] = {
		"--order input", "--ring 8", "--syntax-only", "--mx-only",
		"-f x", "--file x", "--greylist-delay 1", "--greylist-max 1",
		"--no-retry", "--progress", "--progress=5", "--resume x",
		"--resume-keep-unknown", "--passes 1", "--shard 0/2", NULL
	};
	static const char *const selfcheck_only[] = { "--dnsbl x", NULL };
	static const char *const not_selfcheck[] = { "--tls no",
		"--tls-verify", "--ca-file x", "--tls-max 1", "--from a@b.c",
		"--csv", "--queue 1", NULL };
	struct opt_about	 a;
	char			 err[512], name[64];
	const char		*args[3];
	struct buf		 b;
	unsigned		 bit;
	size_t			 i;
	int			 rc;

	refused(0, serve_only);
	refused(1, check_only);
	refused(0, selfcheck_only);
	refused(1, selfcheck_only);
#if MXP_AUDIT
	refused(2, selfcheck_only);
	refused(2, serve_only);
#endif
#if MXP_SELFCHECK
	refused(3, serve_only);
	refused(3, check_only);
	refused(3, not_selfcheck);
#endif
	(void)not_selfcheck;

	/* every option in every front end: refused exactly where the table
	 * says it does not apply (the value does not matter for that) */
	for (i = 0; opt_about(i, &a) == 0; i++) {
		buf_init(&b, name, sizeof(name) - 1);
		buf_adds(&b, "--");
		buf_adds(&b, a.name);
		args[0] = buf_nul(&b);
		args[1] = a.arg != NULL && a.arg[0] != '[' ? "1" : NULL;
		args[2] = NULL;
		for (bit = 0; bit < 4; bit++) {
			if (!front_built(bit)) {
				continue;
			}
			rc = parse_child(bit, args, err, sizeof(err));
			if (a.modes & (1u << bit)) {
				T_CHECKF(strstr(err, " applies to ") == NULL,
				    "%s in front %u refused: %s", name, bit,
				    err);
			} else {
				T_CHECKF(rc == 64 && strstr(err, name) != NULL &&
				    strstr(err, front_text[bit]) != NULL,
				    "%s in front %u: exit %d, \"%s\"", name,
				    bit, rc, err);
			}
		}
	}
}

void
test_opt_absurd(void)
{
	static const struct {
		unsigned	 front;
		const char	*args[10];
		const char	*says;	/* in the message */
	} cases[] = {
		{ 0, { "--concurrency", "0" }, "--concurrency" },
		{ 0, { "--concurrency", "4097" }, "--concurrency" },
		{ 0, { "-c", "99999999999999999999999" }, "--concurrency" },
		{ 0, { "--ring", "-1" }, "--ring" },
		{ 0, { "--queue", "1e3" }, "--queue" },
		{ 0, { "--port", "65536" }, "--port" },
		{ 0, { "-p", "" }, "--port" },
		{ 0, { "--timeout", "0" }, "--timeout" },
		{ 0, { "--timeout", "3601" }, "--timeout" },
		{ 0, { "--connect-timeout", "1.5" }, "--connect-timeout" },
		{ 0, { "--backoff", "0" }, "--backoff" },
		{ 0, { "--backoff", "0.0001" }, "--backoff" },
		{ 0, { "--backoff-max", "99999999" }, "--backoff-max" },
		{ 0, { "--backoff", "20", "--backoff-max", "10" },
		    "--backoff" },
		{ 0, { "--ttl-min", "100", "--ttl-max", "10" }, "--ttl-min" },
		{ 0, { "--dns-tries", "11" }, "--dns-tries" },
		{ 0, { "--dns", "a", "--dns", "b", "--dns", "c", "--dns", "d" },
		    "--dns" },
		{ 0, { "--shard", "2/2" }, "--shard" },
		{ 0, { "--shard", "0/0" }, "--shard" },
		{ 0, { "--seed", "0" }, "--seed" },
		{ 0, { "--order", "sideways" }, "--order" },
		{ 0, { "--tls", "maybe" }, "--tls" },
		{ 0, { "--tls-verify", "--tls", "no" }, "--tls-verify" },
		{ 0, { "--progress=0" }, "--progress" },
		{ 0, { "--passes", "1025" }, "--passes" },
		{ 0, { "--cache-save", "9" }, "--cache-save" },
		{ 0, { "--from", "a@@b" }, "--from" },
		{ 0, { "--helo", "bad name" }, "--helo" },
		{ 0, { "--json=1" }, "--json" },
		{ 0, { "--rcpt-per-session", "33" }, "--rcpt-per-session" },
		{ 1, { "--socket-mode", "0800" }, "--socket-mode" },
		{ 1, { "--max-request", "255" }, "--max-request" },
		{ 1, { "--on-unknown", "reject" }, "--on-unknown" },
		{ 1, { "--backend", "h:0" }, "--backend" },
		{ 1, { "--client-timeout", "86401" }, "--client-timeout" },
		{ 0, { NULL }, NULL }
	};
	char	 err[512];
	size_t	 i;
	int	 rc;

	for (i = 0; cases[i].says != NULL; i++) {
		rc = parse_child(cases[i].front, cases[i].args, err,
		    sizeof(err));
		T_CHECKF(rc == 64, "row %zu (%s %s): exit %d", i,
		    cases[i].args[0], cases[i].args[1] != NULL ?
		    cases[i].args[1] : "", rc);
		T_CHECKF(strstr(err, cases[i].says) != NULL,
		    "row %zu: \"%s\" does not name %s", i, err,
		    cases[i].says);
	}
}
