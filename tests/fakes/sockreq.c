/*
 * sockreq.c - a client for mxprobe serve's sockets, for tests:
 *
 *   sockreq PATH policy|lines N [TIMEOUT_S]
 *
 * Sends standard input to the Unix socket PATH, then prints what comes
 * back until N answers have arrived (a policy answer ends with an empty
 * line, a lines answer with a newline), the server closes, or TIMEOUT_S
 * (default 30) passes.  Exit 0 when N answers came, 1 otherwise.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	struct pollfd		 p[2];
	char			 buf[65536];
	int			 fd, policy, want, got = 0, in_open = 1, prev = 0;
	ssize_t			 n, i;
	time_t			 end;

	if (argc < 4 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: sockreq PATH policy|lines N [TIMEOUT]\n");
		return 64;
	}
	policy = strcmp(argv[2], "policy") == 0;
	want = atoi(argv[3]);
	end = time(NULL) + (argc > 4 ? atoi(argv[4]) : 30);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		perror(argv[1]);
		return 1;
	}
	while (got < want && time(NULL) < end) {
		p[0].fd = fd;
		p[0].events = POLLIN;
		p[1].fd = in_open ? 0 : -1;
		p[1].events = POLLIN;
		if (poll(p, 2, 200) < 0) {
			break;
		}
		if (p[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0 || send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n) {
				/* a server that hung up may still have answered */
				in_open = 0;
			}
		}
		if (p[0].revents) {
			n = read(fd, buf, sizeof(buf));
			if (n <= 0) {
				break;
			}
			/* flushed: a test may wait for the first answer */
			fwrite(buf, 1, (size_t)n, stdout);
			fflush(stdout);
			for (i = 0; i < n; i++) {
				if (buf[i] == '\n' && (!policy || prev == '\n')) {
					got++;
				}
				prev = buf[i];
			}
		}
	}
	fflush(stdout);
	close(fd);
	return got >= want ? 0 : 1;
}
