/*
 * h_social.h - what staff see about an item's social posts (h_social.c): one line per channel
 * with the post's URL (or why it is not there), and one per change (the reply's URL, the
 * deletion), for "announce <id>" and "offer <id>".
 */
#ifndef MB_H_SOCIAL_H
#define MB_H_SOCIAL_H

#include <stdint.h>

struct hctx;
/* The lines ("" when the item was never posted); caller frees. */
char *h_social_status(struct hctx *h, const char *kind, int64_t id);

#endif
