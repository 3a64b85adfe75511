/*
 * resume.h - what an earlier run already answered: --resume FILE.
 *
 * FILE is an earlier output of mxprobe, text, JSON lines or CSV (told
 * apart line by line: a JSON line starts with "{", a text line holds a
 * TAB, anything else is CSV; the CSV header is skipped).  An address
 * whose line there carries a final result is not asked again.  Final is
 * every verdict but unknown, and unknown for a reason that a second try
 * would not change; unknown greylisted, timeout, rate_limited and
 * temp_failure are final only with keep_unknown (--resume-keep-unknown);
 * unknown interrupted and internal never are.  A line without its
 * newline (a run killed in the middle of a write) is ignored.
 *
 * Memory: one array of 64-bit hashes of the addresses, sized by
 * counting the file's lines first, sorted once; nothing per address
 * after that.  Two different addresses share a hash with probability
 * about n * m / 2^64 for n answered and m asked (1e6 and 1e6: 5e-8);
 * the price of a collision is one address not asked.
 *
 * The key of an address is its input line as given (the "address"
 * field, escapes undone); a field cut with "..." never matches.
 */
#ifndef MXP_RESUME_H
#define MXP_RESUME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Read path into the set; 0, or -1 with errno (a missing file is an
 * empty set).  *good_len is the length of the file up to its last
 * newline (what a torn last line is cut back to), *lines the count of
 * whole lines.
 */
int	resume_load(const char *path, int keep_unknown, off_t *good_len,
	    uint64_t *lines);

/* did the earlier run answer the address whose input line is s[0..n)? */
int	resume_done(const char *s, size_t n);

/* addresses in the set */
uint64_t resume_count(void);

void	resume_free(void);

/*
 * One result line (no newline) of any format: the address into
 * key[0..cap) (escapes undone; *klen its length) and whether its result
 * is final.  1 when the line is a result, 0 when not (a header, a
 * cut address, garbage).  Pure, for the unit tests.
 */
int	resume_parse(const char *s, size_t n, int keep_unknown, char *key,
	    size_t cap, size_t *klen, int *final);

/* the 64-bit key hash (FNV-1a 64) */
uint64_t resume_hash(const char *s, size_t n);

#endif
