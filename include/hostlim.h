/*
 * hostlim.h - politeness limits by mail host name: the built-in table of
 * providers known to throttle verification, and --limits FILE.
 *
 * A rule is a host name pattern and the limits it sets:
 *	PATTERN key=value...
 * PATTERN is a host name (exact, case-insensitive), "*.suffix" (any name
 * ending in ".suffix") or "*" (every host).  Keys: sessions (at once per
 * domain whose best MX matches), batch (RCPTs per transaction), conn (new
 * connections per minute to a matching host), rcpt (RCPTs per minute to
 * a matching host).  A key not given keeps the default (the options).
 * "#" starts a comment; blank lines are ignored.  The file's rules come
 * first, then the built-in ones; the first rule that matches decides.
 * At most HOSTLIM_MAX rules in a file, lines of at most 512 bytes, a
 * file of at most 64 KiB; anything else is an error naming file:line.
 */
#ifndef MXP_HOSTLIM_H
#define MXP_HOSTLIM_H

#include <stddef.h>
#include <stdint.h>

#define HOSTLIM_MAX	256	/* rules in a --limits file */
#define HOSTLIM_PAT_MAX	253	/* a host name */

struct hostlim {
	char		 pat[HOSTLIM_PAT_MAX + 1];	/* lower case */
	uint16_t	 sessions;	/* 0: not set */
	uint16_t	 batch;
	uint32_t	 conn_min;
	uint32_t	 rcpt_min;
};

/*
 * Parse rules from buf[0..len) (name: for messages) into the file table,
 * replacing it.  0, or -1 with "name:line: why" in err.
 */
int	hostlim_parse(const char *buf, size_t len, const char *name, char *err,
	    size_t errcap);

/* read and parse the file at path; 0 or -1 (err as above) */
int	hostlim_load(const char *path, char *err, size_t errcap);

/* the first rule whose pattern matches host (any case), or NULL */
const struct hostlim *hostlim_find(const char *host);

#endif
