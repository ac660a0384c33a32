/*
 * checkpoint.h - the daemon's WAL checkpointer: one thread with its own
 * connection copies the write-ahead log back into the database file, so that
 * no command's commit pays for it.
 *
 * SQLite's automatic checkpoint runs inside whichever commit pushes the WAL
 * past 1,000 pages: that commit then writes a few MB into the database file
 * and fsyncs it (about every 70 chat commands, 5 ms each time).  While the
 * checkpointer runs, every connection db_open() opens in this process has no
 * automatic checkpoint; its commits only tell the checkpointer how long the
 * WAL is.  The checkpointer runs a PASSIVE checkpoint (it never blocks a
 * reader or a writer) once the WAL has busy_frames new pages, or after idle_ms
 * without a commit.  Bound: a WAL starts anew only when a writer finds all
 * of it copied, which commits during each checkpoint (or a reader) can keep
 * from happening; a commit that leaves the WAL past max_frames pages copies
 * the rest itself (the thread has copied most) and restarts it (RESTART: waits
 * for readers, holds writers back).  Connections also get
 * journal_size_limit = max_frames pages, so the WAL file shrinks back to that
 * size when it restarts after a burst.
 *
 * Durability is unchanged: a commit is on disk (FULL) or survives kill -9
 * (NORMAL) exactly as before; a checkpoint only moves committed pages.
 * Other processes (the CLI, tests) keep SQLite's automatic checkpoint.
 */
#ifndef MB_CHECKPOINT_H
#define MB_CHECKPOINT_H

#include <stdint.h>

struct db_checkpoint_limits {
	int busy_frames; /* checkpoint at once past this many WAL pages (default 1000) */
	int idle_ms;     /* otherwise this long after the latest commit (default 50) */
	int max_frames;  /* WAL bound in pages (default 16384, 64 MiB of 4 KiB pages) */
};

struct db_checkpoint_stats {
	uint64_t passive;    /* PASSIVE checkpoints run */
	uint64_t incomplete; /* of those, ones that could not copy every page (readers) */
	uint64_t restart;    /* RESTART checkpoints a commit ran itself (the bound) */
	int max_wal_frames;  /* the longest WAL a checkpoint found */
};

/*
 * Open a connection to path (creating and migrating the database if needed)
 * and start the checkpointer thread.  limits may be NULL (defaults).  Connections
 * opened before keep SQLite's automatic checkpoint.  0, or -1 (logged) when
 * the database cannot be opened or the thread not started; then nothing changes.
 */
int db_checkpointer_start(const char *path, const struct db_checkpoint_limits *limits);
/* Stop the thread after a last PASSIVE checkpoint and close its connection.  Call after the
 * other threads have stopped; a no-op when it is not running. */
void db_checkpointer_stop(void);
/* Counters since the start (for tests and the benchmarks' log line). */
void db_checkpointer_stats(struct db_checkpoint_stats *out);

#endif
