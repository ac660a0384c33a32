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
 *
 * The mailbox operations (select, create, fetch, flag, move) are in
 * imap_mailbox.c; what both files share is in imap_int.h.
 */
#include "imap.h"
#include "imap_int.h"
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

/* Longest chain we bother to verify. */
#define IMAP_MAX_CHAIN 16
/* LOGOUT must not keep a shutting-down daemon waiting. */
#define IMAP_LOGOUT_TIMEOUT_S 5

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
int
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
	log_debug("event=login transport=imap server=%s:%d user=%s idle=%d move=%d uidplus=%d", s->host, port, s->user,
		  im->has_idle, im->has_move, im->has_uidplus);
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
