# board/mips/board.mk: MIPS32r2 big-endian, static musl.
# OpenWrt: ath79 (AR71xx/AR9xxx/QCA95xx: 24Kc/74Kc), many older routers.
# Hard-float, no float formatting; qemu runs it as a 24Kc without FPU (see
# board/mipsel/board.mk). MIPS32r1 SoCs (lantiq, bcm47xx class) need
# -march=mips32 in a board of their own.
CROSS_COMPILE := mips-linux-gnu-
MUSL_TARGET   := mips-linux-musl
ARCH_CFLAGS   := -march=mips32r2 -mtune=24kc
ARCH_LDFLAGS  :=
USE_MUSL      := 1
QEMU          := qemu-mips-static -cpu 24Kc
OBJDUMP       := mips-linux-gnu-objdump
DEB_PACKAGES  := gcc-mips-linux-gnu binutils-mips-linux-gnu qemu-user-static make patch file bzip2 xz-utils
# "mxprobe audit" is left out of this small router board (about 115 KB):
# build with AUDIT=1 to include it.
AUDIT_DEFAULT := 0
# OpenWrt package architecture for make ipk: ath79
IPK_ARCH      := mips_24kc
