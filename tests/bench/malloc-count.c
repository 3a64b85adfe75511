/*
 * malloc-count.c - LD_PRELOAD allocation counter for the glibc host build
 * (build/host/mxprobe).  At exit writes "MALLOCS REALLOCS" (calloc counts
 * as a malloc) to $MALLOC_COUNT_OUT, or to stderr.
 *
 *   gcc -shared -fPIC -O2 -o malloc-count.so malloc-count.c
 *   MALLOC_COUNT_OUT=n.txt LD_PRELOAD=./malloc-count.so build/host/mxprobe ...
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static unsigned long	nmalloc, nrealloc;

void *
malloc(size_t n)
{
	__atomic_add_fetch(&nmalloc, 1, __ATOMIC_RELAXED);
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	__atomic_add_fetch(&nmalloc, 1, __ATOMIC_RELAXED);
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	__atomic_add_fetch(&nrealloc, 1, __ATOMIC_RELAXED);
	return __libc_realloc(p, n);
}

__attribute__((destructor)) static void
report(void)
{
	char		 buf[64];
	const char	*f = getenv("MALLOC_COUNT_OUT");
	int		 fd = 2, len;

	len = snprintf(buf, sizeof buf, "%lu %lu\n", nmalloc, nrealloc);
	if (f != NULL && (fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		return;
	if (write(fd, buf, (size_t)len) < 0)
		return;
	if (fd != 2)
		close(fd);
}
