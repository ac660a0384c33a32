/*
 * proof.c - proof of a mail's From address, for dispatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "commands.h"
#include "config.h"
#include "dispatch_int.h"
#include "handlers/handlers.h"
#include "logaddr.h"
#include "logkv.h"
#include "state/state.h"
#include "util.h"

/* ---- proof of address (mail) ----
 *
 * A mail's From can be forged; a command that changes something runs only
 * when the sender proved the address, in this order:
 *   (a) the mail answers one the bot sent to that very address: a keyed
 *       Message-ID in In-Reply-To/References whose outbox row went to it,
 *       or a plus-address keyed to it in To/Cc;
 *   (b) our MTA (authserv_id) says DMARC or aligned DKIM passed for it;
 *   (c) otherwise the bot keeps the command and mails the address a token:
 *       the owner's reply (or "confirm <token>") runs it.
 */
int
mail_proof(struct mailctx *m, const struct parsed_mail *pm, enum proof *out)
{
	const struct core *core = m->core;
	const char *from = pm->from_addr;
	*out = PROOF_NONE;
	/* (b) first: it needs no database */
	const char *why = NULL;
	if (core->cfg->bot.authserv_id &&
	    authres_proof(pm->auth_results, core->cfg->bot.authserv_id, addr_domain(from), &why) != AUTHRES_NONE) {
		*out = PROOF_AUTH;
		return DB_OK;
	}
	/* (a) the keyed plus-address of this sender */
	for (const char *a = pm->rcpt_addrs ? pm->rcpt_addrs : ""; *a;) {
		size_t n = strcspn(a, " ");
		char *one = xstrndup(a, n);
		int ok = core->bot_addr && keyed_plus_ok(core_key(core), core->bot_addr, one, from);
		free(one);
		if (ok) {
			*out = PROOF_PLUS;
			return DB_OK;
		}
		a += n;
		a += strspn(a, " ");
	}
	/* (a) a Message-ID of a mail the bot sent to this sender */
	struct buf all = BUF_INIT;
	buf_addf(&all, "%s %s", pm->in_reply_to ? pm->in_reply_to : "", pm->references ? pm->references : "");
	char **ids;
	int n = words_split(all.p, &ids, 64), rc = DB_OK;
	for (int i = 0; i < n && rc == DB_OK && *out == PROOF_NONE; i++) {
		if (strcasecmp(addr_domain(ids[i]), core->bot_domain ? core->bot_domain : "") != 0)
			continue;
		char *rcpt = NULL;
		rc = state_outbox_mail_rcpt(m->db, ids[i], &rcpt);
		if (rc == DB_OK && strcasecmp(rcpt, from) == 0)
			*out = PROOF_REPLY;
		if (rc == DB_NOTFOUND)
			rc = DB_OK;
		free(rcpt);
	}
	words_free(ids, n);
	buf_free(&all);
	return db_failed(rc) ? rc : DB_OK;
}

#define CONFIRM_TTL_S (3 * 24 * 3600)
#define CONFIRM_TTL_STAFF_S (7 * 24 * 3600)

/*
 * (c): instead of running what this mail asks, keep it (its journal row)
 * and mail the From address a token; the owner's reply runs it.  what: the
 * command as the owner will recognise it.
 */
int
ask_confirmation(struct mailctx *m, struct hctx *h, const char *what, int staff)
{
	char tok[27], hash[65], payload[24], hours[16];
	int ttl = staff ? CONFIRM_TTL_STAFF_S : CONFIRM_TTL_S;
	token_new(tok);
	token_hash(tok, hash);
	snprintf(payload, sizeof payload, "%lld", (long long)m->row->id);
	snprintf(hours, sizeof hours, "%d", ttl / 3600);
	struct token t = {0};
	t.kind = "cmd";
	t.person = h->known ? h->person.id : 0;
	t.ep_kind = "mail";
	t.ep_addr = (char *)h->ep_addr;
	t.payload = payload;
	t.lang = (char *)h->lang;
	t.expires = now_s() + ttl;
	/* nothing else goes out: the question carries h->reply_msgid, under which the token waits */
	hctx_free_replies(h);
	int rc = state_token_add(h->db, hash, &t, h->reply_msgid);
	if (rc != DB_OK)
		return db_failed(rc) ? rc : DB_ERR;
	char *line = str_one_line(what, 200);
	hctx_reply(h, "confirm_command", "command", line, "address", h->ep_addr, "token", tok, "hours", hours, NULL);
	log_info("event=unproven channel=mail inbound=%lld from=%s cmd=%s action=confirmation_asked",
		 (long long)m->row->id, LOG_WHO(h->ep_addr), LOG_KV(h->cmd ? h->cmd->name : "reply"));
	free(line);
	return DB_OK;
}
