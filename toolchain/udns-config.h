/*
 * toolchain/udns-config.h: replaces the config.h that udns 0.4's ./configure
 * would write. That script runs its test binaries (./conftest), so it cannot
 * cross-compile, and its socket probe calls undeclared functions, so it fails
 * with gcc >= 14 even natively. These four hold for musl >= 1.1 and glibc.
 * build-deps.sh copies this file to config.h and compiles with -DHAVE_CONFIG_H.
 */
#define HAVE_GETOPT 1
#define HAVE_INET_PTON_NTOP 1
#define HAVE_IPv6 1
#define HAVE_POLL 1
