/*
 * punycode.c - RFC 3492 Punycode encoder for one label.
 *
 * Used by addr.c to turn a U-label into the part of an A-label that
 * follows "xn--" (RFC 5890 2.3.2.1).  Only encoding is needed: mxprobe
 * never shows decoded names.  The caller lower-cases ASCII letters first;
 * basic code points are copied as given (RFC 3492 5: no case annotation
 * is produced, so RFC 3492 7.1 samples with upper-case flags come out in
 * lower case).
 *
 * Invariants: no allocation, no global state; every write is bounded by
 * cap and every arithmetic step is checked for overflow (RFC 3492 6.4),
 * using uint32_t as RFC 3492 7.3 suggests.
 */
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* RFC 3492 5: parameter values for Punycode */
#define PUNY_BASE		36u
#define PUNY_TMIN		1u
#define PUNY_TMAX		26u
#define PUNY_SKEW		38u
#define PUNY_DAMP		700u
#define PUNY_INITIAL_BIAS	72u
#define PUNY_INITIAL_N		0x80u
#define PUNY_MAXINT		UINT32_MAX

/* RFC 3492 5: digit values 0..25 are a..z, 26..35 are 0..9 */
static char
puny_digit(uint32_t d)
{
	if (d < 26) {
		return (char)('a' + d);
	}
	return (char)('0' + (d - 26));
}

/* RFC 3492 6.1: bias adaptation function */
static uint32_t
puny_adapt(uint32_t delta, uint32_t numpoints, int firsttime)
{
	uint32_t k;

	delta = firsttime ? delta / PUNY_DAMP : delta / 2;
	delta += delta / numpoints;
	for (k = 0; delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2;
	    k += PUNY_BASE) {
		delta /= PUNY_BASE - PUNY_TMIN;
	}
	return k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + PUNY_SKEW);
}

/* see addr.h */
int
punycode_encode(const uint32_t *cp, size_t n, char *out, size_t cap)
{
	uint32_t	 nn, delta, bias, h, b, m, q, k, t;
	size_t		 i, olen;

	/* h and b count code points in a uint32_t; RFC 3492 6.4 */
	if (n > PUNY_MAXINT || cap > (size_t)INT32_MAX) {
		return -1;
	}

	/* RFC 3492 6.3: copy the basic code points first */
	olen = 0;
	for (i = 0; i < n; i++) {
		if (cp[i] > 0x10FFFF) {
			return -1;
		}
		if (cp[i] < 0x80) {
			if (olen >= cap) {
				return -1;
			}
			out[olen++] = (char)cp[i];
		}
	}
	h = b = (uint32_t)olen;
	if (b > 0) {
		if (olen >= cap) {
			return -1;
		}
		out[olen++] = '-';
	}

	nn = PUNY_INITIAL_N;
	delta = 0;
	bias = PUNY_INITIAL_BIAS;
	while (h < n) {
		/* the smallest code point >= nn still to be handled */
		m = PUNY_MAXINT;
		for (i = 0; i < n; i++) {
			if (cp[i] >= nn && cp[i] < m) {
				m = cp[i];
			}
		}
		if (m - nn > (PUNY_MAXINT - delta) / (h + 1)) {
			return -1;
		}
		delta += (m - nn) * (h + 1);
		nn = m;

		for (i = 0; i < n; i++) {
			if (cp[i] < nn) {
				if (++delta == 0) {
					return -1;
				}
			}
			if (cp[i] != nn) {
				continue;
			}
			/* RFC 3492 6.3: delta as a variable-length integer */
			q = delta;
			for (k = PUNY_BASE;; k += PUNY_BASE) {
				if (k <= bias) {
					t = PUNY_TMIN;
				} else if (k >= bias + PUNY_TMAX) {
					t = PUNY_TMAX;
				} else {
					t = k - bias;
				}
				if (q < t) {
					break;
				}
				if (olen >= cap) {
					return -1;
				}
				out[olen++] = puny_digit(t + (q - t) %
				    (PUNY_BASE - t));
				q = (q - t) / (PUNY_BASE - t);
			}
			if (olen >= cap) {
				return -1;
			}
			out[olen++] = puny_digit(q);
			bias = puny_adapt(delta, h + 1, h == b);
			delta = 0;
			h++;
		}
		if (delta == PUNY_MAXINT) {
			return -1;
		}
		delta++;
		nn++;
	}
	return (int)olen;
}
