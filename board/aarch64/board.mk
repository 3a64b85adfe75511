# board/aarch64/board.mk: ARMv8-A 64-bit, static musl.
# OpenWrt: mediatek/filogic, mvebu/cortexa53/cortexa72, bcm27xx/bcm2710+,
# rockchip/armv8, qualcommax. Debian cross gcc 12 (aarch64-linux-gnu-).
# max-page-size=4096: without it ld pads segments to 64 KiB and the stripped
# binary grows by ~28 KB (235,120 -> 263,792 B measured). All aarch64 Linux
# kernels that OpenWrt ships use 4 KiB pages.
CROSS_COMPILE := aarch64-linux-gnu-
MUSL_TARGET   := aarch64-linux-musl
ARCH_CFLAGS   :=
ARCH_LDFLAGS  := -Wl,-z,max-page-size=4096
USE_MUSL      := 1
QEMU          := qemu-aarch64-static
OBJDUMP       := aarch64-linux-gnu-objdump
DEB_PACKAGES  := gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-user-static make patch file bzip2 xz-utils
# OpenWrt package architecture for make ipk (filogic, cortexa53 and
# cortexa72 use their own names, e.g. aarch64_cortex-a53: IPK_ARCH=...)
IPK_ARCH      := aarch64_generic
