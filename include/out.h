/*
 * out.h - result writers: text (TAB-separated), JSON lines, CSV.
 *
 * The formats are documented in docs/formats.md and are a contract:
 * fields are only ever added, at the end.  Every result is exactly one
 * line: control bytes in any field are escaped, never written raw.
 *
 * The writer owns a fixed buffer.  out_room() says whether one more
 * result fits; out_flush() writes what is buffered.  With block = 0 it
 * writes at most what one poll() POLLOUT promises (PIPE_BUF bytes on a
 * pipe or terminal, everything on a regular file), so the event loop
 * never stalls on a slow reader; the first write error sticks in err.
 */
#ifndef MXP_OUT_H
#define MXP_OUT_H

#include <stddef.h>

#include "ring.h"

enum out_fmt {
	OUT_TEXT,
	OUT_JSON,
	OUT_CSV
};

#define OUT_LINE_MAX	8192	/* worst case: every byte of every field escaped */
#define OUT_BUF		16384

struct out {
	int		 fd;
	enum out_fmt	 fmt;
	int		 is_reg;	/* fd is a regular file */
	int		 err;		/* errno of the first failed write */
	size_t		 off;		/* start of unwritten bytes */
	size_t		 len;		/* end of buffered bytes */
	char		*buf;		/* OUT_BUF bytes */
};

int	out_init(struct out *o, int fd, enum out_fmt fmt);
void	out_free(struct out *o);

/* room for one more result? */
int	out_room(struct out *o);

/* format one result into the buffer (out_room() must be true) */
void	out_result(struct out *o, const struct result *res);

/*
 * One result line into mem[0..cap): its length, or 0 if it did not fit
 * (OUT_LINE_MAX always fits).  Used by serve's line protocol.
 */
size_t	out_format(enum out_fmt fmt, const struct result *res, char *mem,
	    size_t cap);

/*
 * Append s[0..n) to b escaped as text and CSV fields are: C0 and C1
 * controls, DEL and bytes that are not valid UTF-8 as \xHH, a backslash
 * as \\.  For anything that shows untrusted bytes (also serve's log).
 */
struct buf;
void	out_esc(struct buf *b, const char *s, size_t n);

/* write buffered bytes; 0 ok (maybe partial with block = 0), -1 error */
int	out_flush(struct out *o, int block);

/* bytes buffered */
static inline size_t
out_pending(const struct out *o)
{
	return o->len - o->off;
}

#endif
