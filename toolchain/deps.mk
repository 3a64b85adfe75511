# toolchain/deps.mk: third-party libraries for one target, included by the
# top Makefile after board/$(TARGET)/board.mk.
#
# Expects (set by the top Makefile / board.mk):
#   TOP            absolute repo root
#   TARGET         board name (board/$(TARGET)/board.mk)
#   SYSROOT        absolute, e.g. $(TOP)/build/$(TARGET)/sysroot
#   CROSS_COMPILE ARCH_CFLAGS ARCH_LDFLAGS MUSL_TARGET USE_MUSL EXTRA_CFLAGS
# Optional:
#   SRC_CACHE      verified source files (default $(TOP)/build/src)
#   DEPS_DIR       offline source folder, read by fetch.sh (from the
#                  environment or the make command line)
#   HOST_CC        compiler for USE_MUSL=0 (default gcc)
# Provides:
#   $(SYSROOT)/.stamp  the file to depend on (objects and the link): its
#                  mtime changes only when the libraries were rebuilt
#   deps           build the libraries for $(TARGET)
#   deps-fetch     only fetch and verify the sources
#   deps-clean     remove $(SYSROOT) and the work folder of $(TARGET)
#   DEPS_CC        the compiler to build the program with
#   DEPS_CPPFLAGS DEPS_LDFLAGS DEPS_LIBS  what to compile and link with
#
# The stamp recipe runs on every make (FORCE): build-deps.sh hashes its
# inputs (toolchain files, patches, board variables, EXTRA_CFLAGS, compiler
# version) and exits silently in ~50 ms when $(SYSROOT)/.stamp has the same
# key, without touching it, so nothing downstream is remade. Any change
# rebuilds that target's sysroot from scratch (about 35-50 s).

SRC_CACHE ?= $(TOP)/build/src

DEPS_INPUTS := \
	$(TOP)/toolchain/deps.lock \
	$(TOP)/toolchain/fetch.sh \
	$(TOP)/toolchain/build-deps.sh \
	$(TOP)/toolchain/mbedtls_config.h \
	$(TOP)/toolchain/udns-config.h \
	$(wildcard $(TOP)/toolchain/patches/mbedtls/*.patch) \
	$(TOP)/board/$(TARGET)/board.mk

ifeq ($(USE_MUSL),0)
DEPS_CC       ?= $(or $(HOST_CC),gcc)
else
DEPS_CC       := $(SYSROOT)/bin/musl-gcc
endif
# musl-gcc already searches $(SYSROOT); the flags are harmless there and
# required for USE_MUSL=0.
DEPS_CPPFLAGS := -I$(SYSROOT)/include
DEPS_LDFLAGS  := -L$(SYSROOT)/lib
# Order matters for static archives: tls needs x509 needs crypto.
DEPS_LIBS     := -lmbedtls -lmbedx509 -lmbedcrypto -ludns

# The compiler this target builds with; missing (a fresh machine, a cross
# target never built here), toolchain/install-build-deps.sh installs the
# board's DEB_PACKAGES first, as "make test" does, instead of stopping at
# "mips-linux-gnu-gcc not found".
DEPS_REALCC := $(if $(filter 1,$(USE_MUSL)),$(CROSS_COMPILE)gcc,$(or $(HOST_CC),gcc))

$(SYSROOT)/.stamp: $(DEPS_INPUTS) deps-FORCE
	@command -v '$(DEPS_REALCC)' >/dev/null 2>&1 && \
	 command -v '$(CROSS_COMPILE)ar' >/dev/null 2>&1 || \
	 sh '$(TOP)/toolchain/install-build-deps.sh' '$(TARGET)'
	@SRC_CACHE='$(SRC_CACHE)' sh '$(TOP)/toolchain/fetch.sh'
	@TARGET='$(TARGET)' SYSROOT='$(SYSROOT)' SRC_CACHE='$(SRC_CACHE)' \
	 CROSS_COMPILE='$(CROSS_COMPILE)' MUSL_TARGET='$(MUSL_TARGET)' \
	 ARCH_CFLAGS='$(ARCH_CFLAGS)' ARCH_LDFLAGS='$(ARCH_LDFLAGS)' \
	 USE_MUSL='$(USE_MUSL)' EXTRA_CFLAGS='$(EXTRA_CFLAGS)' \
	 HOST_CC='$(HOST_CC)' DEPS_QUIET=1 \
	 sh '$(TOP)/toolchain/build-deps.sh'

deps: $(SYSROOT)/.stamp

deps-fetch:
	@SRC_CACHE='$(SRC_CACHE)' sh '$(TOP)/toolchain/fetch.sh'

deps-clean:
	rm -rf '$(SYSROOT)' '$(dir $(SYSROOT))deps-work' '$(dir $(SYSROOT))deps.log'

deps-FORCE:

.PHONY: deps deps-fetch deps-clean deps-FORCE
