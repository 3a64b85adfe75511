# board/targets.mk - per-board checks and packages, included by the top
# Makefile (after board/$(TARGET)/board.mk, so TARGET, TLS, BUILD,
# OBJDUMP, SIZE, IPK_ARCH and VERSION are set).
#
#   make test-targets [TLS=0]        make test TARGET=t for all six boards
#   make size-check [TARGET=t] [TLS=0]   stripped binary vs board/size-budget
#   make size-report [TARGET=t] [TLS=0]  where the bytes go (unstripped)
#   make fpu-check TARGET=mipsel|mips    no FPU instruction can run
#   make ipk TARGET=t [TLS=0] [IPK_ARCH=...]   build/<variant>/*.ipk

ALL_TARGETS	:= x86_64 aarch64 armhf armel mipsel mips
VARIANT		:= $(notdir $(BUILD))
NM		:= $(patsubst %objdump,%nm,$(OBJDUMP))

.PHONY: fpu-check ipk

# Each "make test TARGET=t" runs the board's binary (under qemu-user when
# cross) and the host ASan build; its closing line is kept per target.
# Fails if any target failed, after running all of them.
test-targets:
	$(Q)mkdir -p build/test-logs; rc=0; \
	for t in $(ALL_TARGETS); do \
	    echo "==== make test TARGET=$$t TLS=$(TLS)"; \
	    $(MAKE) --no-print-directory test TARGET=$$t TLS=$(TLS) \
	        >build/test-logs/targets-$$t.log 2>&1 || rc=1; \
	    grep -E '^FAIL|^[a-z0-9_-]+: .*[1-9][0-9]* failed' \
	        build/test-logs/targets-$$t.log | head -20; \
	    grep -E "^[0-9]+ passed, [0-9]+ failed" build/test-logs/targets-$$t.log \
	        | tail -n 1 | grep . || echo "no result (see build/test-logs/targets-$$t.log)"; \
	    tail -n 3 build/test-logs/targets-$$t.log | grep -E "Error|error:" ; \
	done; \
	echo; echo "per target (make test TARGET=t: the board + host-san):"; \
	p=0; f=0; s=0; \
	for t in $(ALL_TARGETS); do \
	    l=$$(grep -E "^[0-9]+ passed, [0-9]+ failed" \
	        build/test-logs/targets-$$t.log | tail -n 1); \
	    [ -n "$$l" ] || l="no result: build or set-up failed"; \
	    printf '  %-8s %s\n' "$$t" "$$l"; \
	    n=$$(echo "$$l" | sed -n 's/^\([0-9]*\) passed.*/\1/p'); \
	    m=$$(echo "$$l" | sed -n 's/.* \([0-9]*\) failed.*/\1/p'); \
	    k=$$(echo "$$l" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p'); \
	    if [ -z "$$n" ]; then m=1; n=0; fi; \
	    p=$$((p + n)); f=$$((f + $${m:-0})); s=$$((s + $${k:-0})); \
	done; \
	echo "total: $$p passed, $$f failed, $$s skipped"; \
	exit $$rc

size-check: $(BUILD)/mxprobe
	$(Q)sh board/size-check.sh $(VARIANT) $(BUILD)/mxprobe

size-report: $(BUILD)/mxprobe
	$(Q)NM=$(NM) SIZE=$(SIZE) sh board/size-report.sh $(BUILD) $(SYSROOT)/lib

fpu-check: $(BUILD)/mxprobe
ifneq ($(filter mips mipsel,$(TARGET)),)
	$(Q)sh board/fpu-check.sh -v $(OBJDUMP) $(BUILD)/mxprobe.debug
else
	@echo "fpu-check: only for the MIPS boards (mips, mipsel), not $(TARGET)"
endif

ipk: $(BUILD)/mxprobe
ifeq ($(IPK_ARCH),)
	$(error no IPK_ARCH for TARGET=$(TARGET) (board/$(TARGET)/board.mk))
endif
	$(Q)sh board/mkipk.sh $(BUILD)/mxprobe $(VERSION) $(IPK_ARCH) $(BUILD) \
	    mxprobe$(if $(filter 0,$(TLS)),-nossl)
