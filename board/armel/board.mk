# board/armel/board.mk: ARMv5TE, soft-float EABI, static musl.
# OpenWrt: kirkwood, orion, mxs, at91/sam9x (arm926ej-s class, no FPU).
# Also runs on any newer ARM core. qemu runs it as an ARM926 (no VFP, no
# Thumb-2), so the test run catches instructions the old cores lack.
CROSS_COMPILE := arm-linux-gnueabi-
MUSL_TARGET   := arm-linux-musleabi
ARCH_CFLAGS   := -march=armv5te
ARCH_LDFLAGS  :=
USE_MUSL      := 1
QEMU          := qemu-arm-static -cpu arm926
OBJDUMP       := arm-linux-gnueabi-objdump
DEB_PACKAGES  := gcc-arm-linux-gnueabi binutils-arm-linux-gnueabi qemu-user-static make patch file bzip2 xz-utils
# "mxprobe audit" is left out of this small router board (about 115 KB):
# build with AUDIT=1 to include it.
AUDIT_DEFAULT := 0
# "mxprobe selfcheck" (about 8 KB) is left out too: the flash budget
# (board/size-budget) has no room; build with SELFCHECK=1 to include it.
SELFCHECK_DEFAULT := 0
# OpenWrt package architecture for make ipk: mxs, at91 sam9x;
# kirkwood and orion are arm_xscale (IPK_ARCH=arm_xscale)
IPK_ARCH      := arm_arm926ej-s
