/*
 * h_social.c - where an item was posted on the social channels, for staff (see h_social.h).
 */
#include "handlers/h_social.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/util.h"
#include "handlers/handlers.h"
#include "state/social.h"

static void
add_line(struct buf *b, char *line)
{
	buf_adds(b, line);
	buf_addc(b, '\n');
	free(line);
}

char *
h_social_status(struct hctx *h, const char *kind, int64_t id)
{
	struct social_post *v = NULL;
	struct social_change *c = NULL;
	size_t n = 0, nc = 0;
	struct buf b = BUF_INIT;
	if (state_social_of_item(h->db, kind, id, &v, &n) != DB_OK ||
	    state_social_changes_of_item(h->db, kind, id, &c, &nc) != DB_OK)
		n = nc = 0;
	for (size_t i = 0; i < n; i++) {
		const char *st = v[i].status, *url = v[i].url ? v[i].url : "?";
		if (strcmp(st, "posted") == 0)
			add_line(&b, hctx_text(h, "social.status.posted", "channel", v[i].channel, "url", url, NULL));
		else if (strcmp(st, "deleted") == 0)
			add_line(&b, hctx_text(h, "social.status.deleted", "channel", v[i].channel, "url", url, NULL));
		else if (strcmp(st, "failed") == 0)
			add_line(&b, hctx_text(h, "social.status.failed", "channel", v[i].channel, "error",
					       v[i].error ? v[i].error : "?", NULL));
		else
			add_line(&b, hctx_text(h, "social.status.queued", "channel", v[i].channel, NULL));
		for (size_t k = 0; k < nc; k++) {
			if (c[k].post_id != v[i].id ||
			    (strcmp(c[k].op, "edit") != 0 && strcmp(c[k].status, "failed") != 0))
				continue; /* a delete shows as the post's status, or below while queued */
			const char *cs = c[k].status;
			if (strcmp(cs, "done") == 0)
				add_line(&b, hctx_text(h, "social.status.changed", "channel", c[k].channel, "url",
						       c[k].url ? c[k].url : url, NULL));
			else if (strcmp(cs, "failed") == 0)
				add_line(&b, hctx_text(h, "social.status.change_failed", "channel", c[k].channel,
						       "error", c[k].error ? c[k].error : "?", NULL));
			else if (strcmp(cs, "queued") == 0)
				add_line(&b,
					 hctx_text(h, "social.status.change_queued", "channel", c[k].channel, NULL));
		}
		for (size_t k = 0; k < nc; k++)
			if (c[k].post_id == v[i].id && strcmp(c[k].op, "delete") == 0 &&
			    strcmp(c[k].status, "queued") == 0)
				add_line(&b,
					 hctx_text(h, "social.status.delete_queued", "channel", c[k].channel, NULL));
	}
	social_posts_free(v, n);
	social_changes_free(c, nc);
	return buf_detach(&b);
}
