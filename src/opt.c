/*
 * opt.c - command-line options: one table gives each option its name,
 * its field in struct config, its default, its bounds and the front ends
 * (address checks, serve, audit, selfcheck) it applies to; derive()
 * computes the defaults that depend on other options.
 *
 * Accepted forms: "--name value", "--name=value", "-x value", "-xvalue"
 * for options with a short letter, "--" ends the options.  A value out
 * of bounds, an unknown option or a missing value is a usage error
 * (exit 64) that names the option: never silently clamped.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "engine.h"
#include "features.h"
#include "util.h"
#include "verdict.h"
#include "version.h"

enum okind {
	OK_FLAG,	/* int field = min */
	OK_U32,		/* uint32_t field, min..max */
	OK_STR,		/* const char * field */
	OK_FN		/* handled by a function */
};

struct opt;
typedef void opt_fn(struct config *, const struct opt *, const char *);

/*
 * One row per option.  def is the option's value before the command line
 * is read, given as text and put through the option's own parser (so a
 * default is checked against the bounds like any value, and --help prints
 * it from here); NULL: the field starts at zero, or derive() computes it.
 * modes says in which front ends the option means something: anywhere
 * else it is refused (exit 64), never silently ignored.
 */
struct opt {
	const char	*name;
	char		 letter;
	enum okind	 kind;
	size_t		 off;
	uint32_t	 min, max;
	opt_fn		*fn;
	const char	*arg;	/* name of the value, for --help */
	const char	*def;
	unsigned	 modes;	/* OPT_M_* */
	const char	*help;
};

static opt_fn set_action, set_octal, set_shard, add_list, set_progress,
    set_msecs;
static opt_fn set_mode, set_fmt, set_order, set_seed, show_help,
    show_version, set_family, set_tls, set_secs;

#define F(field) offsetof(struct config, field)
#define OPT_STR_(x)	#x
#define OPT_STR(x)	OPT_STR_(x)

/* the commands an option is for (mxprobe(1): Where each option applies) */
#define M_CHECK	OPT_M_CHECK
#define M_SERVE	OPT_M_SERVE
#define M_SELF	OPT_M_SELFCHECK
#define M_ALL	(OPT_M_CHECK | OPT_M_SERVE | OPT_M_AUDIT | OPT_M_SELFCHECK)
#define M_PROBE	(OPT_M_CHECK | OPT_M_SERVE)	/* asks RCPT TO: verdicts */
#define M_TLS	(OPT_M_CHECK | OPT_M_SERVE | OPT_M_AUDIT)	/* STARTTLS */
#define M_LIST	(OPT_M_CHECK | OPT_M_AUDIT)	/* reads a list (-f) */

/*
 * Derived defaults (derive()): the ring by the output order (in input
 * order each address in progress holds its slot, so the ring bounds the
 * work in progress; in completion order only finished, unwritten results
 * do), and the CA bundle of --tls-verify.
 */
#define RING_COMPLETION	16
#define RING_INPUT	256
/*
 * --queue not given: this, or more for a regular file read by domain (in
 * passes, or grouped), chosen by feed_init() (feed.h: queue_auto).
 */
#define QUEUE_DEFAULT	768
#define CA_FILE_DEFAULT	"/etc/ssl/certs/ca-certificates.crt"
/* --progress without =N: a plain line every so many seconds */
#define PROGRESS_S	10

static int	optional_value(const struct opt *o);
static void	apply(struct config *c, const struct opt *o, const char *v);

static const struct opt opts[] = {
	{ "file", 'f', OK_STR, F(file), 0, 0, NULL, "FILE", NULL, M_LIST,
	    "read addresses from FILE, one per line (- is stdin)" },
	{ "syntax-only", 0, OK_FN, 0, MODE_SYNTAX, 0, set_mode, NULL, NULL,
	    M_CHECK, "check the address syntax only" },
	{ "mx-only", 0, OK_FN, 0, MODE_MX, 0, set_mode, NULL, NULL, M_CHECK,
	    "check syntax and mail routing (DNS) only" },
	{ "json", 0, OK_FN, 0, OUT_JSON, 0, set_fmt, NULL, NULL, M_ALL,
	    "one JSON object per line" },
	{ "csv", 0, OK_FN, 0, OUT_CSV, 0, set_fmt, NULL, NULL, M_PROBE,
	    "CSV with a header line" },
	{ "text", 0, OK_FN, 0, OUT_TEXT, 0, set_fmt, NULL, "", M_ALL,
	    "address, verdict, reason, detail; TAB-separated" },
	{ "order", 0, OK_FN, 0, 0, 0, set_order, "input|completion",
	    "completion", M_CHECK, "order of the results" },
	{ "ring", 0, OK_U32, F(ring), 1, 1u << 20, NULL, "N", NULL, M_CHECK,
	    "result ring slots (default " OPT_STR(RING_COMPLETION) "; "
	    OPT_STR(RING_INPUT) " with --order input)" },
	{ "concurrency", 'c', OK_U32, F(concurrency), 1, 4096, NULL, "N",
	    "32", M_ALL, "SMTP sessions at once" },
	{ "queue", 0, OK_U32, F(queue), 1, 1u << 20, NULL, "N", NULL,
	    M_PROBE, "addresses in progress at once (default "
	    OPT_STR(QUEUE_DEFAULT) "; up to twice that for a file read by "
	    "domain)" },
	{ "per-domain", 0, OK_U32, F(per_domain), 1, 64, NULL, "N", "2",
	    M_PROBE, "sessions per domain at once" },
	{ "rcpt-per-session", 0, OK_U32, F(rcpt_per_session), 1, RCPT_MAX,
	    NULL, "N", "20", M_PROBE, "recipients per transaction" },
	{ "dns", 0, OK_FN, F(dns), F(ndns), CFG_DNS_MAX - 1, add_list,
	    "ADDR[:PORT]", NULL, M_ALL,
	    "name server to ask (repeatable; default /etc/resolv.conf)" },
	{ "ipv4", '4', OK_FN, 0, 4, 0, set_family, NULL, NULL, M_ALL,
	    "IPv4 mail hosts only" },
	{ "ipv6", '6', OK_FN, 0, 6, 0, set_family, NULL, NULL, M_ALL,
	    "IPv6 mail hosts only" },
	{ "allow-private", 0, OK_FLAG, F(allow_private), 1, 0, NULL, NULL,
	    NULL, M_ALL, "probe mail hosts at private or loopback addresses" },
	/* verdicts */
	{ "verdict-rules", 0, OK_STR, F(verdict_rules), 0, 0, NULL, "FILE",
	    NULL, M_PROBE,
	    "verdict rows of your own, tried before the built-in table" },
	{ "allow-single-label", 0, OK_FLAG, F(allow_single_label), 1, 0,
	    NULL, NULL, NULL, M_ALL,
	    "accept dotless domains (a@host): closed networks" },
	{ "dns-cache", 0, OK_U32, F(dns_cache), 1, 1u << 20, NULL, "N", "512",
	    M_PROBE, "domains kept in the DNS cache" },
	{ "dns-inflight", 0, OK_U32, F(dns_inflight), 1, 4096, NULL, "N",
	    "32", M_ALL, "domains resolving at once" },
	{ "dns-timeout", 0, OK_U32, F(dns_timeout_s), 1, 60, NULL, "SECONDS",
	    "2", M_ALL, "first DNS timeout, doubled per try" },
	{ "dns-tries", 0, OK_U32, F(dns_tries), 1, 10, NULL, "N", "3", M_ALL,
	    "DNS tries per server" },
	{ "ttl-min", 0, OK_U32, F(ttl_min_s), 0, 86400 * 7, NULL, "SECONDS",
	    "60", M_ALL, "shortest time a DNS answer is kept" },
	{ "ttl-max", 0, OK_U32, F(ttl_max_s), 1, 86400 * 7, NULL, "SECONDS",
	    "3600", M_ALL, "longest time a DNS answer is kept" },
	{ "port", 'p', OK_U32, F(port), 1, 65535, NULL, "PORT", "25", M_ALL,
	    "SMTP port" },
	{ "helo", 0, OK_STR, F(helo), 0, 0, NULL, "NAME", NULL, M_ALL,
	    "name to say in EHLO/HELO (default this host's name)" },
	{ "source", 0, OK_STR, F(source), 0, 0, NULL, "ADDRESS", NULL, M_ALL,
	    "local address to connect from (default: the system's choice)" },
	/* "" is the null reverse-path, which no command line can give */
	{ "from", 0, OK_STR, F(from), 0, 0, NULL, "ADDRESS", "", M_PROBE,
	    "MAIL FROM address (default <>, the null sender)" },
	{ "proxy", 0, OK_FN, F(proxy), F(nproxy), CFG_PROXY_MAX, add_list,
	    "URL", NULL, M_ALL, "connect through this SOCKS 5 proxy, "
	    "socks5://[USER:PASS@]HOST[:PORT] (repeatable)" },
	{ "proxy-file", 0, OK_STR, F(proxy_file), 0, 0, NULL, "FILE", NULL,
	    M_ALL,
	    "SOCKS 5 proxy URLs, one per line (keeps passwords out of ps)" },
	{ "dnsbl", 0, OK_FN, F(dnsbl), F(ndnsbl), CFG_DNSBL_MAX, add_list,
	    "ZONE", NULL, M_SELF, "a DNSBL zone to look the address up in "
	    "(repeatable; replaces the defaults)" },
	{ "connect-timeout", 0, OK_FN, F(connect_ms), 1, 600, set_secs,
	    "SECONDS", "10", M_ALL, "per connection attempt" },
	{ "banner-timeout", 0, OK_FN, F(banner_ms), 1, 600, set_secs,
	    "SECONDS", "30", M_ALL, "for the greeting" },
	{ "reply-timeout", 0, OK_FN, F(reply_ms), 1, 600, set_secs,
	    "SECONDS", "30", M_ALL, "for each reply" },
	{ "timeout", 0, OK_FN, F(address_ms), 1, 3600, set_secs,
	    "SECONDS", "120", M_ALL, "for one attempt at an address" },
	/* serve answers greylisting at once (derive()): no retries there */
	{ "greylist-delay", 0, OK_U32, F(greylist_delay_s), 0, 86400, NULL,
	    "SECONDS", "300", M_CHECK,
	    "wait before asking a greylisting server again" },
	{ "greylist-max", 0, OK_U32, F(greylist_max), 0, 10, NULL, "N", "2",
	    M_CHECK, "retries after greylisting" },
	{ "no-retry", 0, OK_FLAG, F(no_retry), 1, 0, NULL, NULL, NULL, M_CHECK,
	    "report greylisting at once as unknown greylisted" },
	{ "no-catch-all", 0, OK_FLAG, F(no_catch_all), 1, 0, NULL, NULL, NULL,
	    M_PROBE, "do not probe a random recipient per domain" },
	{ "attempts", 0, OK_U32, F(attempts), 1, 50, NULL, "N", "4", M_PROBE,
	    "attempts per address: transactions, reconnections, retries" },
	{ "rejects-per-session", 0, OK_U32, F(rejects_per_session), 1, 1000,
	    NULL, "N", "8", M_PROBE,
	    "rejected recipients, then a new session" },
	{ "tx-per-session", 0, OK_U32, F(tx_per_session), 1, 10000, NULL, "N",
	    "50", M_PROBE, "transactions (MAIL) per session" },
	/* every session asks the governor before it connects */
	{ "host-connections", 0, OK_U32, F(host_conn_min), 1, 100000, NULL,
	    "N", "60", M_ALL, "new connections per minute to one mail host" },
	{ "host-rcpts", 0, OK_U32, F(host_rcpt_min), 1, 1000000, NULL, "N",
	    "600", M_PROBE, "RCPT commands per minute to one mail host" },
	{ "backoff", 0, OK_FN, F(backoff_ms), 1, 3600000, set_msecs,
	    "SECONDS", "10", M_ALL, "first pause after a host's temporary "
	    "failure, doubled each time" },
	{ "backoff-max", 0, OK_FN, F(backoff_max_ms), 1, 86400000, set_msecs,
	    "SECONDS", "300", M_ALL, "longest such pause" },
	{ "limits", 0, OK_STR, F(limits_file), 0, 0, NULL, "FILE", NULL,
	    M_PROBE, "politeness limits by MX host name (see POLITENESS)" },
	/* selfcheck only needs a greeting: no STARTTLS (derive()) */
	{ "tls", 0, OK_FN, 0, 0, 0, set_tls, "try|require|no", "try", M_TLS,
	    "STARTTLS use" },
	{ "tls-verify", 0, OK_FLAG, F(tls_verify), 1, 0, NULL, NULL, NULL,
	    M_TLS, "verify certificates and host names (implies --tls "
	    "require)" },
	{ "ca-file", 0, OK_STR, F(ca_file), 0, 0, NULL, "FILE", NULL, M_TLS,
	    "CA bundle for --tls-verify (default " CA_FILE_DEFAULT ")" },
	{ "tls-max", 0, OK_U32, F(tls_max), 1, 1024, NULL, "N", "16", M_TLS,
	    "TLS sessions at once" },
	{ "policy", 0, OK_STR, F(policy), 0, 0, NULL, "LISTEN", NULL, M_SERVE,
	    "Postfix policy protocol on a socket path or HOST:PORT" },
	{ "lines", 0, OK_STR, F(lines), 0, 0, NULL, "LISTEN", NULL, M_SERVE,
	    "one address per line, one result line back" },
	{ "backend", 0, OK_STR, F(backend), 0, 0, NULL, "HOST[:PORT]", NULL,
	    M_SERVE, "ask this mail server instead of each domain's MX" },
	/* the result cache: serve, and runs over a list with --cache-file */
	{ "cache", 0, OK_U32, F(cache), 0, 1u << 22, NULL, "N", "1024",
	    M_PROBE, "results kept in the result cache" },
	{ "ttl-positive", 0, OK_U32, F(ttl_pos_s), 0, 86400 * 365, NULL,
	    "SECONDS", "604800", M_PROBE, "keep deliverable/risky results" },
	{ "ttl-negative", 0, OK_U32, F(ttl_neg_s), 0, 86400 * 365, NULL,
	    "SECONDS", "10800", M_PROBE, "keep undeliverable results" },
	{ "ttl-temp", 0, OK_U32, F(ttl_tmp_s), 0, 86400 * 365, NULL,
	    "SECONDS", "300", M_PROBE, "keep unknown results" },
	{ "cache-file", 0, OK_STR, F(cache_file), 0, 0, NULL, "FILE", NULL,
	    M_PROBE, "keep the result cache in FILE" },
	{ "cache-save", 0, OK_U32, F(cache_save_s), 10, 86400, NULL,
	    "SECONDS", "300", M_PROBE, "write the cache file this often" },
	{ "max-clients", 0, OK_U32, F(max_clients), 1, 4096, NULL, "N", "64",
	    M_SERVE, "clients at once" },
	{ "max-request", 0, OK_U32, F(max_request), 256, 65536, NULL, "BYTES",
	    "8192", M_SERVE, "largest request" },
	{ "client-timeout", 0, OK_FN, F(client_ms), 1, 86400, set_secs,
	    "SECONDS", "300", M_SERVE, "idle client connections closed" },
	{ "socket-mode", 0, OK_FN, F(socket_mode), 0, 0777, set_octal, "MODE",
	    "0660", M_SERVE, "permissions of socket files" },
	{ "socket-owner", 0, OK_STR, F(socket_owner), 0, 0, NULL,
	    "USER[:GROUP]", NULL, M_SERVE, "owner of socket files" },
	/* serve hardening (issue 19) */
	{ "user", 0, OK_STR, F(user), 0, 0, NULL, "USER[:GROUP]", NULL,
	    M_SERVE, "run as USER once sockets and files are open" },
	{ "drain-timeout", 0, OK_FN, F(drain_ms), 1, 3600, set_secs,
	    "SECONDS", "15", M_SERVE,
	    "at SIGTERM, finish probes and answers for at most this long" },
	/* deliverable is always accepted: ACT_ACCEPT is 0 */
	{ "on-undeliverable", 0, OK_FN, 0, V_UNDELIVERABLE, 0, set_action,
	    "reject|defer|accept", "reject", M_SERVE, "policy answer" },
	{ "on-risky", 0, OK_FN, 0, V_RISKY, 0, set_action,
	    "reject|defer|accept", "accept", M_SERVE, "policy answer" },
	{ "on-unknown", 0, OK_FN, 0, V_UNKNOWN, 0, set_action,
	    "defer|accept", "defer", M_SERVE, "policy answer" },
	{ "syslog", 0, OK_FLAG, F(syslog), 1, 0, NULL, NULL, NULL, M_SERVE,
	    "log to syslog (/dev/log) instead of stderr" },
	{ "stats", 0, OK_U32, F(stats_s), 0, 86400, NULL, "SECONDS", "0",
	    M_SERVE, "log the counters this often, 0 never" },
	/* runs over a list */
	{ "progress", 0, OK_FN, 0, 1, 86400, set_progress, "[=N]", NULL,
	    M_CHECK, "progress on stderr: redrawn on a terminal, else every "
	    "N s (N default " OPT_STR(PROGRESS_S) ")" },
	{ "resume", 0, OK_STR, F(resume), 0, 0, NULL, "FILE", NULL, M_CHECK,
	    "skip addresses with a final result in FILE (an earlier output)" },
	{ "resume-keep-unknown", 0, OK_FLAG, F(resume_keep_unknown), 1, 0,
	    NULL, NULL, NULL, M_CHECK, "--resume: do not ask again "
	    "greylisted, timeout, ... unknowns" },
	{ "passes", 0, OK_U32, F(passes), 0, 1024, NULL, "N", "0", M_CHECK,
	    "read a regular file in N passes by domain, 0 chosen" },
	{ "shard", 0, OK_FN, 0, 0, 0, set_shard, "K/N", NULL, M_CHECK,
	    "only the addresses whose domain falls in shard K of 0..N-1" },
	{ "seed", 0, OK_FN, 0, 0, 0, set_seed, "N", NULL, M_ALL,
	    "fix all randomness, for reproducible runs" },
	{ "verbose", 'v', OK_FLAG, F(verbose), 1, 0, NULL, NULL, NULL, M_ALL,
	    "say more on stderr (twice: trace every state change)" },
	{ "version", 'V', OK_FN, 0, 0, 0, show_version, NULL, NULL, M_ALL,
	    "print version and build options" },
	{ "help", 'h', OK_FN, 0, 0, 0, show_help, NULL, NULL, M_ALL,
	    "print this help" },
};

/* the front ends by OPT_M_* bit, for messages */
static const char *const front_name[] = {
	"address checks", "serve", "audit", "selfcheck"
};

/*
 * Every field at its default: zero, then each option's def through its
 * own parser.  What depends on other options comes later, in derive().
 */
static void
defaults(struct config *c)
{
	size_t	 i;

	memset(c, 0, sizeof(*c));
	c->mode = MODE_PROBE;
	for (i = 0; i < MXP_NELEM(opts); i++) {
		if (opts[i].def == NULL) {
			continue;
		}
		if (opts[i].kind == OK_STR) {
			/* a string default is taken as it is ("" for --from) */
			*(const char **)(void *)((char *)c + opts[i].off) =
			    opts[i].def;
		} else {
			apply(c, &opts[i], opts[i].def);
		}
	}
}


static void
set_action(struct config *c, const struct opt *o, const char *v)
{
	int	 a = ACT_ACCEPT;

	if (strcmp(v, "accept") == 0) {
		a = ACT_ACCEPT;
	} else if (strcmp(v, "defer") == 0) {
		a = ACT_DEFER;
	} else if (strcmp(v, "reject") == 0 && o->min != V_UNKNOWN) {
		a = ACT_REJECT;
	} else {
		/* unknown never rejects: a probe that failed proves nothing */
		die(EXIT_USAGE, "--", o->name, ": want ", o->arg, ", not \"", v,
		    "\"", NULL);
	}
	c->act[o->min] = (uint8_t)a;
}

static void
set_shard(struct config *c, const struct opt *o, const char *v)
{
	char		 k[16];
	const char	*slash = strchr(v, '/');
	uint64_t	 kk, nn;

	(void)o;
	if (slash == NULL || (size_t)(slash - v) >= sizeof(k)) {
		die(EXIT_USAGE, "--shard: want K/N, not \"", v, "\"", NULL);
	}
	str_copy(k, sizeof(k), v, (size_t)(slash - v));
	if (parse_u64(slash + 1, 1, 65536, &nn) != 0 ||
	    parse_u64(k, 0, nn - 1, &kk) != 0) {
		die(EXIT_USAGE, "--shard: want K/N with 0 <= K < N <= 65536, "
		    "not \"", v, "\"", NULL);
	}
	c->shard_k = (uint32_t)kk;
	c->shard_n = (uint32_t)nn;
}

static void
set_octal(struct config *c, const struct opt *o, const char *v)
{
	uint32_t	 m = 0;
	const char	*p;

	for (p = v; *p >= '0' && *p <= '7' && m <= o->max; p++) {
		m = m * 8 + (uint32_t)(*p - '0');
	}
	if (*v == '\0' || *p != '\0' || m > o->max) {
		die(EXIT_USAGE, "--", o->name, ": want an octal mode like 0660, "
		    "not \"", v, "\"", NULL);
	}
	*(uint32_t *)(void *)((char *)c + o->off) = m;
}

/*
 * A repeatable option into a fixed array of strings: o->off is the array,
 * o->min the offset of its count (an int), o->max its capacity.
 */
static void
add_list(struct config *c, const struct opt *o, const char *v)
{
	const char	**list = (const char **)(void *)((char *)c + o->off);
	int		 *n = (int *)(void *)((char *)c + o->min);
	char		  num[16];
	struct buf	  b;

	if ((uint32_t)*n >= o->max) {
		buf_init(&b, num, sizeof(num));
		buf_addu(&b, o->max);
		die(EXIT_USAGE, "--", o->name, ": at most ", buf_nul(&b),
		    " given", NULL);
	}
	list[(*n)++] = v;
}

static void
set_family(struct config *c, const struct opt *o, const char *v)
{
	(void)v;
	if (c->family != 0 && c->family != (int)o->min) {
		die(EXIT_USAGE, "-4 and -6 exclude each other", NULL);
	}
	c->family = (int)o->min;
}

static void
set_tls(struct config *c, const struct opt *o, const char *v)
{
	(void)o;
	if (strcmp(v, "try") == 0) {
		c->tls = TLSM_TRY;
	} else if (strcmp(v, "require") == 0) {
		c->tls = TLSM_REQUIRE;
	} else if (strcmp(v, "no") == 0) {
		c->tls = TLSM_NO;
	} else {
		die(EXIT_USAGE, "--tls: want try, require or no, not \"", v,
		    "\"", NULL);
	}
}

/* "--NAME: want WHAT in MIN..MAX, not "V"": exit 64 */
static void
die_range(const struct opt *o, const char *what, const char *v)
{
	char		 num[24];
	struct buf	 b;

	buf_init(&b, num, sizeof(num));
	buf_addu(&b, o->min);
	buf_adds(&b, "..");
	buf_addu(&b, o->max);
	die(EXIT_USAGE, "--", o->name, ": want ", what, " in ", buf_nul(&b),
	    ", not \"", v, "\"", NULL);
}

/* a whole number of seconds into a millisecond field */
static void
set_secs(struct config *c, const struct opt *o, const char *v)
{
	uint64_t	 u;

	if (parse_u64(v, o->min, o->max, &u) != 0) {
		die_range(o, "seconds", v);
	}
	*(uint32_t *)(void *)((char *)c + o->off) = (uint32_t)(u * 1000);
}

/*
 * Seconds with up to three decimals ("0.05") into a millisecond field
 * bounded by o->min..o->max ms: tests run the back-off on a short scale.
 */
static void
set_msecs(struct config *c, const struct opt *o, const char *v)
{
	uint64_t	 ms = 0;
	const char	*p = v;
	int		 dec = -1;

	for (; *p != '\0' && ms <= UINT32_MAX; p++) {
		if (*p == '.' && dec < 0) {
			dec = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || dec == 3) {
			break;
		}
		ms = ms * 10 + (uint64_t)(*p - '0');
		if (dec >= 0) {
			dec++;
		}
	}
	for (dec = dec < 0 ? 0 : dec; dec < 3; dec++) {
		ms *= 10;
	}
	if (*v == '\0' || *v == '.' || *p != '\0' || ms < o->min ||
	    ms > o->max) {
		die(EXIT_USAGE, "--", o->name, ": want seconds (up to three "
		    "decimals) from 0.001, not \"", v, "\"", NULL);
	}
	*(uint32_t *)(void *)((char *)c + o->off) = (uint32_t)ms;
}

static void
set_mode(struct config *c, const struct opt *o, const char *v)
{
	(void)v;
	c->mode = (enum mode)o->min;
}

static void
set_fmt(struct config *c, const struct opt *o, const char *v)
{
	(void)v;
	c->fmt = (enum out_fmt)o->min;
}

static void
set_order(struct config *c, const struct opt *o, const char *v)
{
	(void)o;
	if (strcmp(v, "input") == 0) {
		c->ordered = 1;
	} else if (strcmp(v, "completion") == 0) {
		c->ordered = 0;
	} else {
		die(EXIT_USAGE, "--order: want input or completion, not \"",
		    v, "\"", NULL);
	}
}

static void
set_seed(struct config *c, const struct opt *o, const char *v)
{
	(void)o;
	if (parse_u64(v, 1, UINT64_MAX, &c->seed) != 0) {
		die(EXIT_USAGE, "--seed: want a number from 1, not \"", v,
		    "\"", NULL);
	}
}

/* "3600" seconds also as "= 1 hour": the TTLs are easier read so */
static void
help_gloss(struct buf *b, const struct opt *o)
{
	uint64_t	 u;

	if (strcmp(o->arg, "SECONDS") != 0 ||
	    parse_u64(o->def, 3600, UINT32_MAX, &u) != 0 || u % 3600 != 0) {
		return;
	}
	buf_adds(b, " = ");
	if (u % 86400 == 0) {
		buf_addu(b, u / 86400);
		buf_adds(b, u == 86400 ? " day" : " days");
	} else {
		buf_addu(b, u / 3600);
		buf_adds(b, u == 3600 ? " hour" : " hours");
	}
}

/* "serve", "address checks and audit": the front ends in a mask */
static void
add_fronts(struct buf *b, unsigned modes)
{
	size_t	 i, n = 0, k = 0;

	for (i = 0; i < MXP_NELEM(front_name); i++) {
		n += (modes >> i) & 1;
	}
	for (i = 0; i < MXP_NELEM(front_name); i++) {
		if (!((modes >> i) & 1)) {
			continue;
		}
		if (k > 0) {
			buf_adds(b, k + 1 == n ? " and " : ", ");
		}
		buf_adds(b, front_name[i]);
		k++;
	}
}

/* see config.h */
void
opt_help(struct buf *b)
{
	const struct opt	*o;
	size_t			 i, col;

	buf_adds(b, "usage: mxprobe [options] [address ...]\n"
	    "       mxprobe [options] -f FILE\n"
	    "       mxprobe serve --policy LISTEN|--lines LISTEN [options]\n"
	    "       mxprobe audit [options] DOMAIN... | -f FILE\n"
	    "       mxprobe selfcheck [options] [DOMAIN...]\n"
	    "Check whether mailboxes exist, without sending mail.\n"
	    "Addresses come from the arguments, -f FILE, or stdin.\n"
	    "An option marked \"serve:\" (\"selfcheck:\") is for that "
	    "command only.\n\n");
	for (i = 0; i < MXP_NELEM(opts); i++) {
		o = &opts[i];
		col = b->len;
		if (o->letter != 0) {
			buf_adds(b, "  -");
			buf_addc(b, o->letter);
			buf_adds(b, ", --");
		} else {
			buf_adds(b, "      --");
		}
		buf_adds(b, o->name);
		if (o->arg != NULL) {
			if (!optional_value(o)) {
				buf_addc(b, ' ');
			}
			buf_adds(b, o->arg);
		}
		do {
			buf_addc(b, ' ');
		} while (b->len - col < 32);
		if (!(o->modes & OPT_M_CHECK)) {
			add_fronts(b, o->modes);
			buf_adds(b, ": ");
		}
		buf_adds(b, o->help);
		if (o->def != NULL && o->def[0] != '\0') {
			buf_adds(b, " (default ");
			buf_adds(b, o->def);
			help_gloss(b, o);
			buf_addc(b, ')');
		} else if (o->def != NULL && o->arg == NULL) {
			buf_adds(b, " (default)");
		}
		buf_addc(b, '\n');
	}
	buf_adds(b, "\nExit status: 0 all deliverable, 1 some undeliverable, "
	    "2 some risky,\n3 some unknown (the highest wins), 64 usage, "
	    "70 internal error.\nSee mxprobe(1).\n");
}

/* see config.h */
int
opt_about(size_t i, struct opt_about *a)
{
	if (i >= MXP_NELEM(opts)) {
		return -1;
	}
	a->name = opts[i].name;
	a->letter = opts[i].letter;
	a->arg = opts[i].arg;
	a->def = opts[i].def;
	a->modes = opts[i].modes;
	return 0;
}

static void
show_help(struct config *c, const struct opt *o, const char *v)
{
	char		 mem[16384];
	struct buf	 b;

	(void)c;
	(void)o;
	(void)v;
	buf_init(&b, mem, sizeof(mem));
	opt_help(&b);
	MXP_ASSERT(!b.trunc);
	(void)write_all(1, b.p, b.len);
	exit(0);
}

static void
show_version(struct config *c, const struct opt *o, const char *v)
{
	char		 mem[512];
	struct buf	 b;

	(void)c;
	(void)o;
	(void)v;
	buf_init(&b, mem, sizeof(mem));
	version_text(&b);
	(void)write_all(1, b.p, b.len);
	exit(0);
}

static const struct opt *
find_long(const char *name, size_t n)
{
	size_t	 i;

	for (i = 0; i < MXP_NELEM(opts); i++) {
		if (strlen(opts[i].name) == n &&
		    memcmp(opts[i].name, name, n) == 0) {
			return &opts[i];
		}
	}
	return NULL;
}

static const struct opt *
find_short(char letter)
{
	size_t	 i;

	for (i = 0; i < MXP_NELEM(opts); i++) {
		if (opts[i].letter == letter) {
			return &opts[i];
		}
	}
	return NULL;
}

/* "--name[=VALUE]": the value only after "=" */
static int
optional_value(const struct opt *o)
{
	return o->arg != NULL && o->arg[0] == '[';
}

static int
takes_value(const struct opt *o)
{
	return o->kind == OK_U32 || o->kind == OK_STR ||
	    (o->arg != NULL && !optional_value(o));
}

static void
apply(struct config *c, const struct opt *o, const char *v)
{
	uint64_t	 u;

	switch (o->kind) {
	case OK_FLAG:
		*(int *)(void *)((char *)c + o->off) += (int)o->min;
		break;
	case OK_U32:
		if (parse_u64(v, o->min, o->max, &u) != 0) {
			die_range(o, "a whole number", v);
		}
		*(uint32_t *)(void *)((char *)c + o->off) = (uint32_t)u;
		break;
	case OK_STR:
		if (*v == '\0') {
			die(EXIT_USAGE, "--", o->name, ": empty value", NULL);
		}
		*(const char **)(void *)((char *)c + o->off) = v;
		break;
	case OK_FN:
		o->fn(c, o, v);
		break;
	}
}

/* --backend HOST[:PORT] / [V6]:PORT: the port goes to c->port */
static void
backend_port(struct config *c)
{
	static char	 host[256];
	const char	*v = c->backend, *colon, *end;
	uint64_t	 port;
	size_t		 n;

	if (v[0] == '[') {
		end = strchr(v, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':')) {
			die(EXIT_USAGE, "--backend: want HOST[:PORT] or "
			    "[IPV6]:PORT, not \"", v, "\"", NULL);
		}
		n = (size_t)(end - v - 1);
		colon = end[1] == ':' ? end + 1 : NULL;
		v++;
	} else {
		colon = strchr(v, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			colon = NULL;		/* a bare IPv6 address */
		}
		n = colon != NULL ? (size_t)(colon - v) : strlen(v);
	}
	if (n == 0 || n >= sizeof(host)) {
		die(EXIT_USAGE, "--backend: no host in \"", c->backend, "\"",
		    NULL);
	}
	if (colon != NULL) {
		if (parse_u64(colon + 1, 1, 65535, &port) != 0) {
			die(EXIT_USAGE, "--backend: bad port in \"",
			    c->backend, "\"", NULL);
		}
		c->port = (uint32_t)port;
	}
	memcpy(host, v, n);
	host[n] = '\0';
	c->backend = host;
}

/* --progress[=N]: N seconds between plain lines when not a terminal */
static void
set_progress(struct config *c, const struct opt *o, const char *v)
{
	uint64_t	 u = PROGRESS_S;

	if (v != NULL && parse_u64(v, o->min, o->max, &u) != 0) {
		die_range(o, "seconds", v);
	}
	c->progress_s = (uint32_t)u;
}

/* checks across options, once the command line is read */
static void
check(struct config *c)
{
	static char	 from[ADDR_PATH_MAX + 1];
	char		 helo[ADDR_PATH_MAX + 1];
	struct addr	 a;
	struct buf	 b;
	enum addr_err	 e;

	if (c->file != NULL && c->nargs > 0) {
		die(EXIT_USAGE, "give addresses as arguments or with -f, "
		    "not both", NULL);
	}
	if (c->backoff_ms > c->backoff_max_ms) {
		die(EXIT_USAGE, "--backoff is above --backoff-max", NULL);
	}
	if (c->ttl_min_s > c->ttl_max_s) {
		die(EXIT_USAGE, "--ttl-min is above --ttl-max", NULL);
	}
	addr_allow_single_label(c->allow_single_label);
	if (c->verdict_rules != NULL) {
		char	 err[VT_LINE_MAX];

		if (verdict_rules_load(c->verdict_rules, err,
		    sizeof(err)) != 0) {
			die(EXIT_USAGE, "--verdict-rules: ", err, NULL);
		}
	}
	if (c->from[0] != '\0') {
		/* the sender goes on the wire: it must be a valid address */
		e = addr_parse(c->from, strlen(c->from), &a);
		if (e != ADDR_OK) {
			die(EXIT_USAGE, "--from: ", addr_err_text(e), NULL);
		}
		buf_init(&b, from, sizeof(from) - 1);
		buf_add(&b, a.local, a.local_len);
		buf_addc(&b, '@');
		buf_add(&b, a.domain, a.domain_len);
		c->from = buf_nul(&b);
	}
	if (c->helo != NULL) {
		/* a domain or an address literal, as a Mailbox's domain */
		buf_init(&b, helo, sizeof(helo) - 1);
		buf_adds(&b, "postmaster@");
		buf_adds(&b, c->helo);
		e = b.trunc ? ADDR_E_DOMAIN_LONG :
		    addr_parse(b.p, b.len, &a);
		/* a dotless HELO name is the server's business, not ours */
		if ((e != ADDR_OK && e != ADDR_E_SINGLE_LABEL) ||
		    (e == ADDR_OK && (a.flags & ADDR_F_IDN))) {
			die(EXIT_USAGE, "--helo: want a host name or an address "
			    "literal, not \"", c->helo, "\"", NULL);
		}
	}
	if (c->mode == MODE_SERVE) {
		if (c->policy == NULL && c->lines == NULL) {
			die(EXIT_USAGE, "serve: give --policy and/or --lines",
			    NULL);
		}
		if (c->nargs > 0) {
			die(EXIT_USAGE, "serve takes no addresses", NULL);
		}
	}
	if (c->resume_keep_unknown && c->resume == NULL) {
		die(EXIT_USAGE, "--resume-keep-unknown needs --resume FILE",
		    NULL);
	}
	/*
	 * "Verified or no answer": falling back to plaintext when
	 * verification fails (--tls try) would protect nothing against an
	 * active attacker, who need only break the handshake.  (audit
	 * reports what it sees and keeps its --tls.)
	 */
	if (c->tls_verify && c->mode != MODE_AUDIT && c->tls == TLSM_NO) {
		die(EXIT_USAGE, "--tls-verify needs TLS: not with --tls no",
		    NULL);
	}
}

/*
 * Defaults computed from other options or from the front end: every such
 * rule is here, after check(), each with its reason.
 */
static void
derive(struct config *c)
{
	/* the ring: see RING_COMPLETION */
	if (c->ring == 0) {
		c->ring = c->ordered ? RING_INPUT : RING_COMPLETION;
	}
	/* the queue: see QUEUE_DEFAULT */
	if (c->queue == 0) {
		c->queue = QUEUE_DEFAULT;
		c->queue_auto = 1;
	}
	/* the catch-all probe is on unless --no-catch-all */
	c->catch_all = !c->no_catch_all;
	if (c->mode == MODE_SERVE) {
		/* a greylisted probe is answered now, cached briefly */
		c->no_retry = 1;
		/* --backend HOST:PORT: the port is --port's */
		if (c->backend != NULL) {
			backend_port(c);
		}
	}
	if (c->mode == MODE_SELFCHECK) {
		/* a greeting is all it needs: no STARTTLS */
		c->tls = TLSM_NO;
	}
	if (c->tls_verify && c->ca_file == NULL) {
		c->ca_file = CA_FILE_DEFAULT;
	}
	if (c->tls_verify && c->mode != MODE_AUDIT) {
		/* verified or no answer: see check() */
		c->tls = TLSM_REQUIRE;
	}
}

/* an option given to a front end it means nothing to: exit 64 */
static void
refuse(const struct opt *o, unsigned front)
{
	char		 mem[128];
	struct buf	 b;
	size_t		 i;

	buf_init(&b, mem, sizeof(mem) - 1);
	add_fronts(&b, o->modes);
	buf_adds(&b, ", not to ");
	for (i = 0; i < MXP_NELEM(front_name); i++) {
		if (front == 1u << i) {
			buf_adds(&b, i == 0 ? "" : "\"mxprobe ");
			buf_adds(&b, front_name[i]);
			buf_adds(&b, i == 0 ? "" : "\"");
		}
	}
	die(EXIT_USAGE, "--", o->name, " applies to ", buf_nul(&b), NULL);
}

/* see config.h */
void
opt_parse(struct config *c, int argc, char **argv)
{
	const struct opt	*o;
	const char		*a, *v, *eq;
	int			 i;
	unsigned		 front = OPT_M_CHECK;
	char			 letter[2] = { 0, 0 };

	defaults(c);
	i = 1;
	if (argc > 1 && strcmp(argv[1], "serve") == 0) {
		c->mode = MODE_SERVE;
		front = OPT_M_SERVE;
		i = 2;
	} else if (argc > 1 && strcmp(argv[1], "selfcheck") == 0) {
#if MXP_SELFCHECK
		c->mode = MODE_SELFCHECK;	/* domains, not addresses */
		front = OPT_M_SELFCHECK;
		i = 2;
#else
		die(EXIT_USAGE, "this build has no selfcheck (built with "
		    "SELFCHECK=0)", NULL);
#endif
	} else if (argc > 1 && strcmp(argv[1], "audit") == 0) {
#if MXP_AUDIT
		c->mode = MODE_AUDIT;	/* domains, not addresses */
		front = OPT_M_AUDIT;
		i = 2;
#else
		die(EXIT_USAGE, "this build has no audit (built with AUDIT=0)",
		    NULL);
#endif
	}
	for (; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			break;
		}
		v = NULL;
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			o = find_long(a + 2, eq != NULL ? (size_t)(eq - a - 2) :
			    strlen(a + 2));
			if (o == NULL) {
				die(EXIT_USAGE, "unknown option ", a,
				    " (see --help)", NULL);
			}
			if (!(o->modes & front)) {
				refuse(o, front);
			}
			if (eq != NULL) {
				if (!takes_value(o) && !optional_value(o)) {
					die(EXIT_USAGE, "--", o->name,
					    " takes no value", NULL);
				}
				v = eq + 1;
			}
		} else {
			letter[0] = a[1];
			o = find_short(a[1]);
			if (o == NULL) {
				die(EXIT_USAGE, "unknown option -", letter,
				    " (see --help)", NULL);
			}
			if (!(o->modes & front)) {
				refuse(o, front);
			}
			if (a[2] != '\0') {
				if (!takes_value(o)) {
					die(EXIT_USAGE, "-", letter,
					    " takes no value (give short "
					    "options one by one)", NULL);
				}
				v = a + 2;
			}
		}
		if (takes_value(o) && v == NULL) {
			if (i + 1 >= argc) {
				die(EXIT_USAGE, "--", o->name, " needs a value",
				    NULL);
			}
			v = argv[++i];
		}
		apply(c, o, v);
	}
	c->args = argv + i;
	c->nargs = argc - i;
	check(c);
	derive(c);
}
