/*
 * serve.h - "mxprobe serve": the probe as a recipient-verification
 * service (Postfix policy protocol, a line protocol), with a bounded
 * result cache.  See docs/serve.md.
 */
#ifndef MXP_SERVE_H
#define MXP_SERVE_H

#include "config.h"

/* run until SIGTERM/SIGINT (drains first); returns the exit status */
int	serve_run(const struct config *cfg);

#endif
