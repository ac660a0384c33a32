/*
 * social.c - the social_post table (see social.h).
 */
#include "state/social.h"

#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define COLS                                                                                                           \
	"id, channel, item_kind, item_id, outbox_id, rkey, uri, cid, url, status, error, created,"                     \
	" coalesce(posted_at, 0)"

static void
post_row(sqlite3_stmt *st, void *out)
{
	struct social_post *p = out;
	p->id = sqlite3_column_int64(st, 0);
	p->channel = db_col_text(st, 1);
	p->item_kind = db_col_text(st, 2);
	p->item_id = sqlite3_column_int64(st, 3);
	p->outbox_id = sqlite3_column_int64(st, 4);
	p->rkey = db_col_text(st, 5);
	p->uri = db_col_text(st, 6);
	p->cid = db_col_text(st, 7);
	p->url = db_col_text(st, 8);
	p->status = db_col_text(st, 9);
	p->error = db_col_text(st, 10);
	p->created = sqlite3_column_int64(st, 11);
	p->posted_at = sqlite3_column_int64(st, 12);
}

void
social_posts_free(struct social_post *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].channel);
		free(v[i].item_kind);
		free(v[i].rkey);
		free(v[i].uri);
		free(v[i].cid);
		free(v[i].url);
		free(v[i].status);
		free(v[i].error);
	}
	free(v);
}

char *
social_message_id(const char *channel, const char *item_kind, int64_t item_id)
{
	return xasprintf("social.%s.%s.%lld@mentorbot", channel, item_kind, (long long)item_id);
}

int
state_social_queue(struct db *db, const char *channel, const char *item_kind, int64_t item_id, const char *rkey,
		   const char *payload)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO social_post(channel, item_kind, item_id, rkey, created)"
				       " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, channel);
	BIND_TEXT(st, 2, item_kind);
	sqlite3_bind_int64(st, 3, item_id);
	BIND_TEXT(st, 4, rkey);
	sqlite3_bind_int64(st, 5, now_s());
	int rc = db_step_done(db, st);
	if (rc != DB_OK)
		return rc;
	if (sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	int64_t row = sqlite3_last_insert_rowid(db->h);
	char *mid = social_message_id(channel, item_kind, item_id);
	char *rcpt = xasprintf("%s:%lld", item_kind, (long long)item_id);
	rc = state_outbox_put_chat(db, 0, channel, "social", rcpt, NULL, mid, payload, 0);
	free(rcpt);
	free(mid);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERR : rc; /* an outbox row without its social_post row */
	if (!(st = db_stmt(db, "UPDATE social_post SET outbox_id = ? WHERE id = ?")))
		return DB_ERR;
	sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(db->h));
	sqlite3_bind_int64(st, 2, row);
	return db_step_done(db, st);
}

int
state_social_by_outbox(struct db *db, int64_t outbox_id, struct social_post *out)
{
	return DB_ROW(db_stmt_int64(db, "SELECT " COLS " FROM social_post WHERE outbox_id = ?", outbox_id), post_row,
		      out);
}

int
state_social_posted(struct db *db, int64_t outbox_id, const char *uri, const char *cid, const char *url)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE social_post SET status = 'posted', uri = ?, cid = ?, url = ?,"
				       " posted_at = ?, error = NULL WHERE outbox_id = ?");
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, uri);
	BIND_TEXT(st, 2, cid);
	BIND_TEXT(st, 3, url);
	sqlite3_bind_int64(st, 4, now_s());
	sqlite3_bind_int64(st, 5, outbox_id);
	return db_step_done(db, st);
}

int
state_social_failed(struct db *db, int64_t outbox_id, const char *err)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE social_post SET status = 'failed', error = ? WHERE outbox_id = ?");
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, err);
	sqlite3_bind_int64(st, 2, outbox_id);
	return db_step_done(db, st);
}

int
state_social_of_item(struct db *db, const char *item_kind, int64_t item_id, struct social_post **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st =
		db_stmt(db, "SELECT " COLS " FROM social_post WHERE item_kind = ? AND item_id = ? ORDER BY channel");
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, item_kind);
	sqlite3_bind_int64(st, 2, item_id);
	return DB_ROWS(st, post_row, out, n);
}

int
state_social_failures(struct db *db, struct social_post **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return DB_ROWS(db_stmt(db, "SELECT " COLS " FROM social_post WHERE status = 'failed' ORDER BY id DESC"),
		       post_row, out, n);
}
