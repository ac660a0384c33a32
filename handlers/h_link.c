/*
 * h_link.c - "link <endpoint>": one person, many endpoints.
 *
 * Proof of ownership for both ends.  Chat identities (XMPP JIDs, Matrix user
 * ids) are authenticated by their servers; a mail From is not.  So:
 *   - asked from chat:  the code goes to the endpoint being linked (proving it
 *     receives there) and "confirm <code>" must come from the asking chat
 *     account;
 *   - asked by mail:    the code goes back to that mail address (proving the
 *     request really came from its owner) and "confirm <code>" must come from
 *     the chat account being linked (authenticated by its server).
 * Either way, whoever confirms controls both ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/logaddr.h"
#include "bot/util.h"
#include "handlers/handlers.h"

#define LINK_TTL_S (3 * 24 * 3600)

/* Parse "xmpp:jid", "matrix:@u:server", "@u:server", "mailto:a@b", "a@b". Allocated *addr. */
static int
parse_target(const char *arg, const char **kind, char **addr)
{
	const char *a = arg;
	*addr = NULL;
	if (strncasecmp(a, "xmpp:", 5) == 0) {
		*kind = "xmpp";
		a += 5;
		if (!strchr(a, '@') || strchr(a, '/') || strchr(a, ' '))
			return -1;
	} else if (strncasecmp(a, "matrix:", 7) == 0 || a[0] == '@') {
		*kind = "matrix";
		if (a[0] != '@')
			a += 7;
		if (a[0] != '@' || !strchr(a + 1, ':'))
			return -1;
		*addr = xstrdup(a); /* Matrix ids are case-sensitive in the localpart's history; keep as given */
		return 0;
	} else {
		*kind = "mail";
		if (strncasecmp(a, "mailto:", 7) == 0)
			a += 7;
		const char *at = strchr(a, '@');
		if (!at || at == a || !strchr(at, '.') || strchr(a, ' ') || strchr(a, '<'))
			return -1;
	}
	*addr = xstrdup(a);
	str_lower_ascii(*addr);
	return 0;
}

int
h_link_check(struct hctx *h)
{
	const char *kind;
	char *addr;
	if (parse_target(h->argv[0], &kind, &addr) < 0) {
		hctx_reply(h, "link_bad_target", "target", h->argv[0], NULL);
		return 1;
	}
	int rc = 0;
	if (strcmp(kind, h->ep_kind) == 0 && strcmp(addr, h->ep_addr) == 0) {
		hctx_reply(h, "link_bad_target", "target", h->argv[0], NULL);
		rc = 1;
	} else if (strcmp(kind, "mail") == 0 && strcmp(h->ep_kind, "mail") == 0) {
		/* two mail addresses: neither can vouch for the other's sender; join from the second one */
		hctx_reply(h, "link_mail_to_mail", "target", addr, NULL);
		rc = 1;
	} else if (strchr(h->ep_addr, '/')) {
		/* an anonymous room nick, not an account */
		hctx_reply(h, "link_need_account", NULL);
		rc = 1;
	} else if (!hctx_transport_on(h, kind)) {
		/* the code could not be sent: a row for it would wait for ever */
		if (strcmp(kind, "mail") == 0)
			hctx_reply(h, "transports.mail_off", NULL);
		else
			hctx_reply(h, "transports.chat_off", "transport", strcmp(kind, "xmpp") == 0 ? "XMPP" : "Matrix",
				   "target", h->argv[0], NULL);
		rc = 1;
	}
	free(addr);
	return rc;
}

int
h_link_run(struct hctx *h)
{
	const char *kind;
	char *addr;
	if (parse_target(h->argv[0], &kind, &addr) < 0)
		return 0;
	char tok[27], hash[65];
	token_new(tok);
	token_hash(tok, hash);
	struct token t = {0};
	char *payload;
	char *target_text = xasprintf("%s:%s", kind, addr);
	char *sender_text = xasprintf("%s:%s", h->ep_kind, h->ep_addr);
	t.kind = "link";
	t.person = h->known ? h->person.id : 0;
	t.lang = (char *)h->lang;
	t.expires = now_s() + LINK_TTL_S;
	int rc;
	if (strcmp(h->ep_kind, "mail") == 0) {
		/* the code comes back here; the chat account confirms */
		t.ep_kind = (char *)kind;
		t.ep_addr = addr;
		payload = xasprintf("%s %s", h->ep_kind, h->ep_addr);
		t.payload = payload;
		rc = state_token_add(h->db, hash, &t, h->reply_msgid);
		if (rc == DB_OK)
			hctx_reply(h, "link_code_back", "target", target_text, "token", tok, "hours", "72", NULL);
	} else {
		/* the code goes to the endpoint being linked; this chat account confirms */
		t.ep_kind = (char *)h->ep_kind;
		t.ep_addr = (char *)h->ep_addr;
		payload = xasprintf("%s %s", kind, addr);
		t.payload = payload;
		rc = state_token_add(h->db, hash, &t, NULL);
		if (rc == DB_OK) {
			hctx_reply_to(h, kind, addr, "link_code", "requester", sender_text, "token", tok, "hours", "72",
				      NULL);
			hctx_reply(h, "link_sent", "target", target_text, NULL);
		}
	}
	free(payload);
	free(target_text);
	free(sender_text);
	free(addr);
	return db_failed(rc) ? rc : 0;
}

/* Complete a link token confirmed from t->ep (already checked by the caller). */
int
h_link_apply(struct hctx *h, const struct token *t)
{
	char okind[16] = "", oaddr[320] = "";
	if (sscanf(t->payload ? t->payload : "", "%15s %319s", okind, oaddr) != 2) {
		hctx_reply(h, "confirm_bad_token", NULL);
		return 0;
	}
	struct person p1, p2;
	int r1 = state_person_by_endpoint(h->db, t->ep_kind, t->ep_addr, &p1);
	int r2 = state_person_by_endpoint(h->db, okind, oaddr, &p2);
	int rc = DB_OK;
	int64_t pid = 0;
	if (db_failed(r1) || db_failed(r2)) {
		rc = DB_ERR;
		goto out;
	}
	if (r1 == DB_OK && r2 == DB_OK && p1.id != p2.id) {
		hctx_reply(h, "link_conflict", NULL);
		goto out;
	}
	pid = r1 == DB_OK ? p1.id : (r2 == DB_OK ? p2.id : t->person);
	if (!pid && (rc = state_person_create(h->db, t->lang ? t->lang : h->lang, &pid)) != DB_OK)
		goto out;
	if ((rc = state_endpoint_add(h->db, pid, t->ep_kind, t->ep_addr, 1)) != DB_OK ||
	    (rc = state_endpoint_add(h->db, pid, okind, oaddr, 1)) != DB_OK ||
	    (rc = state_token_use(h->db, t->id)) != DB_OK)
		goto out;
	char *other = xasprintf("%s:%s", okind, oaddr), *mine = xasprintf("%s:%s", t->ep_kind, t->ep_addr);
	hctx_reply(h, "link_done", "a", mine, "b", other, NULL);
	log_info("linked %s and %s", LOG_WHO(mine), LOG_WHO(other));
	free(other);
	free(mine);
out:
	person_free(&p1);
	person_free(&p2);
	return rc;
}
