# board/mipsel/board.mk: MIPS32r2 little-endian, static musl.
# OpenWrt: ramips (mt7621 1004Kc, mt7620/mt76x8 24KEc), most 24Kc/74Kc SoCs.
# Debian's cross gcc is hard-float only (no soft-float libgcc multilib), so
# the binary is hard-float. That is fine on the FPU-less 24Kc/74Kc/1004Kc as
# long as the program never formats floats (musl's printf %f/%g/%e are the
# only FPU users): qemu runs it as a 24Kc, which has no FPU, so a float
# slipping in dies with SIGILL in the tests. Older MIPS32r1 SoCs (lantiq,
# bcm47xx class) need -march=mips32: add a board for them.
CROSS_COMPILE := mipsel-linux-gnu-
MUSL_TARGET   := mipsel-linux-musl
# -fno-pie -mplt: Debian's cross gcc makes PIE code by default, and MIPS
# PIC reaches every global and every call through the GOT ($gp, $t9).  A
# static executable needs none of that: non-PIC "abicalls with PLT" code
# (in musl, udns and mbedTLS too: the sysroot is built with these flags)
# made the stripped binary 57,896 B smaller (399,272 -> 341,376 B, -14.5 %,
# mipsel TLS=1 AUDIT=0; docs/building.md "What the bytes are").
# -mno-abicalls would go further but cannot build musl (rcrt1.c is always
# -fPIC, and MIPS PIC requires -mabicalls).
ARCH_CFLAGS   := -march=mips32r2 -mtune=24kc -mabicalls -mplt -fno-pie
ARCH_LDFLAGS  := -no-pie
USE_MUSL      := 1
QEMU          := qemu-mipsel-static -cpu 24Kc
OBJDUMP       := mipsel-linux-gnu-objdump
DEB_PACKAGES  := gcc-mipsel-linux-gnu binutils-mipsel-linux-gnu qemu-user-static make patch file bzip2 xz-utils
# OpenWrt package architecture for make ipk: ramips mt76x8/mt7620;
# mt7621 is mipsel_24kc too
IPK_ARCH      := mipsel_24kc
