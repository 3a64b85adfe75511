/*
 * config.h - every run-time option, parsed and checked once into one
 * struct config that the rest of the program only reads.
 *
 * The option table in opt.c is the single place that names an option,
 * gives its default, its bounds and the front ends it applies to;
 * defaults that depend on other options are computed in one function
 * there (derive()).  docs/mxprobe.1 documents each option.
 */
#ifndef MXP_CONFIG_H
#define MXP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

enum mode {
	MODE_PROBE,		/* the whole check, up to RCPT TO */
	MODE_SERVE,		/* "mxprobe serve": the probe as a service */
	MODE_AUDIT,		/* "mxprobe audit": a domain's mail set-up */
	MODE_MX,		/* --mx-only: syntax and mail routing */
	MODE_SYNTAX,		/* --syntax-only */
	MODE_SELFCHECK		/* "mxprobe selfcheck": can this box probe? */
};

enum tls_mode {
	TLSM_TRY,		/* use STARTTLS when offered */
	TLSM_REQUIRE,
	TLSM_NO
};

#define CFG_DNS_MAX	4	/* --dns servers */
#define CFG_PROXY_MAX	32	/* --proxy URLs (and --proxy-file lines) */
#define CFG_DNSBL_MAX	8	/* selfcheck --dnsbl zones */

struct config {
	enum mode	 mode;
	enum out_fmt	 fmt;
	int		 ordered;	/* --order input */
	int		 verbose;
	const char	*file;		/* -f, NULL: arguments or stdin */
	char *const	*args;		/* addresses given as arguments */
	int		 nargs;

	/* pools */
	uint32_t	 concurrency;	/* SMTP sessions at once */
	uint32_t	 queue;		/* addresses admitted at once */
	uint32_t	 ring;		/* result ring slots */
	uint32_t	 per_domain;	/* sessions per domain at once */
	uint32_t	 rcpt_per_session;

	/* DNS */
	const char	*dns[CFG_DNS_MAX];
	int		 ndns;
	int		 family;	/* 0 both, 4, 6 */
	int		 allow_private;
	uint32_t	 dns_cache;	/* domains in the cache */
	uint32_t	 dns_inflight;	/* queries at once */
	uint32_t	 ttl_min_s;
	uint32_t	 ttl_max_s;
	uint32_t	 dns_timeout_s;	/* first try; udns doubles it */
	uint32_t	 dns_tries;

	/* SMTP */
	uint32_t	 port;
	const char	*helo;		/* NULL: this host's name */
	const char	*from;		/* "" : the null reverse-path */
	const char	*source;	/* bind address, or NULL */
	uint32_t	 connect_ms;
	uint32_t	 banner_ms;
	uint32_t	 reply_ms;
	uint32_t	 address_ms;	/* whole budget of one address */
	uint32_t	 greylist_delay_s;
	uint32_t	 greylist_max;
	int		 no_retry;
	int		 no_catch_all;	/* --no-catch-all */
	int		 catch_all;	/* probe a random recipient: derived */

	/* politeness (gov.h, docs/mxprobe.1 POLITENESS) */
	uint32_t	 attempts;	/* per address, every kind counted */
	uint32_t	 rejects_per_session;	/* rejected RCPTs, then QUIT */
	uint32_t	 tx_per_session;	/* MAIL transactions per session */
	uint32_t	 host_conn_min;	/* new connections/minute per host */
	uint32_t	 host_rcpt_min;	/* RCPTs/minute per host */
	uint32_t	 backoff_ms;	/* first pause after a host failure */
	uint32_t	 backoff_max_ms;
	const char	*limits_file;	/* --limits: by MX host name */

	/* TLS */
	enum tls_mode	 tls;
	int		 tls_verify;
	const char	*ca_file;
	uint32_t	 tls_max;

	uint64_t	 seed;		/* 0: from the clock and pid */
	uint32_t	 shard_k;	/* --shard K/N: keep shard K (0-based) */
	uint32_t	 shard_n;	/* of N; 0: no sharding */

	/* serve */
	const char	*policy;	/* --policy LISTEN */
	const char	*lines;		/* --lines LISTEN */
	const char	*backend;	/* --backend HOST[:PORT] */
	uint32_t	 cache;		/* result cache entries */
	uint32_t	 ttl_pos_s;	/* deliverable, risky */
	uint32_t	 ttl_neg_s;	/* undeliverable */
	uint32_t	 ttl_tmp_s;	/* unknown */
	const char	*cache_file;
	uint32_t	 cache_save_s;
	uint32_t	 max_clients;
	uint32_t	 max_request;
	uint32_t	 client_ms;
	uint32_t	 socket_mode;
	const char	*socket_owner;
	uint8_t		 act[4];	/* per verdict: ACT_* */
	int		 syslog;
	uint32_t	 stats_s;	/* log counters every n s, 0 never */

	const char	*user;		/* --user USER[:GROUP]: drop to it */
	uint32_t	 drain_ms;	/* SIGTERM: budget to finish */

	/* verdicts */
	const char	*verdict_rules;	/* --verdict-rules FILE */
	int		 allow_single_label;	/* alice@ok passes the syntax */
	/* SOCKS 5 proxies (proxy.h); none: connect directly */
	const char	*proxy[CFG_PROXY_MAX];	/* --proxy URLs */
	int		 nproxy;
	const char	*proxy_file;	/* --proxy-file */

	/* selfcheck: DNSBL zones (none: the defaults in selfcheck.c) */
	const char	*dnsbl[CFG_DNSBL_MAX];
	int		 ndnsbl;
	/* long runs (probe): progress, resume, passes over a file */
	uint32_t	 progress_s;	/* --progress[=N]; 0 off */
	const char	*resume;	/* --resume FILE */
	int		 resume_keep_unknown;
	uint32_t	 passes;	/* --passes N; 0: chosen (feed.h) */
	int		 queue_auto;	/* no --queue: passes may take more */
};

/* what serve answers Postfix for a verdict */
enum { ACT_ACCEPT, ACT_REJECT, ACT_DEFER };

/*
 * The front ends an option applies to (a mask of them per option): an
 * option given to any other is a usage error.  OPT_M_CHECK is mxprobe
 * without a command (address checks, --mx-only and --syntax-only too).
 */
#define OPT_M_CHECK	0x1u
#define OPT_M_SERVE	0x2u
#define OPT_M_AUDIT	0x4u
#define OPT_M_SELFCHECK	0x8u

/*
 * Parse argv into *cfg.  Usage errors (a bad value, an option given to a
 * front end it does not apply to) print a message naming the option and
 * exit 64; --help and --version print and exit 0.
 */
void	opt_parse(struct config *cfg, int argc, char **argv);

/* What the option table says of one option, for tests. */
struct opt_about {
	const char	*name;		/* long name, without "--" */
	char		 letter;	/* short letter, or 0 */
	const char	*arg;		/* its value's name; NULL: none;
					 * "[=N]": only after "=" */
	const char	*def;		/* value before the command line is
					 * read; NULL: zero or derived */
	unsigned	 modes;		/* OPT_M_* */
};

/* Fill *a for the i-th option (0..); -1 past the last. */
int	opt_about(size_t i, struct opt_about *a);

struct buf;
/* Append the --help text to b (16 KB is enough). */
void	opt_help(struct buf *b);

#endif
