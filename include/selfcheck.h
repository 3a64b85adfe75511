/*
 * selfcheck.h - "mxprobe selfcheck [DOMAIN...]": can this box verify
 * addresses, and will mail servers trust it?  On the engine's loop,
 * resolver and session machine (through --proxy when one is set):
 *
 *   dns      the resolver answers, a name that cannot exist is NXDOMAIN
 *            (not rewritten), and each DOMAIN's MX lookup works;
 *   port25   a connection and a banner from each MX host of the DOMAINs,
 *            timed: blocked (no answer), refused, silent, slow or fine;
 *   address  the address the world sees: echoed in an EHLO reply
 *            ("[192.0.2.1]"), else --source;
 *   ptr, fcrdns  that address's PTR and whether it resolves back;
 *   helo     whether the EHLO name mxprobe would say resolves to it;
 *   dnsbl    its listings on the --dnsbl zones (defaults in selfcheck.c,
 *            documented in docs/mxprobe.1), read from the 127.0.0.x
 *            answer where the list documents one;
 *   verdict  "ready", "ready via proxy", or what to fix first.
 *
 * One finding a line, "check<TAB>status<TAB>detail" (or --json, one
 * object a line); status ok, warn or fail.
 */
#ifndef MXP_SELFCHECK_H
#define MXP_SELFCHECK_H

#include "config.h"

/* run the checks; returns the exit status: 0 all ok, 1 some fail, 2
 * some warn and no fail (as mxprobe audit) */
int	selfcheck_run(const struct config *cfg);

#endif
