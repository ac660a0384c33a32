/*
 * logkv.h - values for the key=value fields of a log line.
 *
 * A log line is one event: "event=command channel=mail inbound=12 person=17
 * cmd=join", lower-case keys, values that a shell script or journalctl can
 * match.  A value that is empty or holds a space, '"', '=' or '\' is written
 * in double quotes with '"' and '\' escaped (key="a b").  log_msg (util.h)
 * already turns control characters into spaces, so values never break the
 * line.  Addresses still go through LOG_WHO (logaddr.h) first; bodies,
 * subjects, names and command text are never logged.
 */
#ifndef MB_LOGKV_H
#define MB_LOGKV_H

#define LOG_KV_LEN 256

/* v as a field value: v itself when it needs no quotes, "-" for NULL, else quoted into buf (cut
 * to fit).  The result lives as long as buf and v. */
const char *log_kv(const char *v, char buf[static LOG_KV_LEN]);

/* log_kv with a buffer that lives until the end of the enclosing block:
 * log_info("event=post group=%s", LOG_KV(name)). */
#define LOG_KV(v) log_kv((v), (char[LOG_KV_LEN]){0})

#endif
