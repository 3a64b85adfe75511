/*
 * result.h - filling a struct result (ring.h) from what is known about
 * an address.  Writers of results use only these, so every result has
 * the same shape whatever produced it.
 */
#ifndef MXP_RESULT_H
#define MXP_RESULT_H

#include "addr.h"
#include "input.h"
#include "ring.h"
#include "verdict.h"

/* the input text (escaped at output time), its length, line number */
void	res_input(struct result *res, const struct input_line *line);

/* verdict from the reason; detail is copied (bounded), may be NULL */
void	res_reason(struct result *res, enum reason r, const char *detail);

/* a syntax failure, with the parser's token and text in the detail */
void	res_syntax(struct result *res, enum addr_err e);

/*
 * --shard K/N: is this input line in shard K?  The key is the domain as
 * probed (lower-case A-label) when the address parses, else the bytes
 * after the last "@" (ASCII lower-cased; the whole line without one);
 * shard = FNV-1a-32(key) mod N, so one domain is always in one shard.
 */
int	res_shard_mine(uint32_t k, uint32_t n, const struct addr *a,
	    const char *s, size_t len);

/* FNV-1a, 32 bits (the shard hash; docs/mxprobe.1) */
uint32_t res_fnv1a(const char *s, size_t n, int lower);

/* is the local part a role account (postmaster, abuse, info, ...)? */
int	res_is_role(const struct addr *a);

#endif
