/*
 * parsebox.c - untrusted mail parsed in a separate, limited process (see
 * parsebox.h), the way OpenSMTPD and Dovecot keep parsing away from the
 * process that holds the state.
 *
 * Parent side (any thread, serialised by pb->lock): start the worker with
 * posix_spawn (nothing but exec happens in the child of a multi-threaded
 * daemon), send one length-prefixed request, read one length-prefixed
 * answer under a wall-clock deadline (poll), validate it field by field.
 * The worker's stderr is a third pipe whose bytes the parent copies to its
 * own stderr: the worker itself may not write any file (RLIMIT_FSIZE 0).
 * Worker side (parsebox_worker.c; bot/main.c runs parsebox_worker_main for
 * "parse-worker"): rlimits, charset modules loaded, seccomp filter, then a
 * loop of request -> mime_parse() -> answer on its pipes.
 *
 * The wire format between the two is in parsebox_int.h.
 */
#include "parsebox.h"
#include "parsebox_int.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define HEADERS_MAX (4u * 1024 * 1024)
#define RELAY_MAX (256u * 1024) /* bytes of a worker's stderr copied to the daemon's */

struct parsebox {
	pthread_mutex_t lock;
	char *exe;
	struct parsebox_limits lim;
	pid_t pid;
	int to_fd;      /* the worker's stdin */
	int from_fd;    /* the worker's stdout */
	int err_fd;     /* the worker's stderr: relayed to ours (it may write no file itself) */
	int cpu;        /* the CPU the worker is bound to, or -1 */
	size_t relayed; /* bytes of it relayed from this worker */
	int at_bol;     /* the relay is at the start of a line */
};

struct parsebox *
parsebox_new(const char *exe, const struct parsebox_limits *lim)
{
	struct parsebox *pb = xcalloc(1, sizeof *pb);
	struct parsebox_limits dflt = PARSEBOX_LIMITS_DEFAULT;
	struct sigaction sa;
	pthread_mutex_init(&pb->lock, NULL);
	pb->exe = xstrdup(exe ? exe : "/proc/self/exe");
	pb->lim = lim ? *lim : dflt;
	if (pb->lim.timeout_ms < 100)
		pb->lim.timeout_ms = 100;
	pb->to_fd = pb->from_fd = pb->err_fd = -1;
	/* a worker that died leaves a pipe whose write raises SIGPIPE */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	return pb;
}

/* CPU seconds for the worker's RLIMIT_CPU (it steps aside at half of it). */
static long
cpu_budget(const struct parsebox *pb)
{
	long s = 6L * (pb->lim.timeout_ms / 1000 + 1);
	return s < 60 ? 60 : s;
}

static int
fd_above_2(int fd)
{
	int n;
	if (fd > 2)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return n;
}

/*
 * Copy what the worker wrote to its stderr (a sanitizer report, "out of
 * memory") to ours: each line marked "parse-worker: ", control characters
 * made harmless, at most RELAY_MAX bytes per worker (a hostile worker can
 * neither forge log lines nor fill the disk).
 */
static void
relay_stderr(struct parsebox *pb)
{
	char tmp[4096];
	ssize_t n;
	while (pb->err_fd >= 0 && (n = read(pb->err_fd, tmp, sizeof tmp)) != 0) {
		if (n < 0)
			return; /* nothing more for now */
		struct buf out = BUF_INIT;
		for (ssize_t i = 0; i < n && pb->relayed < RELAY_MAX; i++, pb->relayed++) {
			unsigned char c = (unsigned char)tmp[i];
			if (pb->at_bol)
				buf_adds(&out, "parse-worker: ");
			pb->at_bol = c == '\n';
			buf_addc(&out, (c < 32 && c != '\n' && c != '\t') || c == 127 ? '?' : (char)c);
		}
		if (out.len) {
			ssize_t w = write(2, out.p, out.len);
			(void)w;
		}
		buf_free(&out);
	}
	if (pb->err_fd >= 0) {
		/* the worker closed its stderr: stop polling it (poll skips a negative fd) */
		close(pb->err_fd);
		pb->err_fd = -1;
	}
}

static void
close_fds(struct parsebox *pb)
{
	relay_stderr(pb);
	close(pb->to_fd);
	close(pb->from_fd);
	if (pb->err_fd >= 0)
		close(pb->err_fd);
	pb->to_fd = pb->from_fd = pb->err_fd = -1;
	pb->pid = 0;
}

/* Wait for the worker to end (killing it after grace_ms) and describe how it ended. */
static char *
reap(struct parsebox *pb, int grace_ms, int *no_sandbox)
{
	int st = 0;
	pid_t r = 0;
	char *why;
	for (int waited = 0; (r = waitpid(pb->pid, &st, WNOHANG)) == 0 && waited < grace_ms; waited += 5) {
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (r == 0) {
		kill(pb->pid, SIGKILL);
		r = waitpid(pb->pid, &st, 0);
		why = xstrdup("parser answered malformed data");
	} else if (r < 0) {
		why = xstrdup("parser vanished");
	} else if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);
		why = sig == SIGXCPU ? xstrdup("parser used too much CPU time")
				     : xasprintf("parser crashed (signal %d%s)", sig,
						 sig == SIGSYS ? ", forbidden system call" : "");
	} else {
		if (no_sandbox && WEXITSTATUS(st) == EXIT_NO_SANDBOX)
			*no_sandbox = 1;
		why = xasprintf("parser stopped (exit status %d)", WEXITSTATUS(st));
	}
	close_fds(pb);
	return why;
}

static void
kill_worker(struct parsebox *pb)
{
	if (!pb->pid)
		return;
	kill(pb->pid, SIGKILL);
	free(reap(pb, 0, NULL));
}

/* The environment of the worker: nothing of the daemon's but what a sanitizer build needs. */
static char **
worker_env(const struct parsebox *pb)
{
	char **env = xcalloc(4, sizeof *env);
#if PB_ASAN
	size_t n = 0;
	const char *asan = getenv("ASAN_OPTIONS"), *ubsan = getenv("UBSAN_OPTIONS");
	/* RLIMIT_AS is replaced by the parent watching the worker's RSS (rss_over) and by
	 * ASan's cap on one allocation; NULL instead of a report when that is hit (xmalloc
	 * then aborts the worker); no leak check at exit (it needs ptrace) */
	env[n++] = xasprintf("ASAN_OPTIONS=%s%sdetect_leaks=0:allocator_may_return_null=1:max_allocation_size_mb=%zu:"
			     "quarantine_size_mb=16:handle_abort=0",
			     asan ? asan : "", asan && *asan ? ":" : "", pb->lim.memory / (1024 * 1024));
	if (ubsan)
		env[n++] = xasprintf("UBSAN_OPTIONS=%s", ubsan);
#else
	(void)pb;
#endif
	return env;
}

static void
env_free(char **env)
{
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

static int
start_worker(struct parsebox *pb)
{
	int req[2], ans[2], err[2], rc;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dflt;
	char mem[32], cpu[32];
	char *argv[] = {pb->exe, PARSEBOX_WORKER_CMD, mem, cpu, NULL};
	char **env;
	pid_t pid;

	if (pipe2(req, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(ans, O_CLOEXEC) < 0) {
		close(req[0]);
		close(req[1]);
		return -1;
	}
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(req[0]);
		close(req[1]);
		close(ans[0]);
		close(ans[1]);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		req[i] = fd_above_2(req[i]);
		ans[i] = fd_above_2(ans[i]);
		err[i] = fd_above_2(err[i]);
	}
	snprintf(mem, sizeof mem, "%zu", pb->lim.memory);
	snprintf(cpu, sizeof cpu, "%ld", cpu_budget(pb));
	env = worker_env(pb);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, req[0], 0);
	posix_spawn_file_actions_adddup2(&fa, ans[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* no signal blocked or ignored because the calling thread had it so (SIGXCPU must end it) */
	sigemptyset(&none);
	sigfillset(&dflt);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, pb->exe, &fa, &at, argv, env);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	env_free(env);
	close(req[0]);
	close(ans[1]);
	close(err[1]);
	if (rc != 0) {
		log_err("parser: cannot start %s: %s", pb->exe, strerror(rc));
		close(req[1]);
		close(ans[0]);
		close(err[0]);
		return -1;
	}
	/* a 10 MB mail crosses in fewer turns with 1 MB pipes (the default maximum; best effort) */
	fcntl(req[1], F_SETPIPE_SZ, 1024 * 1024);
	fcntl(ans[0], F_SETPIPE_SZ, 1024 * 1024);
	fcntl(req[1], F_SETFL, O_NONBLOCK);
	fcntl(ans[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	pb->pid = pid;
	pb->to_fd = req[1];
	pb->from_fd = ans[0];
	pb->err_fd = err[0];
	pb->relayed = 0;
	pb->at_bol = 1;
	pb->cpu = -1;
	return 0;
}

enum { XFER_OK = 0, XFER_DIED = -1, XFER_TIMEOUT = -2, XFER_BAD = -3, XFER_MEMORY = -4 };

/* Under ASan, where RLIMIT_AS cannot be used: is the worker's resident memory over the limit? */
static int
rss_over(const struct parsebox *pb)
{
#if PB_ASAN
	char path[64];
	unsigned long size = 0, rss = 0;
	FILE *f;
	snprintf(path, sizeof path, "/proc/%d/statm", (int)pb->pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (unsigned long)sysconf(_SC_PAGESIZE) > pb->lim.memory;
#else
	(void)pb;
	return 0;
#endif
}

/*
 * Send req and read one answer body into *body (at most cap bytes), both
 * under the deadline; reading starts at once, so a worker that answers
 * early cannot block the parent.
 */
static int
transact(struct parsebox *pb, const struct buf *req, size_t cap, int64_t deadline, struct buf *body)
{
	size_t sent = 0, need = 12, got = 0;
	unsigned char head[12];
	int in_head = 1;

	for (;;) {
		struct pollfd p[3] = {{pb->from_fd, POLLIN, 0}, {pb->err_fd, POLLIN, 0}, {pb->to_fd, POLLOUT, 0}};
		int64_t left = deadline - mono_ms();
		int np = sent < req->len ? 3 : 2, r;
		if (left <= 0)
			return XFER_TIMEOUT;
		if (PB_ASAN && left > 20)
			left = 20; /* look at its memory every 20 ms */
		if (rss_over(pb))
			return XFER_MEMORY;
		r = poll(p, (nfds_t)np, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return XFER_DIED;
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			relay_stderr(pb);
		if (np == 3 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(pb->to_fd, req->p + sent, req->len - sent);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return XFER_DIED;
			if (w > 0)
				sent += (size_t)w;
		}
		if (p[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			ssize_t n;
			if (in_head)
				n = read(pb->from_fd, head + got, need - got);
			else
				n = read(pb->from_fd, body->p + got, need - got);
			if (n == 0)
				return XFER_DIED;
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return XFER_DIED;
			if (n > 0)
				got += (size_t)n;
			if (got == need && in_head) {
				uint32_t magic;
				uint64_t blen;
				memcpy(&magic, head, 4);
				memcpy(&blen, head + 4, 8);
				if (magic != ANS_MAGIC || blen > cap || blen < 4)
					return XFER_BAD;
				in_head = 0;
				need = (size_t)blen;
				got = 0;
				buf_free(body);
				body->p = xmalloc(need + 1);
				body->cap = need + 1;
			}
			if (!in_head && got == need) {
				body->len = need;
				return sent == req->len ? XFER_OK : XFER_BAD;
			}
		}
	}
}

/* Decode and check an answer body into *out.  Returns the parse rc, or XFER_BAD. */
static int
answer_decode(const struct buf *body, const struct mail_caps *caps, size_t len, struct parsed_mail *out)
{
	const char *p = body->p, *e = body->p + body->len;
	int32_t ints[6];
	uint32_t end;

	memset(out, 0, sizeof *out);
	if ((size_t)(e - p) < sizeof ints)
		return XFER_BAD;
	memcpy(ints, p, sizeof ints);
	p += sizeof ints;
	if ((ints[0] != 0 && ints[0] != -1) || (unsigned)ints[1] > 1 || (unsigned)ints[2] > 1 ||
	    (unsigned)ints[3] > 1 || ints[4] < 0 || ints[4] > caps->max_parts + 1 || ints[5] < 0 ||
	    (size_t)ints[5] > len)
		return XFER_BAD;
	for (size_t i = 0; i < NSTR; i++) {
		uint32_t n;
		if (e - p < 4)
			goto bad;
		memcpy(&n, p, 4);
		p += 4;
		if (n == STR_NULL)
			continue;
		if ((size_t)(e - p) < n || !utf8_valid(p, n))
			goto bad;
		*str_at(out, i) = xstrndup(p, n);
		p += n;
	}
	if (e - p != 4)
		goto bad;
	memcpy(&end, p, 4);
	if (end != END_MAGIC || !out->subject || !out->text)
		goto bad;
	out->text_from_html = ints[1];
	out->is_auto = ints[2];
	out->is_bounce = ints[3];
	out->nparts = ints[4];
	out->from_count = ints[5];
	return ints[0];
bad:
	parsed_mail_free(out);
	return XFER_BAD;
}

/*
 * Keep the worker on the CPU of the thread that asks: the asker sleeps while
 * the worker parses and the other way round, and a wake-up on the same CPU
 * is a plain context switch where one across CPUs costs tens of microseconds
 * in a VM (measured here: 7,600 vs 17,000 fixture mails per second).
 */
static void
follow_caller_cpu(struct parsebox *pb)
{
	int cpu = sched_getcpu();
	cpu_set_t set;
	if (cpu < 0 || cpu == pb->cpu || cpu >= CPU_SETSIZE)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(pb->pid, sizeof set, &set) == 0)
		pb->cpu = cpu;
}

static void
req_build(struct buf *b, uint32_t mode, const struct mail_caps *caps, const char *raw, size_t len)
{
	put32(b, REQ_MAGIC);
	put32(b, mode);
	put64(b, caps->max_size);
	put32(b, (uint32_t)caps->max_depth);
	put32(b, (uint32_t)caps->max_parts);
	put64(b, len);
	buf_add(b, raw ? raw : "", len);
}

/*
 * One request to a running (or freshly started) worker.  Returns the
 * parse rc, PARSEBOX_UNAVAILABLE, or PARSEBOX_FAILED with *why set.
 */
static int
request(struct parsebox *pb, uint32_t mode, const struct mail_caps *caps, const char *raw, size_t len,
	struct parsed_mail *out, char **why)
{
	struct buf req = BUF_INIT, body = BUF_INIT;
	/* every string is valid UTF-8 of at most 3 bytes per input byte, and no
	 * two of them hold the whole mail but text and calendar */
	size_t cap = 8 * len + 1024 * 1024;
	int rc, x, no_sandbox = 0;

	memset(out, 0, sizeof *out);
	*why = NULL;
	/* a worker that stepped aside (CPU budget) or died idle is simply replaced */
	if (pb->pid && waitpid(pb->pid, NULL, WNOHANG) != 0)
		close_fds(pb);
	if (!pb->pid && start_worker(pb) < 0)
		return PARSEBOX_UNAVAILABLE;
	follow_caller_cpu(pb);
	req_build(&req, mode, caps, raw, len);
	x = transact(pb, &req, cap, mono_ms() + pb->lim.timeout_ms, &body);
	buf_free(&req);
	if (x == XFER_OK) {
		rc = answer_decode(&body, caps, len, out);
		buf_free(&body);
		if (rc != XFER_BAD)
			return rc;
		x = XFER_BAD;
	}
	buf_free(&body);
	if (x == XFER_MEMORY) {
		kill_worker(pb);
		*why = xasprintf("parser used too much memory (more than %zu MB)", pb->lim.memory / (1024 * 1024));
	} else if (x == XFER_TIMEOUT) {
		kill_worker(pb);
		*why = xasprintf("parser timed out (%d s)", (pb->lim.timeout_ms + 999) / 1000);
	} else if (x == XFER_BAD) {
		kill_worker(pb);
		*why = xstrdup("parser answered malformed data");
	} else {
		*why = reap(pb, 500, &no_sandbox);
		if (no_sandbox) {
			log_err("parser: the worker cannot set up its sandbox (seccomp); no mail is parsed");
			free(*why);
			*why = NULL;
			return PARSEBOX_UNAVAILABLE;
		}
	}
	return PARSEBOX_FAILED;
}

/* The header block of a mail: up to the first empty line, at most HEADERS_MAX. */
static size_t
header_len(const char *raw, size_t len)
{
	for (size_t i = 0; i + 1 < len && i < HEADERS_MAX; i++)
		if (raw[i] == '\n' && (raw[i + 1] == '\n' || (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')))
			return i + 1;
	return len < HEADERS_MAX ? len : HEADERS_MAX;
}

int
parsebox_parse(struct parsebox *pb, const char *raw, size_t len, const struct mail_caps *caps, struct parsed_mail *out)
{
	struct mail_caps dflt = MAIL_CAPS_DEFAULT;
	char *why = NULL, *why2 = NULL;
	int rc;

	if (!caps)
		caps = &dflt;
	if (!raw)
		len = 0;
	pthread_mutex_lock(&pb->lock);
	if (len > caps->max_size) {
		/* as mime_parse(): only the headers of a mail over the cap are read, and the
		 * worker never gets its body */
		rc = request(pb, MODE_HEADERS, caps, raw, header_len(raw, len), out, &why);
		if (rc == 0) {
			free(out->error);
			out->error = mime_too_large(len, caps->max_size);
		}
	} else {
		rc = request(pb, MODE_PARSE, caps, raw, len, out, &why);
	}
	if (rc == PARSEBOX_FAILED) {
		log_warn("parser: a mail of %zu bytes was not parsed: %s; reading its headers alone", len, why);
		/* a fresh worker, and only the header block: enough to tell the sender */
		if (request(pb, MODE_HEADERS, caps, raw, header_len(raw, len), out, &why2) < 0) {
			log_warn("parser: its headers could not be read either: %s", why2 ? why2 : "no worker");
			parsed_mail_free(out);
		}
		free(out->error);
		out->error = why;
		why = NULL;
		if (!out->subject)
			out->subject = xstrdup("");
		if (!out->text)
			out->text = xstrdup("");
	} else if (rc == PARSEBOX_UNAVAILABLE) {
		parsed_mail_free(out);
		out->error = xstrdup("parser unavailable");
		out->subject = xstrdup("");
		out->text = xstrdup("");
	}
	pthread_mutex_unlock(&pb->lock);
	free(why);
	free(why2);
	return rc;
}

int
parsebox_test(struct parsebox *pb, enum parsebox_test what, struct parsed_mail *out)
{
	struct mail_caps caps = MAIL_CAPS_DEFAULT;
	char *why = NULL;
	int rc;
	pthread_mutex_lock(&pb->lock);
	rc = request(pb, MODE_TEST + (uint32_t)what, &caps, "", 0, out, &why);
	if (rc == PARSEBOX_FAILED) {
		parsed_mail_free(out);
		out->error = why;
		why = NULL;
	}
	pthread_mutex_unlock(&pb->lock);
	free(why);
	return rc;
}

pid_t
parsebox_worker_pid(struct parsebox *pb)
{
	/* read without the lock: a test asks while another thread waits for an answer */
	return __atomic_load_n(&pb->pid, __ATOMIC_SEQ_CST);
}

void
parsebox_free(struct parsebox *pb)
{
	if (!pb)
		return;
	kill_worker(pb);
	pthread_mutex_destroy(&pb->lock);
	free(pb->exe);
	free(pb);
}
