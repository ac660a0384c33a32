/*
 * flood.h - per-person token buckets shared by every transport (thread-safe).
 */
#ifndef MB_FLOOD_H
#define MB_FLOOD_H

#include <stdint.h>

struct flood;

/* rate: tokens added per minute; burst: bucket size. Caller frees with flood_free. */
struct flood *flood_new(int rate_per_min, int burst);
void flood_free(struct flood *f);
/* New limits (SIGHUP): the buckets keep their tokens, capped at the new burst. */
void flood_set(struct flood *f, int rate_per_min, int burst);

enum { FLOOD_OK = 0, FLOOD_NOTICE = 1, FLOOD_SILENT = 2 };
/*
 * Take one token for key at time now_ms.  FLOOD_OK: go on; FLOOD_NOTICE:
 * the bucket just ran dry (tell the person once); FLOOD_SILENT: still dry.
 * Other keys are unaffected.
 */
int flood_take(struct flood *f, const char *key, int64_t now_ms);

#endif
