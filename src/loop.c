/*
 * loop.c - poll() loop, timer min-heap, self-pipe signals; see loop.h.
 *
 * Invariants:
 *  - pfd[h].fd < 0 for every free handle, so poll() skips it;
 *  - heap[0..nheap) is a binary min-heap on when, and for every armed
 *    timer t, heap[t->slot] == t;
 *  - a handle removed or re-added during dispatch has its revents
 *    cleared, so no callback sees events meant for an earlier owner.
 * Costs: timer_set/timer_stop O(log n); one poll() per iteration over
 * the descriptor table (sized by --concurrency, so a linear scan is the
 * right tool: no epoll, which routers' old kernels and this portability
 * goal do not need).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "util.h"

struct io {
	loop_io_fn	*fn;
	void		*arg;
};

static struct pollfd	*pfd;
static struct io	*ios;
static size_t		 nio_cap, nio_hi;	/* capacity, highest used + 1 */
static struct timer	**heap;
static size_t		 nheap, heap_cap;
static int64_t		 now;

static int			 sigpipe_fd[2] = { -1, -1 };
static volatile sig_atomic_t	 first_signal;
static volatile sig_atomic_t	 hups;

/* see loop.h */
int
loop_init(size_t nio, size_t ntimers)
{
	size_t	 i;

	pfd = calloc(nio, sizeof(*pfd));
	ios = calloc(nio, sizeof(*ios));
	heap = calloc(ntimers, sizeof(*heap));
	if (pfd == NULL || ios == NULL || heap == NULL) {
		return -1;
	}
	for (i = 0; i < nio; i++) {
		pfd[i].fd = -1;
	}
	nio_cap = nio;
	heap_cap = ntimers;
	now = now_ms();
	return 0;
}

/* see loop.h */
int
loop_add(int fd, short events, loop_io_fn *fn, void *arg)
{
	size_t	 h;

	for (h = 0; h < nio_cap; h++) {
		if (pfd[h].fd < 0) {
			pfd[h].fd = fd;
			pfd[h].events = events;
			pfd[h].revents = 0;
			ios[h].fn = fn;
			ios[h].arg = arg;
			if (h >= nio_hi) {
				nio_hi = h + 1;
			}
			return (int)h;
		}
	}
	return -1;
}

/* see loop.h */
void
loop_events(int h, short events)
{
	MXP_ASSERT(h >= 0 && (size_t)h < nio_cap && pfd[h].fd >= 0);
	pfd[h].events = events;
}

/* see loop.h */
void
loop_del(int h)
{
	MXP_ASSERT(h >= 0 && (size_t)h < nio_cap);
	pfd[h].fd = -1;
	pfd[h].events = 0;
	pfd[h].revents = 0;
	while (nio_hi > 0 && pfd[nio_hi - 1].fd < 0) {
		nio_hi--;
	}
}

static void
heap_place(size_t i, struct timer *t)
{
	heap[i] = t;
	t->slot = i;
}

static void
sift_up(size_t i)
{
	struct timer	*t = heap[i];
	size_t		 p;

	while (i > 0) {
		p = (i - 1) / 2;
		if (heap[p]->when <= t->when) {
			break;
		}
		heap_place(i, heap[p]);
		i = p;
	}
	heap_place(i, t);
}

static void
sift_down(size_t i)
{
	struct timer	*t = heap[i];
	size_t		 c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= nheap) {
			break;
		}
		if (c + 1 < nheap && heap[c + 1]->when < heap[c]->when) {
			c++;
		}
		if (t->when <= heap[c]->when) {
			break;
		}
		heap_place(i, heap[c]);
		i = c;
	}
	heap_place(i, t);
}

/* see loop.h */
void
timer_init(struct timer *t, loop_timer_fn *fn, void *arg)
{
	t->when = 0;
	t->slot = TIMER_IDLE;
	t->fn = fn;
	t->arg = arg;
}

/* see loop.h */
void
timer_set(struct timer *t, int64_t when)
{
	int64_t	 old = t->when;

	t->when = when;
	if (t->slot == TIMER_IDLE) {
		/* the pools bound the timers: a full heap is a bug */
		MXP_ASSERT(nheap < heap_cap);
		heap[nheap] = t;
		t->slot = nheap++;
		sift_up(t->slot);
	} else if (when < old) {
		sift_up(t->slot);
	} else {
		sift_down(t->slot);
	}
}

/* see loop.h */
void
timer_stop(struct timer *t)
{
	size_t	 i = t->slot;

	if (i == TIMER_IDLE) {
		return;
	}
	MXP_ASSERT(i < nheap && heap[i] == t);
	t->slot = TIMER_IDLE;
	nheap--;
	if (i == nheap) {
		return;
	}
	heap_place(i, heap[nheap]);
	if (i > 0 && heap[i]->when < heap[(i - 1) / 2]->when) {
		sift_up(i);
	} else {
		sift_down(i);
	}
}

/* see loop.h */
int64_t
loop_now(void)
{
	return now;
}

/* see loop.h */
int
loop_once(int64_t max_wait)
{
	int64_t		 wait = max_wait;
	struct timer	*t;
	size_t		 h, n;
	int		 r, ev;

	if (nheap > 0) {
		int64_t until = heap[0]->when - now;

		if (until < 0) {
			until = 0;
		}
		if (wait < 0 || until < wait) {
			wait = until;
		}
	}
	if (wait > 3600 * 1000) {
		wait = 3600 * 1000;
	}
	n = nio_hi;
	r = poll(pfd, (nfds_t)n, (int)wait);
	now = now_ms();
	if (r < 0) {
		if (errno != EINTR) {
			return -1;
		}
		r = 0;
	}
	for (h = 0; r > 0 && h < n; h++) {
		ev = pfd[h].revents;
		if (ev == 0 || pfd[h].fd < 0) {
			continue;
		}
		pfd[h].revents = 0;
		r--;
		ios[h].fn(ios[h].arg, ev);
	}
	while (nheap > 0 && heap[0]->when <= now) {
		t = heap[0];
		timer_stop(t);
		t->fn(t->arg);
	}
	return 0;
}

static void
on_signal(int sig)
{
	unsigned char	 c = (unsigned char)sig;
	int		 saved = errno;

	if (sig == SIGHUP) {
		hups++;
	} else if (first_signal == 0) {
		first_signal = sig;
	}
	(void)write(sigpipe_fd[1], &c, 1);
	errno = saved;
}

static void
drain_sigpipe(void *arg, int revents)
{
	unsigned char	 buf[64];

	(void)arg;
	(void)revents;
	while (read(sigpipe_fd[0], buf, sizeof(buf)) > 0) {
		continue;
	}
}

/* see loop.h */
int
loop_sig_init(void)
{
	struct sigaction sa;
	sigset_t	 set;
	int		 i;

	if (sigpipe_fd[0] >= 0) {
		return 0;
	}
	if (pipe(sigpipe_fd) != 0) {
		return -1;
	}
	for (i = 0; i < 2; i++) {
		fcntl(sigpipe_fd[i], F_SETFL, O_NONBLOCK);
		fcntl(sigpipe_fd[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/*
	 * A parent may have left them blocked (the mask survives exec): a
	 * SIGTERM would then wait forever, or arrive pending at once.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return 0;
}

/* see loop.h */
int
loop_signals(void)
{
	if (loop_sig_init() != 0) {
		return -1;
	}
	return loop_add(sigpipe_fd[0], POLLIN, drain_sigpipe, NULL) < 0 ? -1 : 0;
}

/* see loop.h */
int
loop_signal(void)
{
	return first_signal;
}

/* see loop.h */
unsigned
loop_hups(void)
{
	return (unsigned)hups;
}
