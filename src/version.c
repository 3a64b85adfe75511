/*
 * version.c - the --version text.  The library versions come from the
 * headers the binary was compiled against, which the build installs
 * from the same sources as the libraries, so they cannot disagree.
 */
#include <udns.h>

#include "features.h"
#include "version.h"

#if MXP_TLS
#include <mbedtls/build_info.h>
#endif

/* see version.h */
void
version_text(struct buf *b)
{
	buf_adds(b, "mxprobe " MXP_VERSION "\n");
	buf_adds(b, "target: " MXP_TARGET
#if defined(__GLIBC__)
	    " (glibc, test build)\n"
#else
	    " (static, musl)\n"
#endif
	    );
	buf_adds(b, MXP_TLS ? "build: TLS=1" : "build: TLS=0");
	buf_adds(b, MXP_AUDIT ? " AUDIT=1" : " AUDIT=0");
	buf_adds(b, MXP_SELFCHECK ? " SELFCHECK=1\n" : " SELFCHECK=0\n");
#if MXP_TLS
	buf_adds(b, "mbedTLS " MBEDTLS_VERSION_STRING "\n");
#endif
	buf_adds(b, "udns " UDNS_VERSION "\n");
}
