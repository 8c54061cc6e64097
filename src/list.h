/*
 * list.h - intrusive doubly linked lists (single-threaded use only).
 *
 * A list head is an element of itself when empty. Deleting an element
 * re-initialises it, so a second delete is a harmless no-op, the way
 * HAProxy's LIST_DEL_INIT() behaves.
 */
#ifndef MUXLAB_LIST_H
#define MUXLAB_LIST_H

#include "compiler.h"

struct list {
	struct list *n;	/* next */
	struct list *p;	/* previous */
};

#define LIST_HEAD_INIT(l) { &(l), &(l) }

static inline void list_init(struct list *l)
{
	l->n = l->p = l;
}

static inline int list_isempty(const struct list *l)
{
	return l->n == l;
}

/* insert <e> at the tail of <head> */
static inline void list_append(struct list *head, struct list *e)
{
	e->p = head->p;
	e->n = head;
	head->p->n = e;
	head->p = e;
}

/* insert <e> at the front of <head> */
static inline void list_insert(struct list *head, struct list *e)
{
	e->n = head->n;
	e->p = head;
	head->n->p = e;
	head->n = e;
}

static inline void list_delete(struct list *e)
{
	e->n->p = e->p;
	e->p->n = e->n;
	list_init(e);
}

/* is <e> currently linked into some list? (only valid for elements that
 * are always deleted with list_delete() and were list_init()ed) */
static inline int list_inlist(const struct list *e)
{
	return e->n != e;
}

#define list_elem(ptr, type, member) container_of(ptr, type, member)

#define list_for_each_safe(pos, tmp, head)				\
	for (pos = (head)->n, tmp = pos->n; pos != (head);		\
	     pos = tmp, tmp = pos->n)

#endif /* MUXLAB_LIST_H */
