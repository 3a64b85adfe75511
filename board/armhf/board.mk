# board/armhf/board.mk: ARMv7-A with VFPv3-D16, hard-float, Thumb-2, static
# musl: the same baseline as Debian's armhf.
# OpenWrt: ipq40xx, ipq806x, mvebu/cortexa9, sunxi/cortexa7, mediatek/mt7623
# (cortex-a7/a9/a15 with vfpv3-d16 or better). ARMv7 SoCs without VFP
# (OpenWrt packages them as plain arm_cortex-a9, e.g. bcm53xx) die with
# SIGILL: use the armel board there.
CROSS_COMPILE := arm-linux-gnueabihf-
MUSL_TARGET   := arm-linux-musleabihf
ARCH_CFLAGS   := -march=armv7-a -mfpu=vfpv3-d16 -mfloat-abi=hard -mthumb
ARCH_LDFLAGS  :=
USE_MUSL      := 1
QEMU          := qemu-arm-static
OBJDUMP       := arm-linux-gnueabihf-objdump
DEB_PACKAGES  := gcc-arm-linux-gnueabihf binutils-arm-linux-gnueabihf qemu-user-static make patch file bzip2 xz-utils
# "mxprobe audit" is left out of this small router board (about 115 KB):
# build with AUDIT=1 to include it.
AUDIT_DEFAULT := 0
# "mxprobe selfcheck" (about 8 KB) is left out too: the flash budget
# (board/size-budget) has no room; build with SELFCHECK=1 to include it.
SELFCHECK_DEFAULT := 0
# OpenWrt package architecture for make ipk: ipq40xx/sunxi cortexa7;
# ipq806x is arm_cortex-a15_neon-vfpv4, mvebu arm_cortex-a9_vfpv3-d16
# (override with IPK_ARCH=...; the binary runs on all of them)
IPK_ARCH      := arm_cortex-a7_neon-vfpv4
