# board/mips/board.mk: MIPS32r2 big-endian, static musl.
# OpenWrt: ath79 (AR71xx/AR9xxx/QCA95xx: 24Kc/74Kc), many older routers.
# Hard-float, no float formatting; qemu runs it as a 24Kc without FPU (see
# board/mipsel/board.mk). MIPS32r1 SoCs (lantiq, bcm47xx class) need
# -march=mips32 in a board of their own.
CROSS_COMPILE := mips-linux-gnu-
MUSL_TARGET   := mips-linux-musl
# -fno-pie -mplt: Debian's cross gcc makes PIE code by default, and MIPS
# PIC reaches every global and every call through the GOT ($gp, $t9).  A
# static executable needs none of that: non-PIC "abicalls with PLT" code
# (in musl, udns and mbedTLS too: the sysroot is built with these flags)
# made the stripped binary 57,384 B smaller (398,424 -> 341,040 B, -14.4 %,
# TLS=1 AUDIT=0; docs/building.md "What the bytes are").
# -mno-abicalls would go further but cannot build musl (rcrt1.c is always
# -fPIC, and MIPS PIC requires -mabicalls).
ARCH_CFLAGS   := -march=mips32r2 -mtune=24kc -mabicalls -mplt -fno-pie
ARCH_LDFLAGS  := -no-pie
USE_MUSL      := 1
QEMU          := qemu-mips-static -cpu 24Kc
OBJDUMP       := mips-linux-gnu-objdump
DEB_PACKAGES  := gcc-mips-linux-gnu binutils-mips-linux-gnu qemu-user-static make patch file bzip2 xz-utils
# OpenWrt package architecture for make ipk: ath79
IPK_ARCH      := mips_24kc
