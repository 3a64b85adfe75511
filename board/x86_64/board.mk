# board/x86_64/board.mk: x86_64 Linux, static musl (the default TARGET).
# Native build with the host gcc. MUSL_TARGET stays EMPTY: musl's configure
# with --target=x86_64-linux-musl on an x86_64 host sets
# CROSS_COMPILE=x86_64-linux-musl-, silently picks Debian's musl-tools
# wrapper (musl 1.2.3) and then fails on x86_64-linux-musl-ar.
# OpenWrt: x86/64. Runs natively, no qemu.
CROSS_COMPILE :=
MUSL_TARGET   :=
ARCH_CFLAGS   :=
ARCH_LDFLAGS  :=
USE_MUSL      := 1
QEMU          :=
OBJDUMP       := objdump
DEB_PACKAGES  := gcc binutils make patch file bzip2 xz-utils
# OpenWrt package architecture (opkg print-architecture) for make ipk
IPK_ARCH      := x86_64
