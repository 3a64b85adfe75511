/*
 * fifo.h - an intrusive FIFO: a singly linked list with head and tail
 * pointers, whose elements carry their own link member (BSD
 * <sys/queue.h> STAILQ, reduced to what mxprobe uses).  The waiting
 * lines of the session and the scheduler share it: sessions waiting for
 * a TLS context (sess.c), domains waiting for a session slot and each
 * domain's queue of addresses (engine.c).  Nothing allocates; an element
 * is in at most one FIFO per link member.
 *
 *	FIFO(struct item) q;		a field or variable, empty when zeroed
 *	FIFO_PUSH(&q, it, next);	append
 *	FIFO_UNSHIFT(&q, it, next);	prepend
 *	FIFO_SHIFT(&q, next);		drop the head (the queue is not empty)
 *	FIFO_UNLINK(&q, prev, it, next);	remove it, whose predecessor is
 *					prev (NULL when it is the head)
 */
#ifndef MXP_FIFO_H
#define MXP_FIFO_H

#include <stddef.h>

#define FIFO(type)	struct { type *head, *tail; }

#define FIFO_EMPTY(q)	((q)->head == NULL)

#define FIFO_PUSH(q, e, link) do {					\
	(e)->link = NULL;						\
	if ((q)->tail != NULL) {					\
		(q)->tail->link = (e);					\
	} else {							\
		(q)->head = (e);					\
	}								\
	(q)->tail = (e);						\
} while (0)

#define FIFO_UNSHIFT(q, e, link) do {					\
	(e)->link = (q)->head;						\
	(q)->head = (e);						\
	if ((q)->tail == NULL) {					\
		(q)->tail = (e);					\
	}								\
} while (0)

#define FIFO_SHIFT(q, link) do {					\
	(q)->head = (q)->head->link;					\
	if ((q)->head == NULL) {					\
		(q)->tail = NULL;					\
	}								\
} while (0)

#define FIFO_UNLINK(q, prev, e, link) do {				\
	if ((prev) != NULL) {						\
		(prev)->link = (e)->link;				\
	} else {							\
		(q)->head = (e)->link;					\
	}								\
	if ((q)->tail == (e)) {						\
		(q)->tail = (prev);					\
	}								\
	(e)->link = NULL;						\
} while (0)

#endif
