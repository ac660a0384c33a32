/*
 * parsebox_int.h - what the two ends of parsebox share: parsebox.c (the
 * daemon's side) and parsebox_worker.c (the worker process).
 *
 * Wire format, integers in host order (both ends are the same binary):
 *   request: u32 "MBQ1", u32 mode, u64 max_size, i32 max_depth, i32 max_parts, u64 len, len bytes
 *   answer:  u32 "MBA1", u64 body length, body
 *   body:    i32 rc, i32 text_from_html, is_auto, is_bounce, nparts, from_count,
 *            then every string of struct parsed_mail in str_fields[] order as
 *            u32 length (STR_NULL for NULL) + bytes, then u32 "END!"
 */
#ifndef MB_PARSEBOX_INT_H
#define MB_PARSEBOX_INT_H

#include "mime.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

/* Built with AddressSanitizer: the worker has no RLIMIT_AS (the parent
 * watches its resident memory instead) and a seccomp filter that refuses
 * instead of killing. */
#if defined(__SANITIZE_ADDRESS__)
#define PB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PB_ASAN 1
#endif
#endif
#ifndef PB_ASAN
#define PB_ASAN 0
#endif

#define REQ_MAGIC 0x3151424du /* "MBQ1" */
#define ANS_MAGIC 0x3141424du /* "MBA1" */
#define END_MAGIC 0x21444e45u /* "END!" */
#define STR_NULL 0xffffffffu
#define REQ_HEAD 32       /* bytes before the mail in a request */
#define EXIT_NO_SANDBOX 3 /* the worker could not limit itself: it serves nothing */

enum { MODE_PARSE = 0, MODE_HEADERS = 1, MODE_TEST = 100 };

/* Every string of struct parsed_mail, in wire order. */
static const size_t str_fields[] = {
	offsetof(struct parsed_mail, from_addr),
	offsetof(struct parsed_mail, from_name),
	offsetof(struct parsed_mail, reply_to),
	offsetof(struct parsed_mail, to_addr),
	offsetof(struct parsed_mail, rcpt_addrs),
	offsetof(struct parsed_mail, return_path),
	offsetof(struct parsed_mail, subject),
	offsetof(struct parsed_mail, message_id),
	offsetof(struct parsed_mail, in_reply_to),
	offsetof(struct parsed_mail, references),
	offsetof(struct parsed_mail, auth_results),
	offsetof(struct parsed_mail, date),
	offsetof(struct parsed_mail, content_language),
	offsetof(struct parsed_mail, text),
	offsetof(struct parsed_mail, calendar),
	offsetof(struct parsed_mail, calendar_method),
	offsetof(struct parsed_mail, auto_reason),
	offsetof(struct parsed_mail, bounce_rcpt),
	offsetof(struct parsed_mail, error),
};
#define NSTR ARRAY_LEN(str_fields)

static inline char **
str_at(struct parsed_mail *m, size_t i)
{
	return (char **)((char *)m + str_fields[i]);
}

static inline void
put32(struct buf *b, uint32_t v)
{
	buf_add(b, (const char *)&v, sizeof v);
}

static inline void
put64(struct buf *b, uint64_t v)
{
	buf_add(b, (const char *)&v, sizeof v);
}

#endif
