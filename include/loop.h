/*
 * loop.h - the one event loop: poll() over a fixed table of descriptors,
 * a binary min-heap of timers, and signals seen through a self-pipe.
 *
 * There is one loop per process (module state, no handle).  Everything
 * is sized by loop_init() at start-up; after that nothing allocates.
 * Callbacks run from loop_once(); they may add, change and remove
 * descriptors and timers, their own included.
 *
 * Time is milliseconds on the monotonic clock, read once per iteration:
 * loop_now() is what every deadline is computed from.
 */
#ifndef MXP_LOOP_H
#define MXP_LOOP_H

#include <stddef.h>
#include <stdint.h>

typedef void loop_io_fn(void *arg, int revents);
typedef void loop_timer_fn(void *arg);

/*
 * A timer lives inside its owner (a session, a domain); the heap only
 * points at it.  Initialise with timer_init() once; then timer_set() to
 * (re)arm at an absolute time, timer_stop() to disarm.  A timer fires
 * once per arming.
 */
struct timer {
	int64_t		 when;
	size_t		 slot;		/* heap index; TIMER_IDLE when unarmed */
	loop_timer_fn	*fn;
	void		*arg;
};
#define TIMER_IDLE	((size_t)-1)

/* nio descriptors and ntimers armed timers at most; 0 or -1 */
int	loop_init(size_t nio, size_t ntimers);

/* watch fd for events (POLLIN/POLLOUT); returns a handle, or -1 if full */
int	loop_add(int fd, short events, loop_io_fn *fn, void *arg);
void	loop_events(int h, short events);
void	loop_del(int h);

void	timer_init(struct timer *t, loop_timer_fn *fn, void *arg);
void	timer_set(struct timer *t, int64_t when);
void	timer_stop(struct timer *t);

static inline int
timer_armed(const struct timer *t)
{
	return t->slot != TIMER_IDLE;
}

/* the time of this iteration */
int64_t	loop_now(void);

/*
 * One iteration: poll (waiting no later than the earliest timer, nor
 * longer than max_wait ms if max_wait >= 0), run I/O callbacks, then the
 * timers that are due.  Returns -1 if poll() failed unexpectedly.
 */
int	loop_once(int64_t max_wait);

/*
 * Signals: from loop_sig_init() on, SIGINT, SIGTERM and SIGHUP are caught
 * and turned into readable bytes on a self-pipe; SIGPIPE is ignored.
 * main() calls it first, so that no signal falls between two handlers (one
 * sent while the pools are being set up is kept, not lost).  loop_signals()
 * also watches the pipe from the loop (a byte written before the loop
 * existed wakes its first poll); it calls loop_sig_init() if nobody did.
 * loop_signal() is the first SIGINT or SIGTERM seen (0 if none).
 */
int	loop_sig_init(void);
int	loop_signals(void);
int	loop_signal(void);

/* SIGHUPs received so far (caught too; they never stop the loop) */
unsigned loop_hups(void);

#endif
