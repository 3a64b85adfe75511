# mxprobe - GNU make.
#
#   make [TARGET=x86_64|aarch64|armhf|armel|mipsel|mips] [TLS=0|1] [V=1]
#   make test | test-asan | test-full | test-targets | fuzz | bench | demo
#
# Everything is built under build/: build/<target>/sysroot holds musl,
# udns and mbedTLS built for the target (cached, keyed by toolchain/);
# build/<target>[-notls]/ holds mxprobe's own objects and binaries.
# TARGET=host SAN=1 is the glibc ASan/UBSan build the tests also run.
# TARGET=host alone is a dynamic glibc build for valgrind (make test-full).

TARGET	?= x86_64
TLS	?= 1
SAN	?= 0
V	?= 0

TOP	:= $(abspath .)
ifeq ($(wildcard board/$(TARGET)/board.mk),)
$(error unknown TARGET "$(TARGET)": no board/$(TARGET)/board.mk)
endif
USE_MUSL ?= 1
include board/$(TARGET)/board.mk
# "mxprobe audit" and "mxprobe selfcheck" are in every board's build
# (AUDIT=0, SELFCHECK=0 leave them out)
AUDIT	?= 1
SELFCHECK ?= 1

VERSION	:= $(shell cat VERSION 2>/dev/null || echo 0.0)
SYSROOT	:= $(TOP)/build/$(TARGET)/sysroot
BUILD	:= build/$(TARGET)$(if $(filter 0,$(TLS)),-notls)$(if $(filter 0,$(AUDIT)),-audit0)$(if $(filter 0,$(SELFCHECK)),-selfcheck0)$(if $(filter 1,$(SAN)),-san)
OBJ	:= $(BUILD)/obj

ifeq ($(USE_MUSL),1)
CC	:= $(SYSROOT)/bin/musl-gcc
export REALGCC := $(CROSS_COMPILE)gcc
else
CC	:= $(CROSS_COMPILE)gcc
endif
STRIP	:= $(CROSS_COMPILE)strip
SIZE	:= $(CROSS_COMPILE)size
HOSTCC	?= gcc

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN	:= -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
	   -Wpointer-arith -Wcast-qual -Wsign-compare -Wundef -Werror
ifeq ($(SAN),1)
OPT	:= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=undefined
SANLD	:= -fsanitize=address,undefined
STATIC	:=
else
OPT	:= -Os -ffunction-sections -fdata-sections \
	   -fno-asynchronous-unwind-tables -fno-unwind-tables
SANLD	:=
# -z noseparate-code: no page of padding between code and read-only data
# (binutils' x86 default since 2.31; about 4 KB); no build-id note.
STATIC	:= -static -Wl,-z,noseparate-code -Wl,--build-id=none
endif
# the plain glibc host build (TARGET=host, no SAN) is for valgrind and the
# LD_PRELOAD malloc counter: dynamic (valgrind must replace malloc) and
# debuggable, like the libraries in its sysroot; never shipped, not stripped
ifeq ($(USE_MUSL)$(SAN),00)
OPT	:= -O1 -g -fno-omit-frame-pointer
STATIC	:=
endif
CPPFLAGS := -std=c99 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	    -iquote include -isystem $(SYSROOT)/include \
	    -DMXP_TLS=$(TLS) -DMXP_AUDIT=$(AUDIT) -DMXP_SELFCHECK=$(SELFCHECK) \
	    -DMXP_VERSION='"$(VERSION)"' \
	    -DMXP_TARGET='"$(TARGET)"'
CFLAGS	:= $(OPT) $(ARCH_CFLAGS) $(WARN) -MMD -MP
LDFLAGS	:= $(STATIC) -Wl,--gc-sections $(ARCH_LDFLAGS) $(SANLD) \
	   -L$(SYSROOT)/lib

LIBS-1	:= -lmbedtls -lmbedx509 -lmbedcrypto
LIBS	:= $(LIBS-$(TLS)) -ludns

# the program: every module; TLS only with TLS=1
SRCS-1	:= src/addr.c src/punycode.c src/util.c src/verdict.c src/ring.c \
	   src/input.c src/out.c src/opt.c src/result.c src/version.c \
	   src/loop.c src/mx.c src/reply.c src/verdict_table.c src/sess.c \
	   src/engine.c src/cache.c src/policy.c src/serve.c \
	   src/socks.c src/proxy.c src/verdict_rules.c \
	   src/feed.c src/resume.c src/progress.c src/gov.c src/hostlim.c
SRCS-$(TLS) += src/tls_mbedtls.c
SRCS-$(AUDIT) += src/audit.c src/spf.c src/dmarc.c
SRCS-$(SELFCHECK) += src/selfcheck.c
MAIN	:= src/main.c
SRCS	:= $(SRCS-1)
OBJS	:= $(SRCS:src/%.c=$(OBJ)/%.o)

UNIT_SRCS := $(wildcard tests/unit/test_*.c) tests/unit/run.c
UNIT_OBJS := $(UNIT_SRCS:tests/unit/%.c=$(OBJ)/unit/%.o)

FAKES	:= fakedns fakesmtp peakrss sockreq fakesocks
FAKEDIR	:= build/fakes

.DELETE_ON_ERROR:
.PHONY: all test test-bins test-asan test-full test-targets unit fakes bench-small \
	fuzz fuzz-replay bench demo clean distclean size size-check \
	size-report deps-install install-deps show-config

all: show-config $(BUILD)/mxprobe

show-config:
	@echo "mxprobe $(VERSION): TARGET=$(TARGET) TLS=$(TLS) AUDIT=$(AUDIT) SELFCHECK=$(SELFCHECK) SAN=$(SAN)" \
	    "CC=$(notdir $(CC)) -> $(BUILD)/"

include toolchain/deps.mk

$(OBJ)/%.o: src/%.c $(SYSROOT)/.stamp
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OBJ)/unit/%.o: tests/unit/%.c $(SYSROOT)/.stamp
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) -iquote tests/unit $(CFLAGS) -c -o $@ $<

$(BUILD)/mxprobe.debug: $(OBJS) $(OBJ)/main.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/mxprobe: $(BUILD)/mxprobe.debug
ifneq ($(SAN)$(USE_MUSL),01)
	$(Q)cp $< $@
else
	$(Q)$(STRIP) -R .comment -o $@ $<
endif

$(BUILD)/test_unit: $(OBJS) $(UNIT_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# test servers: plain host binaries, whatever TARGET is
$(FAKEDIR)/%: tests/fakes/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) -std=c99 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	    -O2 -g -Wall -Wextra -Werror -o $@ $< $(FAKE_LIBS)

# fakesmtp's STARTTLS is OpenSSL (libssl-dev): a host test tool only
$(FAKEDIR)/fakesmtp: FAKE_LIBS := -lssl -lcrypto

fakes: $(FAKES:%=$(FAKEDIR)/%)

# the fuzz targets' corpora, replayed by a plain driver under ASan
FUZZERS	:= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SRCS_addr := src/addr.c src/punycode.c
FUZZ_SRCS_input := src/input.c
FUZZ_SRCS_reply := src/reply.c
FUZZ_SRCS_policy := src/policy.c
FUZZ_SRCS_rules := src/verdict_table.c src/verdict.c
FUZZ_SRCS_socks := src/socks.c src/verdict.c
FUZZ_SRCS_spf := src/spf.c src/dmarc.c src/util.c
FUZZ_SECONDS ?= 30

# rebuilt when the parser under test changes, not just the target
.SECONDEXPANSION:
build/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $$(FUZZ_SRCS_$$*)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=c99 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	    -iquote include -O1 -g -fsanitize=address,undefined \
	    -fno-sanitize-recover=undefined -o $@ $< tests/fuzz/replay.c \
	    $(FUZZ_SRCS_$*)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRCS_$$*)
	@mkdir -p $(@D)
	$(Q)clang -iquote include -g -O1 -fsanitize=fuzzer,address,undefined \
	    -o $@ $< $(FUZZ_SRCS_$*)

fuzz-replay: $(FUZZERS:%=build/fuzz/replay_%)

fuzz: $(FUZZERS:%=build/fuzz/fuzz_%)
	@for f in $(FUZZERS); do \
	    mkdir -p build/fuzz/corpus-$$f; \
	    echo "fuzz $$f for $(FUZZ_SECONDS)s"; \
	    build/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 build/fuzz/corpus-$$f \
	        tests/fuzz/corpus/$$f 2>build/fuzz/$$f.log || \
	        { tail -40 build/fuzz/$$f.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units|stat::peak_rss' \
	        build/fuzz/$$f.log; \
	done

test-bins: all $(BUILD)/test_unit

install-deps deps-install:
	$(Q)sh toolchain/install-build-deps.sh $(TARGET)
	$(Q)sh tests/lib/install-test-deps.sh

# The whole suite: the target build, then the same suites again under
# ASan/UBSan (glibc host build), then under qemu-user for the cross
# targets CI must cover (TEST_CROSS; empty with TARGET= given, so
# "make test TARGET=mipsel" tests just that one).  tests/run.sh prints
# the last line, "N passed, N failed".
ifeq ($(origin TARGET),command line)
TEST_CROSS ?=
else
TEST_CROSS ?= mipsel aarch64
endif
NT	:= $(if $(filter 0,$(TLS)),-notls)

test: install-deps
	$(Q)for t in $(TEST_CROSS); do \
	    sh toolchain/install-build-deps.sh $$t || exit 1; done
	$(Q)$(MAKE) --no-print-directory TARGET=$(TARGET) TLS=$(TLS) test-bins
	$(Q)$(MAKE) --no-print-directory TARGET=host SAN=1 TLS=$(TLS) test-bins
	$(Q)for t in $(TEST_CROSS); do $(MAKE) --no-print-directory \
	    TARGET=$$t TLS=$(TLS) test-bins || exit 1; done
	$(Q)$(MAKE) --no-print-directory fakes fuzz-replay
	$(Q)sh tests/run.sh $(TARGET)$(NT) host$(NT)-san \
	    $(foreach t,$(TEST_CROSS),$(t)$(NT))

test-asan: install-deps
	$(Q)$(MAKE) --no-print-directory TARGET=host SAN=1 TLS=$(TLS) test-bins
	$(Q)$(MAKE) --no-print-directory fakes fuzz-replay
	$(Q)sh tests/run.sh host$(if $(filter 0,$(TLS)),-notls)-san

test-full: install-deps
	$(Q)MXP_FULL=1 sh tests/lib/install-test-deps.sh
	$(Q)$(MAKE) --no-print-directory test-bins fakes fuzz-replay
	$(Q)MXP_FULL=1 sh tests/run.sh $(TARGET)

size: $(BUILD)/mxprobe
	$(Q)$(SIZE) $(BUILD)/mxprobe.debug
	$(Q)ls -l $(BUILD)/mxprobe

demo: install-deps
	$(Q)$(MAKE) --no-print-directory all fakes
	$(Q)sh tests/demo.sh $(BUILD)/mxprobe

bench: install-deps
	$(Q)$(MAKE) --no-print-directory all fakes
	$(Q)sh tests/bench/run.sh large

bench-small: install-deps
	$(Q)$(MAKE) --no-print-directory all fakes
	$(Q)sh tests/bench/run.sh small

# keeps the dependency sysroots (build/<target>/sysroot): distclean drops them
clean:
	rm -rf $(BUILD)/obj $(BUILD)/mxprobe $(BUILD)/mxprobe.debug \
	    $(BUILD)/test_unit build/fakes build/fuzz

# also drops the dependency caches and the fetched sources
distclean:
	rm -rf build

# mxprobe against real Postfix/Exim/OpenSMTPD/unbound in network
# namespaces (needs root; tests/interop/run.sh, docs/interop.md)
test-interop:
	$(Q)sh tests/interop/run.sh

# per-board checks and packages: size budgets, FPU check, OpenWrt ipk
-include board/targets.mk

-include $(OBJS:.o=.d) $(OBJ)/main.d $(UNIT_OBJS:.o=.d)
