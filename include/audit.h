/*
 * audit.h - "mxprobe audit DOMAIN...": is this domain's mail set up
 * right?  MX, SPF, DMARC, MTA-STS, TLS-RPT, and per MX host SMTP,
 * STARTTLS, certificate name and forward-confirmed reverse DNS, all on
 * the engine's loop and resolver.  See docs/audit.md.
 */
#ifndef MXP_AUDIT_H
#define MXP_AUDIT_H

#include "config.h"
#include "input.h"

/* audit every domain of in; returns the exit status (docs/audit.md) */
int	audit_run(const struct config *cfg, struct input *in);

#endif
