/*
 * imap.c - the IMAP side of the mail transport, on top of libetpan's mailimap.
 *
 * One struct imap is one connection; it is used by one thread at a time (the
 * mail transport's).  Three things libetpan does not do for us live here:
 *
 *  - certificate checking: Debian's libetpan (GnuTLS) accepts any server
 *    certificate, so right after the handshake, before LOGIN, the peer chain
 *    is verified with a GnuTLS trust list (system store + optional ca_file)
 *    including the host name and the TLS server purpose;
 *  - bounded fetching: bodies are fetched in batches so a big mailbox never
 *    sits in memory at once (libetpan keeps a whole response in memory);
 *  - a usable IDLE: libetpan only sends IDLE and DONE.  Waiting (on the
 *    socket and the caller's wake fd) is done here with poll(), and the
 *    untagged responses libetpan reads and throws away while it waits for
 *    "+ idling" are watched through its logger hook so new mail announced in
 *    that window is not lost.
 *
 * Every libetpan result goes through imap_rc(), which maps it to the scoped
 * codes of imap.h and marks the connection dead on IMAP_ERR_CONN so later
 * calls fail fast without touching the stream.
 *
 * libetpan writes with send(fd, .., 0) and GnuTLS likewise, so a write to a
 * connection the server has closed raises SIGPIPE: the process must ignore
 * SIGPIPE (main does; so does the test driver).
 */
#include "imap.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

/* Bodies fetched per UID FETCH: bounds memory (libetpan buffers a whole
 * response) while keeping round trips few. */
#define IMAP_BATCH_MSGS 50
#define IMAP_BATCH_BYTES (8u << 20)
/* UID ranges per command line, so a scattered set never exceeds the
 * server's line limit (Dovecot: 64 KiB). */
#define IMAP_SET_RANGES 500
/* Longest chain we bother to verify. */
#define IMAP_MAX_CHAIN 16
/* LOGOUT must not keep a shutting-down daemon waiting. */
#define IMAP_LOGOUT_TIMEOUT_S 5

struct imap {
	mailimap *mi;
	char *host;
	int dead; /* an IMAP_ERR_CONN happened: only imap_close() is left */
	int has_idle;
	int has_move;
	int has_uidplus;
	int idle_news; /* the IDLE logger saw EXISTS/RECENT */
	char tail[8];  /* last bytes the IDLE logger saw (matches across reads) */
	size_t tail_len;
	char last[256]; /* sanitised text of the last server response */
};

struct imap_meta {
	uint32_t uid;
	uint32_t size;
};

static void imap_seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
imap_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Copy the server's last response text, printable ASCII only: it ends up in
 * logs and must not carry control characters. */
static void
imap_note_response(struct imap *im)
{
	const char *s = im->mi ? im->mi->imap_response : NULL;
	size_t i = 0;

	if (s) {
		for (; *s && i + 1 < sizeof(im->last); s++)
			im->last[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	}
	im->last[i] = '\0';
}

/* libetpan result -> scoped code.  Anything that leaves the stream in an
 * unknown state (I/O, parse error, wrong state) is a connection error. */
static int
imap_rc(struct imap *im, int r)
{
	switch (r) {
	case MAILIMAP_NO_ERROR:
	case MAILIMAP_NO_ERROR_AUTHENTICATED:
	case MAILIMAP_NO_ERROR_NON_AUTHENTICATED:
		return IMAP_OK;
	case MAILIMAP_ERROR_BAD_STATE:
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_PROTOCOL:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
	case MAILIMAP_ERROR_SSL:
	case MAILIMAP_ERROR_STARTTLS:
		im->dead = 1;
		return IMAP_ERR_CONN;
	case MAILIMAP_ERROR_LOGIN:
	case MAILIMAP_ERROR_SASL:
		imap_note_response(im);
		return IMAP_ERR_AUTH;
	default:
		imap_note_response(im);
		return IMAP_ERR_MSG;
	}
}

static int
imap_is_ip_literal(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* Called by libetpan before the handshake: send SNI for names (never for IP
 * literals, RFC 6066 §3). */
static void
imap_tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	struct imap *im = data;

	if (!imap_is_ip_literal(im->host))
		mailstream_ssl_set_server_name(ctx, im->host);
}

/* Short reason for a GnuTLS verification status, e.g. "signer not found". */
static void
imap_tls_status_text(unsigned status, char *out, size_t outlen)
{
	static const struct {
		unsigned bit;
		const char *text;
	} reasons[] = {
		{GNUTLS_CERT_SIGNER_NOT_FOUND, "signer not found"},
		{GNUTLS_CERT_UNEXPECTED_OWNER, "host name does not match"},
		{GNUTLS_CERT_EXPIRED, "expired"},
		{GNUTLS_CERT_NOT_ACTIVATED, "not yet valid"},
		{GNUTLS_CERT_REVOKED, "revoked"},
		{GNUTLS_CERT_SIGNATURE_FAILURE, "bad signature"},
		{GNUTLS_CERT_INSECURE_ALGORITHM, "insecure algorithm"},
		{GNUTLS_CERT_SIGNER_NOT_CA, "signer is not a CA"},
		{GNUTLS_CERT_PURPOSE_MISMATCH, "not for TLS servers"},
		{GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "signer constraints violated"},
	};
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(reasons); i++) {
		if (!(status & reasons[i].bit))
			continue;
		int n = snprintf(out + used, outlen - used, "%s%s", used ? ", " : "", reasons[i].text);
		if (n < 0 || (size_t)n >= outlen - used)
			return;
		used += (size_t)n;
	}
	if (!used)
		snprintf(out, outlen, "verification status 0x%x", status);
}

/* Verify the peer chain of a fresh TLS connection: trusted by the system
 * store or ca_file, valid now, issued for im->host, usable by a TLS server. */
static int
imap_tls_verify(struct imap *im, const char *ca_file, char *err, size_t errlen)
{
	carray *chain = NULL;
	gnutls_x509_crt_t crts[IMAP_MAX_CHAIN];
	unsigned ncrt = 0, status = 0;
	gnutls_x509_trust_list_t tl = NULL;
	char why[160];
	int rc = IMAP_ERR_TLS, r, nsys;

	chain = mailstream_get_certificate_chain(im->mi->imap_stream);
	if (!chain || carray_count(chain) == 0) {
		imap_seterr(err, errlen, "no certificate from %s", im->host);
		goto out;
	}
	for (unsigned i = 0; i < carray_count(chain) && i < IMAP_MAX_CHAIN; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = {(unsigned char *)der->str, (unsigned)der->len};

		if (gnutls_x509_crt_init(&crts[ncrt]) < 0)
			fatal("gnutls_x509_crt_init: out of memory");
		ncrt++;
		if (gnutls_x509_crt_import(crts[ncrt - 1], &d, GNUTLS_X509_FMT_DER) < 0) {
			imap_seterr(err, errlen, "certificate of %s cannot be parsed", im->host);
			goto out;
		}
	}

	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		fatal("gnutls_x509_trust_list_init: out of memory");
	nsys = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (ca_file && *ca_file) {
		r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			imap_seterr(err, errlen, "cannot load CA file %s: %s", ca_file,
				    r < 0 ? gnutls_strerror(r) : "no certificates in it");
			goto out;
		}
	} else if (nsys <= 0) {
		imap_seterr(err, errlen, "no system trust store to verify %s against", im->host);
		goto out;
	}

	/* GNUTLS_DT_DNS_HOSTNAME also matches IP literals against IP SANs. */
	gnutls_typed_vdata_st vd[2] = {
		{GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)im->host, 0},
		{GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0},
	};
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, ncrt, vd, 2, 0, &status, NULL);
	if (r < 0) {
		imap_seterr(err, errlen, "certificate of %s not verified: %s", im->host, gnutls_strerror(r));
		goto out;
	}
	if (status != 0) {
		imap_tls_status_text(status, why, sizeof(why));
		imap_seterr(err, errlen, "certificate of %s not trusted: %s", im->host, why);
		goto out;
	}
	rc = IMAP_OK;
out:
	if (tl)
		gnutls_x509_trust_list_deinit(tl, 1);
	for (unsigned i = 0; i < ncrt; i++)
		gnutls_x509_crt_deinit(crts[i]);
	if (chain)
		mailstream_certificate_chain_free(chain);
	return rc;
}

/* Ask for CAPABILITY after login: the pre-login list (from the greeting)
 * lacks most extensions. */
static int
imap_load_caps(struct imap *im)
{
	struct mailimap_capability_data *caps = NULL;
	int r = mailimap_capability(im->mi, &caps);

	if (r != MAILIMAP_NO_ERROR)
		return imap_rc(im, r);
	mailimap_capability_data_free(caps);
	im->has_idle = mailimap_has_idle(im->mi);
	im->has_move = mailimap_has_extension(im->mi, "MOVE");
	im->has_uidplus = mailimap_has_extension(im->mi, "UIDPLUS");
	return IMAP_OK;
}

int
imap_open(struct imap **out, const struct imap_settings *s, char *err, size_t errlen)
{
	struct imap *im = NULL;
	int port, r, rc;

	*out = NULL;
	imap_seterr(err, errlen, "%s", "");
	if (!s->host || !*s->host || !s->user || !s->password) {
		imap_seterr(err, errlen, "IMAP host, user and password are required");
		return IMAP_ERR_MSG;
	}
	if (!s->tls && !is_loopback_host(s->host)) {
		imap_seterr(err, errlen, "plain imap:// to %s refused: only loopback may skip TLS, use imaps://",
			    s->host);
		return IMAP_ERR_TLS;
	}
	if (s->port < 0 || s->port > 65535) {
		imap_seterr(err, errlen, "bad IMAP port %d", s->port);
		return IMAP_ERR_MSG;
	}
	port = s->port ? s->port : (s->tls ? 993 : 143);

	im = xcalloc(1, sizeof(*im));
	im->host = xstrdup(s->host);
	im->mi = mailimap_new(0, NULL);
	if (!im->mi)
		fatal("mailimap_new: out of memory");
	/* Bounds connect, handshake and every read/write of this session. */
	mailimap_set_timeout(im->mi, s->timeout_s > 0 ? s->timeout_s : 60);

	if (s->tls)
		r = mailimap_ssl_connect_with_callback(im->mi, s->host, (uint16_t)port, imap_tls_setup, im);
	else
		r = mailimap_socket_connect(im->mi, s->host, (uint16_t)port);
	if (imap_rc(im, r) != IMAP_OK) {
		imap_seterr(err, errlen, "cannot connect to %s:%d: %s", s->host, port,
			    r == MAILIMAP_ERROR_CONNECTION_REFUSED       ? "connection failed"
			    : r == MAILIMAP_ERROR_SSL                    ? "TLS handshake failed"
			    : r == MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION ? "server refused (BYE)"
									 : "no IMAP greeting");
		rc = IMAP_ERR_CONN;
		goto out;
	}
	/* Nothing but the handshake and the greeting has happened yet. */
	if (s->tls && (rc = imap_tls_verify(im, s->ca_file, err, errlen)) != IMAP_OK) {
		im->dead = 1; /* say nothing more (not even LOGOUT) to that peer */
		goto out;
	}

	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		/* libetpan sends the password as a quoted string or literal; no
		 * logger is installed, so it is never logged. */
		r = mailimap_login(im->mi, s->user, s->password);
		if ((rc = imap_rc(im, r)) != IMAP_OK) {
			if (rc == IMAP_ERR_CONN)
				imap_seterr(err, errlen, "connection to %s lost during login", s->host);
			else {
				rc = IMAP_ERR_AUTH;
				imap_seterr(err, errlen, "login as %s refused by %s: %s", s->user, s->host, im->last);
			}
			goto out;
		}
	}
	if ((rc = imap_load_caps(im)) != IMAP_OK) {
		imap_seterr(err, errlen, "CAPABILITY failed on %s", s->host);
		if (rc != IMAP_ERR_CONN)
			rc = IMAP_ERR_CONN; /* a server that cannot say CAPABILITY is unusable */
		goto out;
	}
	log_debug("imap: logged in to %s:%d as %s (idle=%d move=%d uidplus=%d)", s->host, port, s->user, im->has_idle,
		  im->has_move, im->has_uidplus);
	*out = im;
	im = NULL;
	rc = IMAP_OK;
out:
	if (im)
		imap_close(im);
	return rc;
}

void
imap_close(struct imap *im)
{
	if (!im)
		return;
	if (im->mi) {
		if (!im->dead && im->mi->imap_stream) {
			mailstream_low_set_timeout(im->mi->imap_stream->low, IMAP_LOGOUT_TIMEOUT_S);
			mailimap_logout(im->mi); /* closes the stream */
		}
		/* mailimap_free() would send LOGOUT on a stream still open: on
		 * a dead or untrusted connection just close it */
		if (im->mi->imap_stream) {
			mailstream_close(im->mi->imap_stream);
			im->mi->imap_stream = NULL;
		}
		mailimap_free(im->mi);
	}
	free(im->host);
	free(im);
}

const char *
imap_last_response(const struct imap *im)
{
	return im->last;
}

int
imap_has_idle(const struct imap *im)
{
	return im->has_idle;
}

int
imap_select(struct imap *im, const char *folder, uint32_t *uidvalidity, uint32_t *uidnext)
{
	int r, rc;

	if (im->dead)
		return IMAP_ERR_CONN;
	r = mailimap_select(im->mi, folder);
	if ((rc = imap_rc(im, r)) != IMAP_OK)
		return rc;
	if (uidvalidity)
		*uidvalidity = im->mi->imap_selection_info ? im->mi->imap_selection_info->sel_uidvalidity : 0;
	if (uidnext)
		*uidnext = im->mi->imap_selection_info ? im->mi->imap_selection_info->sel_uidnext : 0;
	return IMAP_OK;
}

/* 1 if LIST shows folder exists. */
static int
imap_folder_exists(struct imap *im, const char *folder)
{
	clist *list = NULL;
	int found = 0;
	int r = mailimap_list(im->mi, "", folder, &list);

	if (r != MAILIMAP_NO_ERROR)
		return imap_rc(im, r) == IMAP_ERR_CONN ? IMAP_ERR_CONN : 0;
	for (clistiter *it = clist_begin(list); it; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		if (mb->mb_name && strcmp(mb->mb_name, folder) == 0)
			found = 1;
	}
	mailimap_list_result_free(list);
	return found;
}

int
imap_create(struct imap *im, const char *folder)
{
	int r, rc;

	if (im->dead)
		return IMAP_ERR_CONN;
	r = mailimap_create(im->mi, folder);
	if ((rc = imap_rc(im, r)) != IMAP_ERR_MSG)
		return rc;
	/* "Already exists" is worded differently by every server (Dovecot:
	 * NO [ALREADYEXISTS]); LIST is the portable way to tell. */
	r = imap_folder_exists(im, folder);
	if (r < 0)
		return r;
	return r ? IMAP_OK : IMAP_ERR_MSG;
}

static int
imap_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Run op on uids as compact UID sets ("3:7,9,12:14"), at most
 * IMAP_SET_RANGES ranges per command.  UID 0 (libetpan's "*") is dropped.
 */
static int
imap_for_uid_sets(struct imap *im, const uint32_t *uids, size_t n,
		  int (*op)(struct imap *, struct mailimap_set *, const void *), const void *arg)
{
	uint32_t *v;
	size_t i = 0;
	int rc = IMAP_OK;

	if (im->dead)
		return IMAP_ERR_CONN;
	if (n == 0)
		return IMAP_OK;
	v = xmalloc(n * sizeof(*v));
	memcpy(v, uids, n * sizeof(*v));
	qsort(v, n, sizeof(*v), imap_uid_cmp);
	while (i < n && v[i] == 0)
		i++;
	while (i < n) {
		struct mailimap_set *set = mailimap_set_new_empty();
		size_t ranges = 0;

		if (!set)
			fatal("mailimap_set_new_empty: out of memory");
		while (i < n && ranges < IMAP_SET_RANGES) {
			uint32_t first = v[i];
			while (i + 1 < n && (v[i + 1] == v[i] || v[i + 1] == v[i] + 1))
				i++;
			if (mailimap_set_add_interval(set, first, v[i]) != MAILIMAP_NO_ERROR)
				fatal("mailimap_set_add_interval: out of memory");
			ranges++;
			i++;
		}
		rc = op(im, set, arg);
		mailimap_set_free(set);
		if (rc != IMAP_OK)
			break;
	}
	free(v);
	return rc;
}

/* UID STORE set +FLAGS.SILENT (flag) */
static int
imap_store_add(struct imap *im, struct mailimap_set *set, struct mailimap_flag *flag)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *sa;
	int r;

	if (!fl || !flag || mailimap_flag_list_add(fl, flag) != MAILIMAP_NO_ERROR)
		fatal("mailimap flag list: out of memory");
	sa = mailimap_store_att_flags_new_add_flags_silent(fl);
	if (!sa)
		fatal("mailimap store: out of memory");
	r = mailimap_uid_store(im->mi, set, sa);
	mailimap_store_att_flags_free(sa);
	return imap_rc(im, r);
}

static int
imap_op_seen(struct imap *im, struct mailimap_set *set, const void *arg)
{
	(void)arg;
	return imap_store_add(im, set, mailimap_flag_new_seen());
}

static int
imap_op_move(struct imap *im, struct mailimap_set *set, const void *arg)
{
	const char *folder = arg;
	int rc;

	if (im->has_move)
		return imap_rc(im, mailimap_uid_move(im->mi, set, folder));
	if ((rc = imap_rc(im, mailimap_uid_copy(im->mi, set, folder))) != IMAP_OK)
		return rc;
	if ((rc = imap_store_add(im, set, mailimap_flag_new_deleted())) != IMAP_OK)
		return rc;
	/* Without UIDPLUS, EXPUNGE also removes what other clients marked
	 * \Deleted; nothing better exists on such servers. */
	if (im->has_uidplus)
		return imap_rc(im, mailimap_uid_expunge(im->mi, set));
	return imap_rc(im, mailimap_expunge(im->mi));
}

int
imap_move(struct imap *im, const uint32_t *uids, size_t n, const char *folder)
{
	if (!folder)
		return imap_flag_seen(im, uids, n);
	return imap_for_uid_sets(im, uids, n, imap_op_move, folder);
}

int
imap_flag_seen(struct imap *im, const uint32_t *uids, size_t n)
{
	return imap_for_uid_sets(im, uids, n, imap_op_seen, NULL);
}

static int
imap_meta_cmp(const void *a, const void *b)
{
	const struct imap_meta *x = a, *y = b;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* UID and the body section (or size) of one FETCH response; 0 if it has no UID. */
static uint32_t
imap_att_parse(struct mailimap_msg_att *att, uint32_t *size, const char **body, size_t *len)
{
	uint32_t uid = 0;

	for (clistiter *it = clist_begin(att->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		struct mailimap_msg_att_static *st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			if (size)
				*size = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			if (body && st->att_data.att_body_section->sec_body_part) {
				*body = st->att_data.att_body_section->sec_body_part;
				*len = st->att_data.att_body_section->sec_length;
			}
			break;
		default:
			break;
		}
	}
	return uid;
}

/* UID + RFC822.SIZE of every message with UID > after, sorted, at most max.
 * *out is xmalloc'ed (caller frees), *n its length. */
static int
imap_fetch_meta(struct imap *im, uint32_t after, size_t max, struct imap_meta **out, size_t *n)
{
	struct mailimap_set *set = NULL;
	struct mailimap_fetch_type *ft = NULL;
	clist *list = NULL;
	struct imap_meta *m = NULL;
	size_t cnt = 0;
	int r, rc;

	*out = NULL;
	*n = 0;
	set = mailimap_set_new_interval(after + 1, 0); /* after+1:* */
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (!set || !ft || mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid()) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size()) != 0)
		fatal("mailimap fetch type: out of memory");
	r = mailimap_uid_fetch(im->mi, set, ft, &list);
	if ((rc = imap_rc(im, r)) != IMAP_OK)
		goto out;
	m = xmalloc((clist_count(list) + 1) * sizeof(*m));
	for (clistiter *it = clist_begin(list); it; it = clist_next(it)) {
		uint32_t size = 0;
		uint32_t uid = imap_att_parse(clist_content(it), &size, NULL, NULL);
		/* "*" names the last message even when its UID <= after. */
		if (uid > after)
			m[cnt++] = (struct imap_meta){uid, size};
	}
	qsort(m, cnt, sizeof(*m), imap_meta_cmp);
	/* drop duplicates (unsolicited FETCH responses may repeat a UID) */
	size_t w = 0;
	for (size_t i = 0; i < cnt; i++)
		if (w == 0 || m[w - 1].uid != m[i].uid)
			m[w++] = m[i];
	cnt = w < max ? w : max;
	*out = m;
	*n = cnt;
	m = NULL;
out:
	free(m);
	if (list)
		mailimap_fetch_list_free(list);
	if (ft)
		mailimap_fetch_type_free(ft);
	if (set)
		mailimap_set_free(set);
	return rc;
}

/* Fetch BODY.PEEK[] of the messages in meta[0..n) that are <= max_fetch and
 * call fn for all of them in order.  Returns 0, fn's non-zero value, or a
 * negative code; *passed counts the calls of fn. */
static int
imap_fetch_batch(struct imap *im, const struct imap_meta *meta, size_t n, size_t max_fetch, imap_msg_fn fn, void *ud,
		 size_t *passed)
{
	struct mailimap_set *set = NULL;
	struct mailimap_fetch_type *ft = NULL;
	struct mailimap_section *sec;
	clist *list = NULL;
	const char **body = NULL;
	size_t *len = NULL, want = 0;
	int r, rc = IMAP_OK;

	body = xcalloc(n, sizeof(*body));
	len = xcalloc(n, sizeof(*len));
	set = mailimap_set_new_empty();
	if (!set)
		fatal("mailimap_set_new_empty: out of memory");
	for (size_t i = 0; i < n; i++) {
		if (meta[i].size > max_fetch)
			continue;
		/* meta is sorted: extend the previous range when contiguous */
		clistiter *last = clist_end(set->set_list);
		struct mailimap_set_item *it = last ? clist_content(last) : NULL;
		if (it && it->set_last + 1 == meta[i].uid)
			it->set_last = meta[i].uid;
		else if (mailimap_set_add_interval(set, meta[i].uid, meta[i].uid) != 0)
			fatal("mailimap_set_add_interval: out of memory");
		want++;
	}
	if (want) {
		sec = mailimap_section_new(NULL);
		ft = mailimap_fetch_type_new_fetch_att_list_empty();
		if (!sec || !ft || mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid()) != 0 ||
		    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_body_peek_section(sec)) != 0)
			fatal("mailimap fetch type: out of memory");
		r = mailimap_uid_fetch(im->mi, set, ft, &list);
		if ((rc = imap_rc(im, r)) != IMAP_OK)
			goto out;
		for (clistiter *ci = clist_begin(list); ci; ci = clist_next(ci)) {
			const char *b = NULL;
			size_t l = 0;
			uint32_t uid = imap_att_parse(clist_content(ci), NULL, &b, &l);
			if (!b)
				continue; /* a flag update, not our data */
			struct imap_meta key = {uid, 0};
			const struct imap_meta *hit = bsearch(&key, meta, n, sizeof(*meta), imap_meta_cmp);
			if (hit) {
				body[hit - meta] = b;
				len[hit - meta] = l;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (meta[i].size > max_fetch)
			r = fn(ud, meta[i].uid, NULL, meta[i].size);
		else if (body[i])
			r = fn(ud, meta[i].uid, body[i], len[i]);
		else
			continue; /* expunged since the size fetch */
		(*passed)++;
		if (r != 0) {
			rc = r;
			goto out;
		}
	}
out:
	if (list)
		mailimap_fetch_list_free(list);
	if (ft)
		mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	free(body);
	free(len);
	return rc;
}

int
imap_fetch_after(struct imap *im, uint32_t after_uid, size_t max, size_t max_fetch, imap_msg_fn fn, void *ud)
{
	struct imap_meta *meta = NULL;
	size_t n = 0, i = 0, passed = 0;
	int rc;

	if (im->dead)
		return IMAP_ERR_CONN;
	if (max == 0 || after_uid == UINT32_MAX)
		return 0;
	if ((rc = imap_fetch_meta(im, after_uid, max, &meta, &n)) != IMAP_OK)
		goto out;
	while (i < n) {
		size_t j = i, bodies = 0, bytes = 0;

		/* a batch: up to IMAP_BATCH_MSGS bodies / IMAP_BATCH_BYTES (at
		 * least one body); skipped (too large) messages ride along */
		while (j < n) {
			if (meta[j].size <= max_fetch) {
				if (bodies == IMAP_BATCH_MSGS || (bodies && bytes + meta[j].size > IMAP_BATCH_BYTES))
					break;
				bodies++;
				bytes += meta[j].size;
			}
			j++;
		}
		rc = imap_fetch_batch(im, meta + i, j - i, max_fetch, fn, ud, &passed);
		if (rc != 0)
			goto out;
		i = j;
	}
	rc = (int)(passed > INT_MAX ? INT_MAX : passed);
out:
	free(meta);
	return rc;
}

/* Logger hook, installed only while entering IDLE: libetpan parses and
 * discards untagged responses that arrive before "+ idling", so an EXISTS in
 * that window would be lost.  Only received data is looked at (the only data
 * sent then is "tag IDLE"). */
static void
imap_idle_logger(mailimap *mi, int type, const char *str, size_t size, void *ctx)
{
	struct imap *im = ctx;
	char edge[sizeof(im->tail) * 2];
	size_t keep = sizeof(im->tail) - 1, k = im->tail_len, m;

	(void)mi;
	if (type != MAILSTREAM_LOG_TYPE_DATA_RECEIVED || !str || size == 0)
		return;
	if (memmem(str, size, " EXISTS", 7) || memmem(str, size, " RECENT", 7))
		im->idle_news = 1;
	/* a word split across two reads: look at old tail + new head */
	m = size < keep ? size : keep;
	memcpy(edge, im->tail, k);
	memcpy(edge + k, str, m);
	if (memmem(edge, k + m, " EXISTS", 7) || memmem(edge, k + m, " RECENT", 7))
		im->idle_news = 1;
	if (size >= keep) {
		memcpy(im->tail, str + size - keep, keep);
		im->tail_len = keep;
	} else {
		size_t tot = k + m, from = tot > keep ? tot - keep : 0;
		memmove(im->tail, edge + from, tot - from);
		im->tail_len = tot - from;
	}
}

/* 1 if EXISTS or RECENT arrived since the last reset. */
static int
imap_take_news(struct imap *im)
{
	struct mailimap_selection_info *si = im->mi->imap_selection_info;
	int news = im->idle_news || (si && (si->sel_has_exists || si->sel_has_recent));

	im->idle_news = 0;
	if (si) {
		si->sel_has_exists = 0;
		si->sel_has_recent = 0;
	}
	return news;
}

int
imap_idle(struct imap *im, int timeout_ms, int wake_fd)
{
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int fd, r, woke = 0;

	if (im->dead)
		return IMAP_ERR_CONN;
	if (!im->has_idle)
		return IMAP_ERR_MSG;
	(void)imap_take_news(im);
	for (;;) {
		im->tail_len = 0;
		mailimap_set_logger(im->mi, imap_idle_logger, im);
		r = mailimap_idle(im->mi);
		mailimap_set_logger(im->mi, NULL, NULL);
		if (r != MAILIMAP_NO_ERROR) {
			/* also libetpan's parser choking on what came before
			 * "+ idling": the stream position is unknown */
			im->dead = 1;
			return IMAP_ERR_CONN;
		}
		fd = mailimap_idle_get_fd(im->mi);
		if (fd < 0) {
			im->dead = 1;
			return IMAP_ERR_CONN;
		}
		for (;;) {
			struct pollfd pfd[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
			int64_t left = deadline - mono_ms();

			/* data libetpan already read past "+ idling" never
			 * wakes poll() again */
			if (im->idle_news || im->mi->imap_stream->read_buffer_len > 0 || left <= 0)
				break;
			r = poll(pfd, wake_fd >= 0 ? 2 : 1, left > INT_MAX ? INT_MAX : (int)left);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				im->dead = 1;
				return IMAP_ERR_CONN;
			}
			if (wake_fd >= 0 && pfd[1].revents) {
				woke = 1;
				break;
			}
			if (pfd[0].revents)
				break; /* server spoke (or hung up): DONE reads it */
		}
		/* DONE, then read the untagged responses and the tagged OK;
		 * EXISTS/RECENT land in imap_selection_info. */
		r = mailimap_idle_done(im->mi);
		if (r != MAILIMAP_NO_ERROR) {
			im->dead = 1;
			return IMAP_ERR_CONN;
		}
		if (imap_take_news(im))
			return 1;
		/* only chatter ("* OK Still here", flag changes): idle on */
		if (woke || deadline - mono_ms() <= 0)
			return 0;
	}
}

int
imap_noop(struct imap *im)
{
	int rc;

	if (im->dead)
		return IMAP_ERR_CONN;
	(void)imap_take_news(im);
	if ((rc = imap_rc(im, mailimap_noop(im->mi))) != IMAP_OK)
		return rc;
	return imap_take_news(im);
}
