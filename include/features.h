/*
 * features.h - build switches.  The Makefile passes -DMXP_TLS=0 for
 * TLS=0; everything else takes its default here.  Code reads switches
 * with #if (never #ifdef) so that -Wundef catches a typo.
 */
#ifndef MXP_FEATURES_H
#define MXP_FEATURES_H

/*
 * MXP_TLS: STARTTLS through mbedTLS.  Costs about 170 KB of text on
 * x86_64 and 230 KB on MIPS (docs/benchmarks.md has the measured table).
 */
#ifndef MXP_TLS
#define MXP_TLS 1
#endif

#if MXP_TLS != 0 && MXP_TLS != 1
#error "MXP_TLS must be 0 or 1"
#endif

/*
 * MXP_AUDIT: "mxprobe audit" (SPF, DMARC by the DMARCbis DNS tree walk,
 * MTA-STS, TLS-RPT, per-MX checks).  Costs about 16 KB of a stripped
 * x86_64 binary (docs/building.md): on in every board's build.
 */
#ifndef MXP_AUDIT
#define MXP_AUDIT 1
#endif

#if MXP_AUDIT != 0 && MXP_AUDIT != 1
#error "MXP_AUDIT must be 0 or 1"
#endif

/*
 * MXP_SELFCHECK: "mxprobe selfcheck" (DNS, port 25, PTR, FCrDNS, EHLO
 * name, DNSBLs).  Costs about 8 KB of text on x86_64; on in every
 * board's build (the public-suffix list it once had no room beside is
 * gone), SELFCHECK=0 leaves it out.
 */
#ifndef MXP_SELFCHECK
#define MXP_SELFCHECK 1
#endif

#if MXP_SELFCHECK != 0 && MXP_SELFCHECK != 1
#error "MXP_SELFCHECK must be 0 or 1"
#endif

#ifndef MXP_VERSION
#define MXP_VERSION "0.0-unknown"
#endif

#ifndef MXP_TARGET
#define MXP_TARGET "unknown"
#endif

#endif
