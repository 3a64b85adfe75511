/*
 * cache.h - serve mode's bounded result cache: a fixed ring of entries
 * with a hash index.  New entries overwrite the oldest (ring order), so
 * the cache never grows past its size; an entry also expires after the
 * TTL of its kind (positive, negative, temporary), in the spirit of
 * Postfix's address verification cache.
 *
 * Keys are the address as probed: local part as given, "@", the
 * lower-case A-label domain.  Times are monotonic milliseconds; the
 * cache file stores wall-clock seconds and is written atomically
 * (temporary file, fsync, rename), so a power cut leaves the old file
 * or the new one, never a torn one.
 */
#ifndef MXP_CACHE_H
#define MXP_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "ring.h"

#define CACHE_TEXT_MAX	120

struct cache_ent {
	uint32_t	 hash;
	uint32_t	 next;		/* index + 1 in the hash chain; 0 ends */
	int64_t		 expires;	/* monotonic ms; 0: empty slot */
	uint8_t		 verdict;
	uint8_t		 reason;
	int8_t		 catch_all;
	uint16_t	 code;
	uint16_t	 key_len;
	char		 ecode[12];
	char		 key[ADDR_PATH_MAX];
	char		 text[CACHE_TEXT_MAX + 1];
	char		 mx[64];
};

/* n entries (0: no cache); 0 or -1 */
int	cache_init(size_t n);

/* the live entry for key, or NULL (counted as hit or miss) */
const struct cache_ent *cache_get(const char *key, size_t len, int64_t now);

/*
 * The parts of a result that an entry keeps (verdict, reason, catch-all,
 * code, enhanced code, text, mail host) into res, detail "cached"; the
 * caller fills the address and flags.
 */
void	cache_fill(struct result *res, const struct cache_ent *e);

/* remember res under key for ttl_ms (0: not at all) */
void	cache_put(const char *key, size_t len, const struct result *res,
	    int64_t now, int64_t ttl_ms);

/* drop everything (SIGHUP) */
void	cache_clear(void);

/* entries live now, hits, misses */
size_t	cache_live(int64_t now);
uint64_t cache_hits(void);
uint64_t cache_misses(void);

/*
 * TTLs of the three kinds in ms (call before any use: --ttl-*), and the
 * TTL for a result: positive (deliverable, risky), negative
 * (undeliverable; 0 for syntax errors), temporary (unknown; 0 for an
 * interrupted probe).  0 means "do not cache".  serve and runs over a
 * list (--cache-file) share them.
 */
void	cache_ttls(int64_t pos_ms, int64_t neg_ms, int64_t tmp_ms);
int64_t	cache_ttl_for(const struct result *r);

/* the user the cache file must belong to (default: geteuid()) */
void	cache_trust_uid(uid_t uid);

/*
 * Persist to path / load from it: 0, or -1 with errno; now_wall is
 * time(NULL) for both.  Saving writes a new file next to path under an
 * unpredictable name (O_EXCL, O_NOFOLLOW, mode 0600), fsyncs it and
 * renames it over path.  Loading refuses (EPERM) a file that is not a
 * regular file owned by the trusted user (cache_trust_uid) or that
 * others may write, and a symbolic link; it skips expired and malformed
 * lines and keys that are not addresses, takes the verdict from the
 * reason, and clamps every expiry to its kind's TTL (cache_ttls).  A
 * missing file is not an error.
 */
int	cache_save(const char *path, int64_t now, int64_t now_wall);
int	cache_load(const char *path, int64_t now, int64_t now_wall);

#endif
