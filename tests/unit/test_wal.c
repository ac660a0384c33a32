/* The WAL checkpointer: commits no longer checkpoint, the thread does, and the WAL stays bounded.
 * A writer waits for another thread's write lock and gets it soon after it is freed. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bot/util.h"
#include "state/checkpoint.h"
#include "state/state.h"
#include "t.h"

static char path[64], wal[80];

static void
fresh(void)
{
	snprintf(path, sizeof path, "/tmp/mb-wal-%d.db", (int)getpid());
	snprintf(wal, sizeof wal, "%s-wal", path);
	unlink(path);
	unlink(wal);
	char shm[80];
	snprintf(shm, sizeof shm, "%s-shm", path);
	unlink(shm);
}

static long long
wal_size(void)
{
	struct stat st;
	return stat(wal, &st) == 0 ? (long long)st.st_size : 0;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* n commits of a few pages each (a 6 KB value under a new key); returns the largest WAL file seen */
static long long
write_commits(struct db *db, int n)
{
	static char value[6001];
	memset(value, 'v', sizeof value - 1);
	long long max = 0;
	for (int i = 0; i < n; i++) {
		char key[32];
		snprintf(key, sizeof key, "k%d", i);
		CHECK(db_begin(db) == 0);
		CHECK(state_kv_set(db, key, value) == 0);
		CHECK(db_commit(db) == 0);
		long long s = wal_size();
		if (s > max)
			max = s;
	}
	return max;
}

static void
commits_no_longer_checkpoint(void)
{
	/* a checkpointer that never gets round to it: the commits themselves must not either */
	fresh();
	struct db_checkpoint_limits lim = {1000000, 1000000, 1000000};
	CHECK(db_checkpointer_start(path, &lim) == 0);
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	db_sync_normal(db);
	write_commits(db, 800); /* SQLite's automatic checkpoint would have run at 1,000 pages */
	CHECK(wal_size() > 2000LL * 4096);
	struct db_checkpoint_stats st;
	db_checkpointer_stats(&st);
	CHECK(st.passive == 0 && st.restart == 0);
	db_close(db);
	db_checkpointer_stop();
	unlink(path);
	unlink(wal);
}

static void
idle_checkpoint_copies_everything(void)
{
	fresh();
	struct db_checkpoint_limits lim = {1000000, 30, 1000000};
	CHECK(db_checkpointer_start(path, &lim) == 0);
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	write_commits(db, 20);
	sleep_ms(300);
	struct db_checkpoint_stats st;
	db_checkpointer_stats(&st);
	CHECK(st.passive >= 1);
	CHECK(st.incomplete == 0);
	/* all copied: the next commit starts the WAL again from its beginning */
	long long before = wal_size();
	write_commits(db, 1);
	CHECK(wal_size() == before);
	char *v = NULL;
	CHECK(state_kv_get(db, "k19", &v) == 0 && v && strlen(v) == 6000);
	free(v);
	db_close(db);
	db_checkpointer_stop();
	unlink(path);
	unlink(wal);
}

static void
wal_stays_bounded_under_steady_commits(void)
{
	/* never idle: the busy threshold and the bound keep the WAL file small */
	fresh();
	struct db_checkpoint_limits lim = {32, 1000000, 256};
	CHECK(db_checkpointer_start(path, &lim) == 0);
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	long long max = write_commits(db, 1500); /* about 4,500 pages, 18 MB, through the WAL */
	/* the bound is 256 pages (1 MB) plus one commit; without it the WAL would take 28 MB */
	printf("# largest WAL %lld bytes\n", max);
	CHECK(max < 2LL * 1024 * 1024);
	struct db_checkpoint_stats st;
	db_checkpointer_stats(&st);
	printf("# %llu passive, %llu restart, %llu incomplete, longest %d\n", (unsigned long long)st.passive,
	       (unsigned long long)st.restart, (unsigned long long)st.incomplete, st.max_wal_frames);
	CHECK(st.passive + st.restart >= 2);
	char *v = NULL;
	CHECK(state_kv_get(db, "k1499", &v) == 0 && v);
	free(v);
	db_close(db);
	db_checkpointer_stop();
	/* after the last checkpoint the database file alone holds everything */
	unlink(wal);
	CHECK(db_open(&db, path) == 0);
	v = NULL;
	CHECK(state_kv_get(db, "k1499", &v) == 0 && v && strlen(v) == 6000);
	free(v);
	db_close(db);
	unlink(path);
	unlink(wal);
}

static void *
hold_lock(void *arg)
{
	struct db *db = arg;
	sleep_ms(30);
	CHECK(db_commit(db) == 0);
	return NULL;
}

static void
writer_waits_for_the_lock_and_gets_it(void)
{
	fresh();
	struct db *a, *b;
	CHECK(db_open(&a, path) == 0);
	CHECK(db_open(&b, path) == 0);
	CHECK(db_begin(a) == 0);
	CHECK(state_kv_set(a, "held", "1") == 0);
	pthread_t t;
	pthread_create(&t, NULL, hold_lock, a);
	int64_t t0 = mono_ms();
	CHECK(db_begin(b) == 0); /* waits until a commits (about 30 ms), not SQLITE_BUSY */
	int64_t waited = mono_ms() - t0;
	CHECK(state_kv_set(b, "after", "2") == 0);
	CHECK(db_commit(b) == 0);
	pthread_join(t, NULL);
	CHECK(waited >= 20);
	char *v = NULL;
	CHECK(state_kv_get(b, "held", &v) == 0 && v && strcmp(v, "1") == 0);
	free(v);
	db_close(a);
	db_close(b);
	unlink(path);
	unlink(wal);
}

int
main(void)
{
	log_open(0, LOG_LVL_WARN);
	RUN(commits_no_longer_checkpoint);
	RUN(idle_checkpoint_copies_everything);
	RUN(wal_stays_bounded_under_steady_commits);
	RUN(writer_waits_for_the_lock_and_gets_it);
	return t_done();
}
