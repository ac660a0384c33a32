/*
 * mime_int.h - what the mail readers share and nobody else needs:
 * mime_header.c (the header block, addresses, ids, automatic-mail
 * classification), mime_scan.c (the caps checked before libetpan) and
 * mime.c (the MIME body walk and the public entry points).
 */
#ifndef MB_MIME_INT_H
#define MB_MIME_INT_H

#include "mime.h"

#include <stddef.h>

/* ---- mime_header.c ---- */

/* One header field of a raw block: pointers into the mail, not owned. */
struct mime_hfield {
	const char *name;
	size_t nlen;
	const char *val; /* raw value, folding included */
	size_t vlen;
};

/* Index just past the line end at or after pos (len at the end). */
size_t mime_line_end(const char *p, size_t len, size_t pos);
/* Read the next header field of the block starting at *pos.  Returns 1 and
 * fills f (f->name NULL for a line that is no field), or 0 at the end of the
 * block (*pos then points past the blank line). */
int mime_hdr_next(const char *p, size_t len, size_t *pos, struct mime_hfield *f);
/* Is f the field name (case-insensitive)? */
int mime_hname_is(const struct mime_hfield *f, const char *name);
/* Unfolded, trimmed copy of a raw header value (bytes as they are).  Allocated. */
char *mime_hval_dup(const char *v, size_t n);
/* Valid UTF-8 copy of s, ASCII lower-cased.  Allocated. */
char *mime_lower_dup(const char *s);
/* An address when libetpan cannot parse one: <x@y> or a bare x@y, lower-cased;
 * NULL if none.  Allocated. */
char *mime_addr_fallback(const char *v);

/* What the header block tells the body walk. */
struct mime_hdr_state {
	char *content_type; /* raw unfolded root Content-Type */
	int got_any;
};

/* Fill m from the header block at raw[0..len); returns the body offset.
 * hs->content_type is allocated; the caller frees it. */
size_t mime_header_block(const char *raw, size_t len, struct parsed_mail *m, struct mime_hdr_state *hs);

/* ---- mime_scan.c ---- */

/* Count the tree libetpan would build for p[0..len) (exactly what is passed
 * to mailmime_parse).  Returns 0, or -1 with *why set (allocated).
 * *nparts gets the number of nodes seen. */
int mime_prescan(const char *p, size_t len, const struct mail_caps *caps, int *nparts, char **why);
/* Does p[0..len) nest RFC 5322 comments deeper than libetpan can safely
 * recurse?  1 if so. */
int mime_paren_bomb(const char *p, size_t len);

#endif
