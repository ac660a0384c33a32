/*
 * social_text.h - the text of a social post, built from untrusted pieces (an event's title
 * and place come from staff mail): grapheme counting, shortening at a word boundary with
 * "…" while the link and the hashtags are kept, and the facets (UTF-8 byte ranges) of the
 * link and of each hashtag, as Bluesky's app.bsky.richtext.facet wants them.  Pure: no
 * database, no network; unit-tested (tests/unit/test_social_text.c) and fuzzed
 * (tests/fuzz/fuzz_social_text.c).  Also the record key of a post (a TID).
 */
#ifndef MB_SOCIAL_TEXT_H
#define MB_SOCIAL_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define SOCIAL_MAX_TAGS 8
#define SOCIAL_TAG_MAX_BYTES 64

enum social_facet_kind { SOCIAL_FACET_LINK, SOCIAL_FACET_TAG };

struct social_facet {
	enum social_facet_kind kind;
	size_t start, end; /* UTF-8 byte offsets into text: [start, end) */
	char *value;       /* the URI, or the tag without '#' */
};

struct social_text {
	char *text; /* valid UTF-8, no control characters but '\n' */
	size_t len; /* strlen(text) */
	struct social_facet facets[1 + SOCIAL_MAX_TAGS];
	size_t nfacets;
	int shortened; /* the body was cut */
};

/* Grapheme clusters in s[0..len) (valid UTF-8 assumed; an invalid byte counts as one):
 * combining marks, variation selectors, emoji modifiers, tags and ZWJ sequences of
 * pictographs join the cluster before them; a pair of regional indicators is one flag;
 * CR LF is one. */
size_t social_graphemes(const char *s, size_t len);

/* s as valid UTF-8 without control characters: invalid bytes become U+FFFD, controls (but
 * '\n' when keep_nl) a space.  Caller frees. */
char *social_clean(const char *s, size_t len, int keep_nl);

/*
 * Build the post: body, then a blank line, link (if any), then the hashtags (tags: words
 * without '#', at most SOCIAL_MAX_TAGS; unusable ones are skipped).  The whole stays within
 * max_graphemes and max_bytes: the body is shortened first (at a word boundary, "…"
 * appended), then the tags are dropped; the link is never cut (one longer than the limits
 * is left out).  0, or -1 when nothing fits.  Free with social_text_free.
 */
int social_text_build(const char *body, const char *link, const char *const *tags, size_t ntags, size_t max_graphemes,
		      size_t max_bytes, struct social_text *out);
void social_text_free(struct social_text *t);

/* X's weighted length of s[0..len) (twitter-text v3, scale 100): a code point in 0-4351,
 * 8192-8205, 8208-8223 or 8242-8247 weighs 100, any other 200; an emoji sequence (a
 * grapheme cluster starting with a pictograph or a flag) 200; each http:// or https:// URL
 * (up to the next space) 2300.  X's limit is 28000 (280 characters). */
size_t social_x_weight(const char *s, size_t len);

/* social_text_build within a limit in another measure: build with limit graphemes, then as
 * long as measure(text, ctx) is over limit, build again with fewer (in proportion).  0, or -1
 * when nothing fits. */
int social_text_fit(const char *body, const char *link, const char *const *tags, size_t ntags, size_t limit,
		    size_t max_bytes, size_t (*measure)(const struct social_text *t, void *ctx), void *ctx,
		    struct social_text *out);

/* A record key in TID form (13 characters of base32-sortable, the first one of 2-7a-j):
 * micros since the epoch (53 bits) and a 10-bit clock id.  out holds 14 bytes. */
void social_tid(int64_t micros, unsigned clock_id, char out[14]);
/* A TID for an item on a channel at queue time us: the clock id from a hash of the two, so
 * that two channels or items queued in the same microsecond still differ. */
void social_rkey(const char *channel, const char *item, int64_t us, char out[14]);
/* Is s a TID?  1 or 0. */
int social_is_tid(const char *s);

#endif
