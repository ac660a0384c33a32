/*
 * keys.c - the installation key behind every keyed value (bot/keyed.h), and
 * the look-up that turns a Message-ID back into the address it was sent to.
 */
#include <stdlib.h>
#include <string.h>

#include "state/db_internal.h"

#define KEY_NAME "install.key"
/* outbox rows up to this id were queued before the key existed: their ids prove nothing */
#define KEY_FIRST_ROW "install.key_first_outbox_id"

static int
key_read(struct db *db, unsigned char *key, size_t len)
{
	char *hex = NULL;
	int rc = state_kv_get(db, KEY_NAME, &hex);
	if (rc != DB_OK)
		return rc;
	if (strlen(hex) != 2 * len)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < len; i++) {
		int a = hex_value(hex[2 * i]), b = hex_value(hex[2 * i + 1]);
		if (a < 0 || b < 0)
			rc = DB_ERR;
		else
			key[i] = (unsigned char)(a << 4 | b);
	}
	memset(hex, 0, strlen(hex));
	free(hex);
	if (rc == DB_ERR)
		log_err("database: the installation key is damaged");
	return rc;
}

int
state_install_key(struct db *db, unsigned char *key, size_t len)
{
	int rc = key_read(db, key, len);
	if (rc != DB_NOTFOUND)
		return rc;
	/* first start: make one, unless another process just did */
	if (db_begin(db) < 0)
		return DB_ERR;
	rc = key_read(db, key, len);
	if (rc == DB_NOTFOUND) {
		static const char hx[] = "0123456789abcdef";
		char *hex = xmalloc(2 * len + 1);
		random_bytes(key, len);
		for (size_t i = 0; i < len; i++) {
			hex[2 * i] = hx[key[i] >> 4];
			hex[2 * i + 1] = hx[key[i] & 15];
		}
		hex[2 * len] = '\0';
		rc = state_kv_set(db, KEY_NAME, hex);
		memset(hex, 0, 2 * len);
		free(hex);
		if (rc == DB_OK) {
			static const char sql[] = "SELECT coalesce(max(id), 0) FROM outbox";
			sqlite3_stmt *st = db_stmt(db, sql);
			char first[24] = "0";
			if (st && sqlite3_step(st) == SQLITE_ROW)
				snprintf(first, sizeof first, "%lld", (long long)sqlite3_column_int64(st, 0));
			if (st)
				sqlite3_reset(st);
			rc = state_kv_set(db, KEY_FIRST_ROW, first);
		}
		if (rc == DB_OK)
			log_info("created the installation key");
	}
	if (rc != DB_OK || db_commit(db) < 0) {
		db_rollback(db);
		return DB_ERR;
	}
	return DB_OK;
}

int
state_outbox_mail_rcpt(struct db *db, const char *msgid, char **rcpt)
{
	static const char sql[] =
		"SELECT rcpt FROM outbox WHERE message_id = ?1 AND transport = 'mail'"
		" AND id > coalesce((SELECT CAST(value AS INTEGER) FROM kv WHERE key = '" KEY_FIRST_ROW "'), 0)";
	*rcpt = NULL;
	if (!msgid || !*msgid)
		return DB_NOTFOUND;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, msgid);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*rcpt = db_col_text(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return *rcpt ? DB_OK : DB_NOTFOUND;
	return rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERR;
}
