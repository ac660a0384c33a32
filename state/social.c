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
social_post_clear(struct social_post *p)
{
	free(p->channel);
	free(p->item_kind);
	free(p->rkey);
	free(p->uri);
	free(p->cid);
	free(p->url);
	free(p->status);
	free(p->error);
	memset(p, 0, sizeof *p);
}

void
social_posts_free(struct social_post *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		social_post_clear(&v[i]);
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

/* ---- changes ---- */

#define CH_COLS                                                                                                        \
	"c.id, c.post_id, coalesce(c.outbox_id, 0), p.channel, p.item_kind, p.item_id, c.op, c.n, c.rkey, c.status,"   \
	" c.uri, c.url, c.error, c.created, coalesce(c.done_at, 0)"
#define CH_FROM " FROM social_change c JOIN social_post p ON p.id = c.post_id"

static void
change_row(sqlite3_stmt *st, void *out)
{
	struct social_change *c = out;
	c->id = sqlite3_column_int64(st, 0);
	c->post_id = sqlite3_column_int64(st, 1);
	c->outbox_id = sqlite3_column_int64(st, 2);
	c->channel = db_col_text(st, 3);
	c->item_kind = db_col_text(st, 4);
	c->item_id = sqlite3_column_int64(st, 5);
	c->op = db_col_text(st, 6);
	c->n = sqlite3_column_int(st, 7);
	c->rkey = db_col_text(st, 8);
	c->status = db_col_text(st, 9);
	c->uri = db_col_text(st, 10);
	c->url = db_col_text(st, 11);
	c->error = db_col_text(st, 12);
	c->created = sqlite3_column_int64(st, 13);
	c->done_at = sqlite3_column_int64(st, 14);
}

void
social_change_clear(struct social_change *c)
{
	free(c->channel);
	free(c->item_kind);
	free(c->op);
	free(c->rkey);
	free(c->status);
	free(c->uri);
	free(c->url);
	free(c->error);
	memset(c, 0, sizeof *c);
}

void
social_changes_free(struct social_change *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		social_change_clear(&v[i]);
	free(v);
}

char *
social_change_message_id(const char *channel, const char *item_kind, int64_t item_id, const char *op, int n)
{
	return xasprintf("social.%s.%s.%lld.%s.%d@mentorbot", channel, item_kind, (long long)item_id, op, n);
}

int
state_social_change_queue(struct db *db, const char *channel, const char *item_kind, int64_t item_id, const char *op,
			  const char *rkey, const char *payload)
{
	sqlite3_stmt *st =
		db_stmt(db, "SELECT p.id, (SELECT coalesce(max(n), 0) FROM social_change WHERE post_id = p.id),"
			    " (SELECT count(*) FROM social_change WHERE post_id = p.id AND op = 'delete')"
			    " FROM social_post p WHERE channel = ? AND item_kind = ? AND item_id = ?"
			    " AND status IN ('queued', 'posted')");
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, channel);
	BIND_TEXT(st, 2, item_kind);
	sqlite3_bind_int64(st, 3, item_id);
	int r = sqlite3_step(st);
	int64_t post = 0;
	int n = 0, deletes = 0;
	if (r == SQLITE_ROW) {
		post = sqlite3_column_int64(st, 0);
		n = sqlite3_column_int(st, 1) + 1;
		deletes = sqlite3_column_int(st, 2);
	}
	int rc = db_row_status(st, r);
	if (rc != DB_OK)
		return rc;
	if (deletes)
		return DB_NOTFOUND;
	if (!(st = db_stmt(db, "INSERT INTO social_change(post_id, op, n, rkey, created) VALUES (?, ?, ?, ?, ?)")))
		return DB_ERR;
	sqlite3_bind_int64(st, 1, post);
	BIND_TEXT(st, 2, op);
	sqlite3_bind_int(st, 3, n);
	BIND_TEXT(st, 4, rkey);
	sqlite3_bind_int64(st, 5, now_s());
	if ((rc = db_step_done(db, st)) != DB_OK)
		return rc;
	int64_t row = sqlite3_last_insert_rowid(db->h);
	char *mid = social_change_message_id(channel, item_kind, item_id, op, n);
	char *rcpt = xasprintf("%s:%lld", item_kind, (long long)item_id);
	rc = state_outbox_put_chat(db, 0, channel, "social_change", rcpt, NULL, mid, payload, 0);
	free(rcpt);
	free(mid);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERR : rc;
	if (!(st = db_stmt(db, "UPDATE social_change SET outbox_id = ? WHERE id = ?")))
		return DB_ERR;
	sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(db->h));
	sqlite3_bind_int64(st, 2, row);
	if ((rc = db_step_done(db, st)) != DB_OK)
		return rc;
	if (!(st = db_stmt(db, "UPDATE social_post SET changed = ? WHERE id = ?")))
		return DB_ERR;
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, post);
	return db_step_done(db, st);
}

int
state_social_change_by_outbox(struct db *db, int64_t outbox_id, struct social_change *c, struct social_post *p)
{
	memset(c, 0, sizeof *c);
	memset(p, 0, sizeof *p);
	int rc =
		DB_ROW(db_stmt_int64(db, "SELECT " CH_COLS CH_FROM " WHERE c.outbox_id = ?", outbox_id), change_row, c);
	if (rc != DB_OK)
		return rc;
	return DB_ROW(db_stmt_int64(db, "SELECT " COLS " FROM social_post WHERE id = ?", c->post_id), post_row, p);
}

int
state_social_change_done(struct db *db, int64_t outbox_id, const char *status, const char *uri, const char *url,
			 const char *err)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE social_change SET status = ?, uri = ?, url = ?, error = ?, done_at = ?"
				       " WHERE outbox_id = ?");
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, status);
	BIND_TEXT(st, 2, uri);
	BIND_TEXT(st, 3, url);
	BIND_TEXT(st, 4, err);
	sqlite3_bind_int64(st, 5, now_s());
	sqlite3_bind_int64(st, 6, outbox_id);
	int rc = db_step_done(db, st);
	if (rc != DB_OK || strcmp(status, "done") != 0)
		return rc;
	if (!(st = db_stmt_int64(db,
				 "UPDATE social_post SET status = 'deleted' WHERE id ="
				 " (SELECT post_id FROM social_change WHERE outbox_id = ? AND op = 'delete')",
				 outbox_id)))
		return DB_ERR;
	return db_step_done(db, st);
}

int
state_social_changes_of_item(struct db *db, const char *item_kind, int64_t item_id, struct social_change **out,
			     size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = db_stmt(db, "SELECT " CH_COLS CH_FROM " WHERE p.item_kind = ? AND p.item_id = ?"
				       " ORDER BY p.channel, c.n");
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, item_kind);
	sqlite3_bind_int64(st, 2, item_id);
	return DB_ROWS(st, change_row, out, n);
}

int
state_social_change_failures(struct db *db, struct social_change **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return DB_ROWS(db_stmt(db, "SELECT " CH_COLS CH_FROM " WHERE c.status = 'failed' ORDER BY c.id DESC"),
		       change_row, out, n);
}
