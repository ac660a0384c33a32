/*
 * cli_backup.c - mentorbot backup -c FILE [--force] OUT.db: a consistent
 * copy of the live database, safe while the daemon runs.
 *
 * SQLite's online backup API copies the pages in chunks with a short pause
 * between them.  The source connection holds one read transaction for the
 * whole copy: in WAL mode a reader never blocks the daemon's writers, and
 * the copy is the snapshot of the moment the backup began (every command
 * committed before it, nothing half of one), instead of a copy that restarts
 * whenever the daemon commits.  The copy goes to a temporary file beside
 * OUT (mode 0600: it holds personal data), is switched to a self-contained
 * rollback journal, must pass PRAGMA integrity_check, and only then is
 * renamed to OUT; an existing OUT is replaced only with --force.  Nothing
 * is written to the live database.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "status.h"
#include "util.h"

#define BACKUP_CHUNK_PAGES 256 /* pages per step (1 MiB at 4 KiB pages) */
#define BACKUP_PAUSE_MS 5      /* between the steps */
#define BACKUP_BUSY_MS 60000   /* give up when the source stays locked this long */

struct backup_err {
	char msg[256];
};

static int
fail(struct backup_err *e, const char *what, sqlite3 *h)
{
	snprintf(e->msg, sizeof e->msg, "%s: %s", what, h ? sqlite3_errmsg(h) : strerror(errno));
	return -1;
}

/* The page-by-page copy of database into tmp; *pages copied.  0 or -1 (e set). */
static int
copy_pages(const char *database, const char *tmp, int *pages, struct backup_err *e)
{
	sqlite3 *src = NULL, *dst = NULL;
	int rc = -1;
	if (sqlite3_open_v2(database, &src, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(e, database, src);
		goto out;
	}
	sqlite3_busy_timeout(src, 10000);
	/* the snapshot: one read transaction over every step */
	if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
		fail(e, database, src);
		goto out;
	}
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(e, tmp, dst);
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		fail(e, tmp, dst);
		goto out;
	}
	int64_t busy_since = 0;
	int step;
	while ((step = sqlite3_backup_step(b, BACKUP_CHUNK_PAGES)) != SQLITE_DONE) {
		if (step == SQLITE_OK) {
			busy_since = 0;
			sqlite3_sleep(BACKUP_PAUSE_MS);
		} else if (step == SQLITE_BUSY || step == SQLITE_LOCKED) {
			if (!busy_since)
				busy_since = mono_ms();
			else if (mono_ms() - busy_since > BACKUP_BUSY_MS)
				break;
			sqlite3_sleep(50);
		} else {
			break;
		}
	}
	*pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE) {
		snprintf(e->msg, sizeof e->msg, "%s", sqlite3_errstr(step));
		goto out;
	}
	/* one self-contained file: no -wal beside the copy */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		fail(e, tmp, dst);
		goto out;
	}
	rc = 0;
out:
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(src);
	if (dst && sqlite3_close(dst) != SQLITE_OK && rc == 0)
		rc = fail(e, tmp, NULL);
	return rc;
}

/* PRAGMA integrity_check of path: 0 "ok", else -1 with the first finding in result. */
static int
integrity(const char *path, char *result, size_t size)
{
	sqlite3 *h = NULL;
	snprintf(result, size, "cannot open");
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return -1;
	}
	sqlite3_stmt *st = NULL;
	int ok = 0;
	if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
		int rows = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *r = (const char *)sqlite3_column_text(st, 0);
			if (rows++ == 0) {
				snprintf(result, size, "%s", r ? r : "");
				ok = r && strcmp(r, "ok") == 0;
			} else {
				ok = 0;
			}
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return ok ? 0 : -1;
}

/* fsync path (a file or a directory); 0 or -1 */
static int
sync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* tmp to out: replacing out only with force.  0, or -1 (errno; EEXIST: out exists). */
static int
put_in_place(const char *tmp, const char *out, int force)
{
	if (force)
		return rename(tmp, out);
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without RENAME_NOREPLACE: link fails on an existing out */
	if (link(tmp, out) < 0)
		return -1;
	unlink(tmp);
	return 0;
}

static void
remove_tmp(const char *tmp)
{
	unlink(tmp);
	char *j = xasprintf("%s-journal", tmp);
	unlink(j);
	free(j);
}

/* The backup itself; the exit status (0 or 1), its lines printed. */
static int
backup(const struct config *cfg, const struct templates *t, const char *lang, const char *out, int force)
{
	const char *db = cfg->bot.database;
	struct stat so, sd;
	if (stat(out, &so) == 0) {
		const char *vars[] = {"file", out, NULL};
		if (stat(db, &sd) == 0 && so.st_dev == sd.st_dev && so.st_ino == sd.st_ino) {
			cli_say(stderr, t, lang, "ops.backup.same", vars);
			return 1;
		}
		if (!force) {
			cli_say(stderr, t, lang, "ops.backup.exists", vars);
			return 1;
		}
	}
	char *tmp = xasprintf("%s.tmp-XXXXXX", out);
	int fd = mkstemp(tmp); /* mode 0600 */
	struct backup_err e = {""};
	char result[256] = "";
	int pages = 0, rc = 1;
	if (fd < 0) {
		fail(&e, out, NULL);
		free(tmp);
		const char *vars[] = {"file", out, "error", e.msg, NULL};
		cli_say(stderr, t, lang, "ops.backup.failed", vars);
		return 1;
	}
	close(fd);
	if (copy_pages(db, tmp, &pages, &e) < 0) {
		const char *vars[] = {"file", out, "error", e.msg, NULL};
		cli_say(stderr, t, lang, "ops.backup.failed", vars);
	} else if (integrity(tmp, result, sizeof result) < 0) {
		const char *vars[] = {"file", out, "result", result, NULL};
		cli_say(stderr, t, lang, "ops.backup.integrity", vars);
	} else if (sync_path(tmp, 0) < 0 || put_in_place(tmp, out, force) < 0) {
		const char *vars[] = {"file", out, NULL};
		if (errno == EEXIST) {
			cli_say(stderr, t, lang, "ops.backup.exists", vars);
		} else {
			fail(&e, out, NULL);
			const char *ev[] = {"file", out, "error", e.msg, NULL};
			cli_say(stderr, t, lang, "ops.backup.failed", ev);
		}
	} else {
		char *dir = xstrdup(out), *slash = strrchr(dir, '/');
		if (slash)
			slash[slash == dir] = '\0';
		sync_path(slash ? dir : ".", 1);
		free(dir);
		struct stat sb;
		char np[24], nb[24];
		snprintf(np, sizeof np, "%d", pages);
		snprintf(nb, sizeof nb, "%lld", stat(out, &sb) == 0 ? (long long)sb.st_size : 0LL);
		const char *vars[] = {"file", out, "pages", np, "bytes", nb, NULL};
		cli_say(stdout, t, lang, "ops.backup.done", vars);
		rc = 0;
	}
	if (rc)
		remove_tmp(tmp);
	free(tmp);
	return rc;
}

int
cli_backup(const char *conf, int argc, char **argv)
{
	int force = 0;
	const char *out = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (!out && argv[i][0] != '-')
			out = argv[i];
		else
			return -2;
	}
	if (!out)
		return -2;
	struct config cfg;
	struct templates *t = NULL;
	if (cli_load_config(conf, &cfg) || cli_load_templates(cfg.bot.templates, &t)) {
		config_free(&cfg);
		return 1;
	}
	int rc = backup(&cfg, t, cli_lang(&cfg), out, force);
	templates_free(t);
	config_free(&cfg);
	return rc;
}
