/*
 * authres.h - read Authentication-Results header fields (RFC 8601) and decide
 * whether the receiving MTA proved the From domain by DKIM or DMARC.
 *
 * A pure module: no global state, no I/O; any thread may call it.  Input is
 * one unfolded header value (or several joined by "\n"), any bytes up to the
 * terminating NUL; parsing is linear in the input and never recursive.
 */
#ifndef MB_AUTHRES_H
#define MB_AUTHRES_H

#include <stddef.h>

/* Limits past which a header is refused as not valid. */
#define AUTHRES_MAX_COMMENT_DEPTH 32 /* nested "(...)" */
#define AUTHRES_MAX_RESULTS 1000     /* resinfos in one header */
#define AUTHRES_MAX_PROPS 100        /* propspecs in one resinfo */

/* "ptype.property=value": ptype and property lower-cased; value as written,
 * a quoted-string without its quotes and backslashes.  A quoted local-part
 * followed by "@domain" ("\"a b\"@example.test") is kept as written, quotes
 * included. */
struct authres_prop {
	char *ptype;
	char *property;
	char *value;
};

/* One resinfo: "method[/version]=result [reason=value] [props]".  method and
 * result lower-cased; version is 1 when none is written; reason is NULL when
 * absent (else unquoted); props has nprops entries (NULL when 0). */
struct authres_res {
	char *method;
	int version;
	char *result;
	char *reason;
	struct authres_prop *props;
	size_t nprops;
};

/* One header: authserv_id unquoted, as written; version 1 when none is
 * written; res has nres entries (NULL and 0 for the "none" no-result form). */
struct authres {
	char *authserv_id;
	int version;
	struct authres_res *res;
	size_t nres;
};

/*
 * Parse ONE Authentication-Results header value (the text after the colon,
 * unfolded; CR, LF and TAB count as white space).  Returns 0 and fills *out,
 * or -1 if value is NULL or not a valid header, with *out zeroed.  The whole
 * header is refused for any error (a broken resinfo, an unclosed comment or
 * quoted-string, comments nested deeper than AUTHRES_MAX_COMMENT_DEPTH, more
 * than AUTHRES_MAX_RESULTS/AUTHRES_MAX_PROPS): nothing half-read is returned.
 *
 * Leniencies beyond the RFC 8601 ABNF (none of them can turn text into a
 * result): empty resinfos (";;", a trailing ";") are skipped; an unquoted
 * pvalue or reason may hold any byte but white space, controls and
 * ( ) ; " \ (so "header.b=ab/c+d=" and "smtp.helo=[192.0.2.1]" are read);
 * reason may also come after the props.  A methodspec only ever starts after
 * a ";" outside comments and quoted-strings.
 *
 * Ownership: every string and array in *out is allocated here and belongs to
 * the caller, who releases all of it with authres_free().
 */
int authres_parse(const char *value, struct authres *out);

/* Free everything authres_parse() put into *a and zero it.  NULL, a zeroed
 * struct and a second call are harmless. */
void authres_free(struct authres *a);

/*
 * 1 if DKIM signing domain d is aligned with from_domain in the relaxed DMARC
 * sense: equal, or a parent domain of it ("example.test" for
 * "sub.example.test").  Both must be plain LDH domain names (ASCII letters,
 * digits, '-', labels of 1..63) and d must contain a dot; comparison ignores
 * ASCII case and one trailing dot.  There is no public-suffix list: a
 * "co.uk" signature is aligned with "x.co.uk".  0 otherwise, also for NULL.
 */
int authres_domain_aligned(const char *d, const char *from_domain);

enum authres_proof { AUTHRES_NONE = 0, AUTHRES_DKIM = 1, AUTHRES_DMARC = 2 };

/*
 * Staff/identity proof from the topmost Authentication-Results header that
 * names authserv_id.
 *
 * headers: every Authentication-Results value of the mail, topmost first,
 * separated by '\n' (parsed_mail.auth_results from bot/mime.c); may be NULL.
 * Each value must be unfolded (no '\n' inside), as mime.c leaves them.
 * Blank lines are skipped.  Only the FIRST header whose authserv-id equals
 * authserv_id (ASCII case-insensitive, a quoted id unquoted) is consulted;
 * any later one naming the same id is ignored (a forgery placed below the
 * MTA's own), and headers naming other ids are ignored.  A header above ours
 * whose authserv-id cannot be read at all, or our own header not parsing,
 * gives AUTHRES_NONE (fail closed).  from_domain is the domain of the mail's
 * From address.
 *
 * In the consulted header (whose version must be 1):
 *   - a dmarc result "fail", or a dmarc result whose header.from differs from
 *     from_domain, vetoes everything: AUTHRES_NONE;
 *   - else AUTHRES_DMARC if a dmarc=pass has a header.from equal to
 *     from_domain (ASCII case-insensitive, one trailing dot ignored);
 *   - else AUTHRES_DKIM if a dkim=pass has exactly one header.d and
 *     authres_domain_aligned(header.d, from_domain);
 *   - else AUTHRES_NONE.
 * Method versions other than 1 ("dkim/2") are not counted.  Text anywhere
 * else (comments, quoted-strings, reasons, other properties such as
 * header.i) never counts.
 *
 * *why (why may be NULL) is set to a static string for a log line: why
 * there is no proof ("no Authentication-Results from our authserv-id",
 * "dkim pass not aligned", ...) or which proof there is ("dmarc pass",
 * "aligned dkim pass").
 */
enum authres_proof authres_proof(const char *headers, const char *authserv_id, const char *from_domain,
				 const char **why);

#endif
