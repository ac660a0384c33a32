/*
 * parsebox.h - parse untrusted mail in a separate, limited process.
 *
 * A parsebox owns one long-lived worker: the daemon's own binary started
 * again as "mentorbot parse-worker" (fork + exec through posix_spawn, only
 * the two pipes and stderr kept open).  Before it reads any input the worker
 * sets resource limits (address space, CPU, stack, file size, no core dumps,
 * no new processes) and installs a seccomp filter that leaves it little more
 * than read on its request pipe, write on its answer pipe and stderr, memory
 * management and exit.  A mail that crashes libetpan, exhausts the memory or
 * loops forever takes only the worker with it; the daemon kills a worker that
 * overruns the per-mail wall-clock timeout and starts a new one on the next
 * mail.
 *
 * Every answer is validated before the parent trusts it (lengths, ranges,
 * UTF-8 without NUL): a malformed answer counts as a crash of the worker.
 *
 * Thread safety: parsebox_parse() may be called from several threads; one
 * mutex serialises the requests to the single worker.
 */
#ifndef MB_PARSEBOX_H
#define MB_PARSEBOX_H

#include <stddef.h>
#include <sys/types.h>

#include "mime.h"

/* The hidden sub-command that runs the worker (bot/main.c dispatches it first). */
#define PARSEBOX_WORKER_CMD "parse-worker"

struct parsebox_limits {
	size_t memory;  /* bytes of address space for the worker (RLIMIT_AS; under ASan: of resident memory) */
	int timeout_ms; /* wall clock allowed for one mail, request and answer included */
};
/* [bot] parser_memory = 256M, parser_timeout = 10 (seconds) */
#define PARSEBOX_LIMITS_DEFAULT                                                                                        \
	{                                                                                                              \
		256u * 1024 * 1024, 10000                                                                              \
	}

/* parsebox_parse() results besides mime_parse()'s 0 and -1: */
#define PARSEBOX_FAILED (-2)      /* the worker died, timed out or answered nonsense on this mail */
#define PARSEBOX_UNAVAILABLE (-3) /* no worker could be started: nothing was parsed, try again later */

struct parsebox;

/*
 * A parsebox that will run exe (NULL: /proc/self/exe, the running daemon)
 * as "exe parse-worker ...".  The worker is started on first use.  Never
 * fails; free with parsebox_free(), which stops the worker.
 */
struct parsebox *parsebox_new(const char *exe, const struct parsebox_limits *lim);
void parsebox_free(struct parsebox *pb);

/*
 * Parse raw[0..len) in the worker with caps, as mime_parse() would in
 * process, into *out (zeroed first; free with parsed_mail_free()).
 * Returns what mime_parse() returns (0, or -1 when no header could be read),
 * or PARSEBOX_FAILED: the worker died, overran its time or answered
 * malformed data on this mail; out->error then says so ("parser crashed
 * (signal 11)", "parser timed out (10 s)", ...; every such reason starts
 * with "parser ") and the sender, subject and ids come from a second,
 * headers-only parse in a fresh worker (all NULL if that failed as well).
 * Or PARSEBOX_UNAVAILABLE: no worker could be started; out->error set.
 */
int parsebox_parse(struct parsebox *pb, const char *raw, size_t len, const struct mail_caps *caps,
		   struct parsed_mail *out);

/* The worker's process id, or 0 when none runs (for tests and logs). */
pid_t parsebox_worker_pid(struct parsebox *pb);

/*
 * For tests: make the worker misbehave on purpose.  PARSEBOX_TEST_OPEN: it
 * tries to open a file after its filter is in place and reports the outcome
 * in out->error ("open: blocked (...)" or "open: allowed"); SPIN: it loops
 * until killed; CRASH: it dereferences NULL; GARBAGE: it answers bytes that
 * are no valid answer.  Returns like parsebox_parse().
 */
enum parsebox_test { PARSEBOX_TEST_OPEN = 1, PARSEBOX_TEST_SPIN, PARSEBOX_TEST_CRASH, PARSEBOX_TEST_GARBAGE };
int parsebox_test(struct parsebox *pb, enum parsebox_test what, struct parsed_mail *out);

/* main() of "mentorbot parse-worker MEMORY_BYTES CPU_SECONDS": serves requests on
 * stdin/stdout until stdin closes.  Exit status 0 on a clean end. */
int parsebox_worker_main(int argc, char **argv);

#endif
