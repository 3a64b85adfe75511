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

/* remember res under key for ttl_ms (0: not at all) */
void	cache_put(const char *key, size_t len, const struct result *res,
	    int64_t now, int64_t ttl_ms);

/*
 * How long to keep res: positive (deliverable, risky), negative
 * (undeliverable; never a syntax failure) or temporary (unknown; never
 * interrupted) seconds, in ms; 0: not at all.  serve and runs over a
 * list (--cache-file) share it.
 */
int64_t	cache_ttl(const struct result *res, uint32_t pos_s, uint32_t neg_s,
	    uint32_t tmp_s);

/* drop everything (SIGHUP) */
void	cache_clear(void);

/* entries live now, hits, misses */
size_t	cache_live(int64_t now);
uint64_t cache_hits(void);
uint64_t cache_misses(void);

/*
 * Persist to path / load from it: 0, or -1 with errno.  Loading skips
 * expired and malformed lines; now_wall is time(NULL) for both.
 */
int	cache_save(const char *path, int64_t now, int64_t now_wall);
int	cache_load(const char *path, int64_t now, int64_t now_wall);

#endif
