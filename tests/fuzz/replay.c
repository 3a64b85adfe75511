/*
 * replay.c - runs a libFuzzer target over files, without libFuzzer: the
 * committed corpus and past crashes are replayed by every "make test",
 * under ASan/UBSan, with the plain host compiler.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	static uint8_t	 buf[1 << 20];
	FILE		*f;
	size_t		 n;
	int		 i, done = 0;

	for (i = 1; i < argc; i++) {
		f = fopen(argv[i], "rb");
		if (f == NULL) {
			continue;	/* an unmatched glob */
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		done++;
	}
	printf("replayed %d inputs\n", done);
	return 0;
}
