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

/* is the local part a role account (postmaster, abuse, info, ...)? */
int	res_is_role(const struct addr *a);

#endif
