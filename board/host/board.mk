# board/host/board.mk: the build machine's own gcc and glibc, for the
# ASan/UBSan test build (make test-asan), valgrind (make TARGET=host, used
# by tests/full/valgrind.sh) and fuzzing. Never shipped.
# USE_MUSL=0: no musl and no musl-gcc; udns and mbedTLS are built with the
# host gcc (-O1 -g plus EXTRA_CFLAGS, e.g. -fsanitize=address,undefined)
# into build/host/sysroot/{lib,include}. Compile with -I$(SYSROOT)/include
# and link with -L$(SYSROOT)/lib, dynamically (ASan needs that).
CROSS_COMPILE :=
MUSL_TARGET   :=
ARCH_CFLAGS   :=
ARCH_LDFLAGS  :=
USE_MUSL      := 0
QEMU          :=
OBJDUMP       := objdump
DEB_PACKAGES  := gcc libc6-dev binutils make patch file bzip2 xz-utils
