/*
 * opt.c - command-line options: one table gives each option its name,
 * its field in struct config, its default and its bounds.
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

struct opt {
	const char	*name;
	char		 letter;
	enum okind	 kind;
	size_t		 off;
	uint32_t	 min, max;
	opt_fn		*fn;
	const char	*arg;	/* name of the value, for --help */
	const char	*help;
};

static opt_fn set_action, set_octal, set_shard, add_proxy, add_dnsbl,
    set_progress, set_msecs;
static opt_fn set_mode, set_fmt, set_order, set_seed, show_help,
    show_version, add_dns, set_family, set_tls, set_secs, no_catch_all;

#define F(field) offsetof(struct config, field)

static int	optional_value(const struct opt *o);

static const struct opt opts[] = {
	{ "file", 'f', OK_STR, F(file), 0, 0, NULL, "FILE",
	    "read addresses from FILE, one per line (- is stdin)" },
	{ "syntax-only", 0, OK_FN, 0, MODE_SYNTAX, 0, set_mode, NULL,
	    "check the address syntax only" },
	{ "mx-only", 0, OK_FN, 0, MODE_MX, 0, set_mode, NULL,
	    "check syntax and mail routing (DNS) only" },
	{ "json", 0, OK_FN, 0, OUT_JSON, 0, set_fmt, NULL,
	    "one JSON object per line" },
	{ "csv", 0, OK_FN, 0, OUT_CSV, 0, set_fmt, NULL,
	    "CSV with a header line" },
	{ "text", 0, OK_FN, 0, OUT_TEXT, 0, set_fmt, NULL,
	    "address, verdict, reason, detail; TAB-separated (default)" },
	{ "order", 0, OK_FN, 0, 0, 0, set_order, "input|completion",
	    "order of the results (default completion)" },
	{ "ring", 0, OK_U32, F(ring), 1, 1u << 20, NULL, "N",
	    "result ring slots (default 16; 256 with --order input)" },
	{ "concurrency", 'c', OK_U32, F(concurrency), 1, 4096, NULL, "N",
	    "SMTP sessions at once (default 32)" },
	{ "queue", 0, OK_U32, F(queue), 1, 1u << 20, NULL, "N",
	    "addresses in progress at once (default 768)" },
	{ "per-domain", 0, OK_U32, F(per_domain), 1, 64, NULL, "N",
	    "sessions per domain at once (default 2)" },
	{ "rcpt-per-session", 0, OK_U32, F(rcpt_per_session), 1, RCPT_MAX,
	    NULL, "N", "recipients per transaction (default 20)" },
	{ "dns", 0, OK_FN, 0, 0, 0, add_dns, "ADDR[:PORT]",
	    "name server to ask (repeatable; default /etc/resolv.conf)" },
	{ "ipv4", '4', OK_FN, 0, 4, 0, set_family, NULL,
	    "IPv4 mail hosts only" },
	{ "ipv6", '6', OK_FN, 0, 6, 0, set_family, NULL,
	    "IPv6 mail hosts only" },
	{ "allow-private", 0, OK_FLAG, F(allow_private), 1, 0, NULL, NULL,
	    "probe mail hosts at private or loopback addresses" },
	/* verdicts */
	{ "verdict-rules", 0, OK_STR, F(verdict_rules), 0, 0, NULL, "FILE",
	    "verdict rows of your own, tried before the built-in table" },
	{ "allow-single-label", 0, OK_FLAG, F(allow_single_label), 1, 0,
	    NULL, NULL, "accept dotless domains (a@host): closed networks" },
	{ "dns-cache", 0, OK_U32, F(dns_cache), 1, 1u << 20, NULL, "N",
	    "domains kept in the DNS cache (default 512)" },
	{ "dns-inflight", 0, OK_U32, F(dns_inflight), 1, 4096, NULL, "N",
	    "domains resolving at once (default 32)" },
	{ "dns-timeout", 0, OK_U32, F(dns_timeout_s), 1, 60, NULL, "SECONDS",
	    "first DNS timeout, doubled per try (default 2)" },
	{ "dns-tries", 0, OK_U32, F(dns_tries), 1, 10, NULL, "N",
	    "DNS tries per server (default 3)" },
	{ "ttl-min", 0, OK_U32, F(ttl_min_s), 0, 86400 * 7, NULL, "SECONDS",
	    "shortest time a DNS answer is kept (default 60)" },
	{ "ttl-max", 0, OK_U32, F(ttl_max_s), 1, 86400 * 7, NULL, "SECONDS",
	    "longest time a DNS answer is kept (default 3600)" },
	{ "port", 'p', OK_U32, F(port), 1, 65535, NULL, "PORT",
	    "SMTP port (default 25)" },
	{ "helo", 0, OK_STR, F(helo), 0, 0, NULL, "NAME",
	    "name to say in EHLO/HELO (default this host's name)" },
	{ "source", 0, OK_STR, F(source), 0, 0, NULL, "ADDRESS",
	    "local address to connect from (default: the system's choice)" },
	{ "from", 0, OK_STR, F(from), 0, 0, NULL, "ADDRESS",
	    "MAIL FROM address (default <>, the null sender)" },
	{ "proxy", 0, OK_FN, 0, 0, 0, add_proxy, "URL",
	    "connect through this SOCKS 5 proxy, "
	    "socks5://[USER:PASS@]HOST[:PORT] (repeatable)" },
	{ "proxy-file", 0, OK_STR, F(proxy_file), 0, 0, NULL, "FILE",
	    "SOCKS 5 proxy URLs, one per line (keeps passwords out of ps)" },
	{ "dnsbl", 0, OK_FN, 0, 0, 0, add_dnsbl, "ZONE",
	    "selfcheck: a DNSBL zone to look the address up in "
	    "(repeatable; replaces the defaults)" },
	{ "connect-timeout", 0, OK_FN, F(connect_ms), 1, 600, set_secs,
	    "SECONDS", "per connection attempt (default 10)" },
	{ "banner-timeout", 0, OK_FN, F(banner_ms), 1, 600, set_secs,
	    "SECONDS", "for the greeting (default 30)" },
	{ "reply-timeout", 0, OK_FN, F(reply_ms), 1, 600, set_secs,
	    "SECONDS", "for each reply (default 30)" },
	{ "timeout", 0, OK_FN, F(address_ms), 1, 3600, set_secs,
	    "SECONDS", "for one attempt at an address (default 120)" },
	{ "greylist-delay", 0, OK_U32, F(greylist_delay_s), 0, 86400, NULL,
	    "SECONDS", "wait before asking a greylisting server again "
	    "(default 300)" },
	{ "greylist-max", 0, OK_U32, F(greylist_max), 0, 10, NULL, "N",
	    "retries after greylisting (default 2)" },
	{ "no-retry", 0, OK_FLAG, F(no_retry), 1, 0, NULL, NULL,
	    "report greylisting at once as unknown greylisted" },
	{ "no-catch-all", 0, OK_FN, 0, 0, 0, no_catch_all, NULL,
	    "do not probe a random recipient per domain" },
	{ "attempts", 0, OK_U32, F(attempts), 1, 50, NULL, "N",
	    "attempts per address: transactions, reconnections, retries "
	    "(default 4)" },
	{ "rejects-per-session", 0, OK_U32, F(rejects_per_session), 1, 1000,
	    NULL, "N", "rejected recipients, then a new session (default 8)" },
	{ "tx-per-session", 0, OK_U32, F(tx_per_session), 1, 10000, NULL, "N",
	    "transactions (MAIL) per session (default 50)" },
	{ "host-connections", 0, OK_U32, F(host_conn_min), 1, 100000, NULL,
	    "N", "new connections per minute to one mail host (default 60)" },
	{ "host-rcpts", 0, OK_U32, F(host_rcpt_min), 1, 1000000, NULL, "N",
	    "RCPT commands per minute to one mail host (default 600)" },
	{ "backoff", 0, OK_FN, F(backoff_ms), 1, 3600000, set_msecs,
	    "SECONDS", "first pause after a host's temporary failure, "
	    "doubled each time (default 10)" },
	{ "backoff-max", 0, OK_FN, F(backoff_max_ms), 1, 86400000, set_msecs,
	    "SECONDS", "longest such pause (default 300)" },
	{ "limits", 0, OK_STR, F(limits_file), 0, 0, NULL, "FILE",
	    "politeness limits by MX host name (see POLITENESS)" },
	{ "tls", 0, OK_FN, 0, 0, 0, set_tls, "try|require|no",
	    "STARTTLS use (default try)" },
	{ "tls-verify", 0, OK_FLAG, F(tls_verify), 1, 0, NULL, NULL,
	    "verify certificates and host names (implies --tls require)" },
	{ "ca-file", 0, OK_STR, F(ca_file), 0, 0, NULL, "FILE",
	    "CA bundle (default /etc/ssl/certs/ca-certificates.crt)" },
	{ "tls-max", 0, OK_U32, F(tls_max), 1, 1024, NULL, "N",
	    "TLS sessions at once (default 16)" },
	{ "policy", 0, OK_STR, F(policy), 0, 0, NULL, "LISTEN",
	    "serve: Postfix policy protocol on a socket path or HOST:PORT" },
	{ "lines", 0, OK_STR, F(lines), 0, 0, NULL, "LISTEN",
	    "serve: one address per line, one result line back" },
	{ "backend", 0, OK_STR, F(backend), 0, 0, NULL, "HOST[:PORT]",
	    "serve: ask this mail server instead of each domain's MX" },
	{ "cache", 0, OK_U32, F(cache), 0, 1u << 22, NULL, "N",
	    "results kept in the result cache (default 1024)" },
	{ "ttl-positive", 0, OK_U32, F(ttl_pos_s), 0, 86400 * 365, NULL,
	    "SECONDS", "serve: keep deliverable/risky results (default 7 days)" },
	{ "ttl-negative", 0, OK_U32, F(ttl_neg_s), 0, 86400 * 365, NULL,
	    "SECONDS", "serve: keep undeliverable results (default 3 hours)" },
	{ "ttl-temp", 0, OK_U32, F(ttl_tmp_s), 0, 86400 * 365, NULL,
	    "SECONDS", "serve: keep unknown results (default 300)" },
	{ "cache-file", 0, OK_STR, F(cache_file), 0, 0, NULL, "FILE",
	    "keep the result cache in FILE (serve, and runs over a list)" },
	{ "cache-save", 0, OK_U32, F(cache_save_s), 10, 86400, NULL,
	    "SECONDS", "write the cache file this often (default 300)" },
	{ "max-clients", 0, OK_U32, F(max_clients), 1, 4096, NULL, "N",
	    "serve: clients at once (default 64)" },
	{ "max-request", 0, OK_U32, F(max_request), 256, 65536, NULL, "BYTES",
	    "serve: largest request (default 8192)" },
	{ "client-timeout", 0, OK_FN, F(client_ms), 1, 86400, set_secs,
	    "SECONDS", "serve: idle client connections closed (default 300)" },
	{ "socket-mode", 0, OK_FN, F(socket_mode), 0, 0777, set_octal, "MODE",
	    "serve: permissions of socket files (default 0660)" },
	{ "socket-owner", 0, OK_STR, F(socket_owner), 0, 0, NULL,
	    "USER[:GROUP]", "serve: owner of socket files" },
	/* serve hardening (issue 19) */
	{ "user", 0, OK_STR, F(user), 0, 0, NULL, "USER[:GROUP]",
	    "serve: run as USER once sockets and files are open" },
	{ "drain-timeout", 0, OK_FN, F(drain_ms), 1, 3600, set_secs,
	    "SECONDS", "serve: at SIGTERM, finish probes and answers for at "
	    "most this long (default 15)" },
	{ "on-undeliverable", 0, OK_FN, 0, V_UNDELIVERABLE, 0, set_action,
	    "reject|defer|accept", "serve: policy answer (default reject)" },
	{ "on-risky", 0, OK_FN, 0, V_RISKY, 0, set_action,
	    "reject|defer|accept", "serve: policy answer (default accept)" },
	{ "on-unknown", 0, OK_FN, 0, V_UNKNOWN, 0, set_action,
	    "defer|accept", "serve: policy answer (default defer)" },
	{ "syslog", 0, OK_FLAG, F(syslog), 1, 0, NULL, NULL,
	    "serve: log to syslog (/dev/log) instead of stderr" },
	{ "stats", 0, OK_U32, F(stats_s), 0, 86400, NULL, "SECONDS",
	    "serve: log the counters this often (default never)" },
	{ "progress", 0, OK_FN, 0, 1, 86400, set_progress, "[=N]",
	    "progress on stderr: redrawn on a terminal, else every N s "
	    "(default 10)" },
	{ "resume", 0, OK_STR, F(resume), 0, 0, NULL, "FILE",
	    "skip addresses with a final result in FILE (an earlier output)" },
	{ "resume-keep-unknown", 0, OK_FLAG, F(resume_keep_unknown), 1, 0,
	    NULL, NULL, "--resume: do not ask again greylisted, timeout, ... "
	    "unknowns" },
	{ "passes", 0, OK_U32, F(passes), 0, 1024, NULL, "N",
	    "read a regular file in N passes by domain (default 0: chosen)" },
	{ "shard", 0, OK_FN, 0, 0, 0, set_shard, "K/N",
	    "only the addresses whose domain falls in shard K of 0..N-1" },
	{ "seed", 0, OK_FN, 0, 0, 0, set_seed, "N",
	    "fix all randomness, for reproducible runs" },
	{ "verbose", 'v', OK_FLAG, F(verbose), 1, 0, NULL, NULL,
	    "say more on stderr (twice: trace every state change)" },
	{ "version", 'V', OK_FN, 0, 0, 0, show_version, NULL,
	    "print version and build options" },
	{ "help", 'h', OK_FN, 0, 0, 0, show_help, NULL,
	    "print this help" },
};

static void
defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = MODE_PROBE;
	c->fmt = OUT_TEXT;
	c->ring = 0;		/* check(): by --order */
	c->concurrency = 32;
	c->queue = 0;		/* check(): 768, or chosen with passes */
	c->per_domain = 2;
	c->rcpt_per_session = 20;
	c->dns_cache = 512;
	c->dns_inflight = 32;
	c->dns_timeout_s = 2;
	c->dns_tries = 3;
	c->ttl_min_s = 60;
	c->ttl_max_s = 3600;
	c->port = 25;
	c->from = "";
	c->connect_ms = 10000;
	c->banner_ms = 30000;
	c->reply_ms = 30000;
	c->address_ms = 120000;
	c->greylist_delay_s = 300;
	c->greylist_max = 2;
	c->catch_all = 1;
	c->attempts = 4;
	c->rejects_per_session = 8;
	c->tx_per_session = 50;
	c->host_conn_min = 60;
	c->host_rcpt_min = 600;
	c->backoff_ms = 10000;
	c->backoff_max_ms = 300000;
	c->tls = TLSM_TRY;
	c->tls_max = 16;
	c->cache = 1024;
	c->ttl_pos_s = 7 * 86400;
	c->ttl_neg_s = 3 * 3600;
	c->ttl_tmp_s = 300;
	c->cache_save_s = 300;
	c->max_clients = 64;
	c->max_request = 8192;
	c->client_ms = 300000;
	c->socket_mode = 0660;
	c->drain_ms = 15000;
	c->act[V_DELIVERABLE] = ACT_ACCEPT;
	c->act[V_UNDELIVERABLE] = ACT_REJECT;
	c->act[V_RISKY] = ACT_ACCEPT;
	c->act[V_UNKNOWN] = ACT_DEFER;
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

static void
no_catch_all(struct config *c, const struct opt *o, const char *v)
{
	(void)o;
	(void)v;
	c->catch_all = 0;
}

static void
add_dns(struct config *c, const struct opt *o, const char *v)
{
	(void)o;
	if (c->ndns == CFG_DNS_MAX - 1) {
		die(EXIT_USAGE, "--dns: at most 3 servers", NULL);
	}
	c->dns[c->ndns++] = v;
}

static void
add_proxy(struct config *c, const struct opt *o, const char *v)
{
	(void)o;
	if (c->nproxy == CFG_PROXY_MAX) {
		die(EXIT_USAGE, "--proxy: at most 32 proxies", NULL);
	}
	c->proxy[c->nproxy++] = v;
}

static void
add_dnsbl(struct config *c, const struct opt *o, const char *v)
{
	(void)o;
	if (c->ndnsbl == CFG_DNSBL_MAX) {
		die(EXIT_USAGE, "--dnsbl: at most 8 zones", NULL);
	}
	c->dnsbl[c->ndnsbl++] = v;
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

/* a whole number of seconds into a millisecond field */
static void
set_secs(struct config *c, const struct opt *o, const char *v)
{
	uint64_t	 u;
	char		 num[24];
	struct buf	 b;

	if (parse_u64(v, o->min, o->max, &u) != 0) {
		buf_init(&b, num, sizeof(num));
		buf_addu(&b, o->min);
		buf_adds(&b, "..");
		buf_addu(&b, o->max);
		die(EXIT_USAGE, "--", o->name, ": want seconds in ",
		    buf_nul(&b), ", not \"", v, "\"", NULL);
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

static void
show_help(struct config *c, const struct opt *o, const char *v)
{
	char		 mem[16384];
	struct buf	 b;
	size_t		 i, col;

	(void)c;
	(void)o;
	(void)v;
	buf_init(&b, mem, sizeof(mem));
	buf_adds(&b, "usage: mxprobe [options] [address ...]\n"
	    "       mxprobe [options] -f FILE\n"
	    "       mxprobe serve --policy LISTEN|--lines LISTEN [options]\n"
	    "       mxprobe audit [options] DOMAIN... | -f FILE\n"
	    "       mxprobe selfcheck [options] [DOMAIN...]\n"
	    "Check whether mailboxes exist, without sending mail.\n"
	    "Addresses come from the arguments, -f FILE, or stdin.\n\n");
	for (i = 0; i < MXP_NELEM(opts); i++) {
		col = b.len;
		if (opts[i].letter != 0) {
			buf_adds(&b, "  -");
			buf_addc(&b, opts[i].letter);
			buf_adds(&b, ", --");
		} else {
			buf_adds(&b, "      --");
		}
		buf_adds(&b, opts[i].name);
		if (opts[i].arg != NULL) {
			if (!optional_value(&opts[i])) {
				buf_addc(&b, ' ');
			}
			buf_adds(&b, opts[i].arg);
		}
		do {
			buf_addc(&b, ' ');
		} while (b.len - col < 32);
		buf_adds(&b, opts[i].help);
		buf_addc(&b, '\n');
	}
	buf_adds(&b, "\nExit status: 0 all deliverable, 1 some undeliverable, "
	    "2 some risky,\n3 some unknown (the highest wins), 64 usage, "
	    "70 internal error.\nSee mxprobe(1).\n");
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
	char		 num[24];
	struct buf	 b;
	uint64_t	 u;

	switch (o->kind) {
	case OK_FLAG:
		*(int *)(void *)((char *)c + o->off) += (int)o->min;
		break;
	case OK_U32:
		if (parse_u64(v, o->min, o->max, &u) != 0) {
			buf_init(&b, num, sizeof(num));
			buf_addu(&b, o->min);
			buf_adds(&b, "..");
			buf_addu(&b, o->max);
			die(EXIT_USAGE, "--", o->name, ": want a whole number in ",
			    buf_nul(&b), ", not \"", v, "\"", NULL);
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
	uint64_t	 u = 10;

	if (v != NULL && parse_u64(v, o->min, o->max, &u) != 0) {
		die(EXIT_USAGE, "--progress: want seconds in 1..86400, not \"",
		    v, "\"", NULL);
	}
	c->progress_s = (uint32_t)u;
}

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
	if (c->ring == 0) {
		/*
		 * In input order each address in progress holds its slot, so
		 * the ring bounds the work in progress; in completion order
		 * only finished, unwritten results do.
		 */
		c->ring = c->ordered ? 256 : 16;
	}
	if (c->queue == 0) {
		/* not given: a file read by domain may take more (feed.h) */
		c->queue = 768;
		c->queue_auto = 1;
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
		if (c->nargs > 0 || c->file != NULL) {
			die(EXIT_USAGE, "serve takes no addresses", NULL);
		}
		/* a greylisted probe is answered now, cached briefly */
		c->no_retry = 1;
		if (c->backend != NULL) {
			backend_port(c);
		}
		if (c->resume != NULL || c->progress_s != 0) {
			die(EXIT_USAGE, "--resume and --progress are for runs "
			    "over a list, not \"mxprobe serve\"", NULL);
		}
	} else if (c->policy != NULL || c->lines != NULL ||
	    c->backend != NULL) {
		die(EXIT_USAGE, "--policy, --lines and --backend "
		    "are for \"mxprobe serve\"", NULL);
	}
	if (c->mode == MODE_SELFCHECK) {
		if (c->file != NULL) {
			die(EXIT_USAGE, "selfcheck takes domains as arguments",
			    NULL);
		}
		/* a greeting is all it needs: no STARTTLS */
		c->tls = TLSM_NO;
	} else if (c->ndnsbl > 0) {
		die(EXIT_USAGE, "--dnsbl is for \"mxprobe selfcheck\"", NULL);
	}
	if (c->resume_keep_unknown && c->resume == NULL) {
		die(EXIT_USAGE, "--resume-keep-unknown needs --resume FILE",
		    NULL);
	}
	if (c->tls_verify && c->ca_file == NULL) {
		c->ca_file = "/etc/ssl/certs/ca-certificates.crt";
	}
	if (c->tls_verify && c->mode != MODE_AUDIT) {
		/*
		 * "Verified or no answer": falling back to plaintext when
		 * verification fails (--tls try) would protect nothing against
		 * an active attacker, who need only break the handshake.
		 */
		if (c->tls == TLSM_NO) {
			die(EXIT_USAGE, "--tls-verify needs TLS: not with --tls "
			    "no", NULL);
		}
		c->tls = TLSM_REQUIRE;
	}
}

/* see config.h */
void
opt_parse(struct config *c, int argc, char **argv)
{
	const struct opt	*o;
	const char		*a, *v, *eq;
	int			 i;
	char			 letter[2] = { 0, 0 };

	defaults(c);
	i = 1;
	if (argc > 1 && strcmp(argv[1], "serve") == 0) {
		c->mode = MODE_SERVE;
		i = 2;
	} else if (argc > 1 && strcmp(argv[1], "selfcheck") == 0) {
#if MXP_SELFCHECK
		c->mode = MODE_SELFCHECK;	/* domains, not addresses */
		i = 2;
#else
		die(EXIT_USAGE, "this build has no selfcheck (built with "
		    "SELFCHECK=0)", NULL);
#endif
	} else if (argc > 1 && strcmp(argv[1], "audit") == 0) {
#if MXP_AUDIT
		c->mode = MODE_AUDIT;	/* domains, not addresses */
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
}
