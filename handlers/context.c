/*
 * context.c - reply queueing and small helpers shared by all handlers.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/keyed.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "handlers/handlers.h"

static void
reply_add(struct hctx *h, const char *kind, const char *addr, const char *key, va_list ap)
{
	struct reply r = {xstrdup(kind), xstrdup(addr), xstrdup(key), NULL, 0};
	const char *s;
	while ((s = va_arg(ap, const char *)) != NULL) {
		r.vars = xrealloc(r.vars, (r.nvars + 2) * sizeof *r.vars);
		r.vars[r.nvars++] = xstrdup(s);
	}
	r.vars = xrealloc(r.vars, (r.nvars + 1) * sizeof *r.vars);
	r.vars[r.nvars] = NULL;
	h->replies = xrealloc(h->replies, (h->nreplies + 1) * sizeof *h->replies);
	h->replies[h->nreplies++] = r;
}

void
hctx_reply(struct hctx *h, const char *key, ...)
{
	va_list ap;
	va_start(ap, key);
	reply_add(h, NULL, NULL, key, ap);
	va_end(ap);
}

void
hctx_reply_to(struct hctx *h, const char *kind, const char *addr, const char *key, ...)
{
	va_list ap;
	va_start(ap, key);
	reply_add(h, kind, addr, key, ap);
	va_end(ap);
}

void
hctx_free_replies(struct hctx *h)
{
	for (size_t i = 0; i < h->nreplies; i++) {
		for (size_t j = 0; j < h->replies[i].nvars; j++)
			free(h->replies[i].vars[j]);
		free(h->replies[i].vars);
		free(h->replies[i].key);
		free(h->replies[i].to_kind);
		free(h->replies[i].to_addr);
	}
	free(h->replies);
	h->replies = NULL;
	h->nreplies = 0;
}

/* key rendered in lang with the NULL-ended name, value pairs of ap (at most 16). */
static char *
text_v(const struct hctx *h, const char *lang, const char *key, va_list ap)
{
	const char *vars[33];
	size_t n = 0;
	const char *s;
	while ((s = va_arg(ap, const char *)) != NULL && n < 32)
		vars[n++] = s;
	vars[n] = NULL;
	return tmpl_render(h->tmpl, lang, key, vars);
}

char *
hctx_text(struct hctx *h, const char *key, ...)
{
	va_list ap;
	va_start(ap, key);
	char *t = text_v(h, h->lang, key, ap);
	va_end(ap);
	return t;
}

const char *
hctx_cmd_word(const struct hctx *h, const struct command *c)
{
	/* the first German word that means c to this asker: to staff, "ablehnen" is reject, so
	 * their help shows decline by its English name */
	enum cmd_role role = h->staff ? CMD_ROLE_STAFF : CMD_ROLE_MEMBER;
	if (h->lang && strcmp(h->lang, "de") == 0)
		for (int k = 0; k < CMD_MAX_ALIASES && c->aliases_de[k]; k++)
			if (cmd_by_name_role(c->aliases_de[k], role) == c)
				return c->aliases_de[k];
	return c->name;
}

static const unsigned char *
hctx_key(const struct hctx *h)
{
	if (!h->key)
		fatal("internal error: a handler context without the installation key");
	return h->key;
}

char *
hctx_msgid(const struct hctx *h, const char *base)
{
	const char *from = h->cfg ? h->cfg->smtp.from_addr : NULL;
	const char *at = from ? strrchr(from, '@') : NULL;
	return keyed_msgid_named(hctx_key(h), base, at && at[1] ? at + 1 : "mentorbot.invalid");
}

char *
hctx_plus_addr(const struct hctx *h, const char *purpose, const char *person_addr)
{
	const char *from = h->cfg && h->cfg->smtp.from_addr ? h->cfg->smtp.from_addr : "mentorbot@mentorbot.invalid";
	return keyed_plus_addr(hctx_key(h), from, purpose, person_addr);
}

void
token_new(char out[27])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char r[17];
	random_bytes(r, 16);
	r[16] = 0;
	/* 26 symbols of 5 bits = 130 bits, taken from 136 random bits */
	unsigned int acc = 0, bits = 0;
	size_t j = 0, i = 0;
	while (j < 26) {
		if (bits < 5) {
			acc = (acc << 8) | r[i++];
			bits += 8;
		}
		out[j++] = alphabet[(acc >> (bits - 5)) & 31];
		bits -= 5;
	}
	out[26] = '\0';
}

void
token_hash(const char *token, char out[65])
{
	sha256_hex(token, strlen(token), out);
}

int
hctx_staff_endpoint(const char *s, const char **kind, const char **to)
{
	*kind = "mail", *to = s;
	if (strncmp(s, "xmpp:", 5) == 0)
		*kind = "xmpp", *to = s + 5;
	else if (strncmp(s, "matrix:", 7) == 0)
		*kind = "matrix", *to = s + 7;
	else if (strchr(s, ':'))
		return 0;
	return 1;
}

int
hctx_transport_on(const struct hctx *h, const char *kind)
{
	const struct config *c = h->cfg;
	if (!c || !kind)
		return 1;
	if (strcmp(kind, "mail") == 0)
		return c->smtp.present;
	if (strcmp(kind, "xmpp") == 0)
		return c->xmpp.present;
	if (strcmp(kind, "matrix") == 0)
		return c->matrix.present;
	return 1;
}

/* The keys of templates/<lang>/transports.txt that handlers render. */
const struct tmpl_key tmpl_keys_transports[] = {
	{"transports.mail_off", ""},
	{"transports.chat_off", "transport,target"},
	{"transports.event.mail_off", "count"},
	{NULL, NULL},
};

const char *
hctx_default_lang(const struct hctx *h)
{
	return h->cfg && h->cfg->bot.language && strcmp(h->cfg->bot.language, "en") == 0 ? "en" : "de";
}

char *
hctx_text_in(const struct hctx *h, const char *lang, const char *key, ...)
{
	va_list ap;
	va_start(ap, key);
	char *t = text_v(h, lang, key, ap);
	va_end(ap);
	return t;
}

const char *
hctx_cmd_word_in(const char *lang, const char *name)
{
	const struct command *c = cmd_by_name(name);
	if (!c)
		return name;
	return strcmp(lang, "de") == 0 && c->aliases_de[0] ? c->aliases_de[0] : c->name;
}

int
h_check_nothing(struct hctx *h)
{
	return 0;
}

int
hctx_sender_token(struct hctx *h, const char *kind, const char *payload, int64_t person, int64_t ttl, char tok[27])
{
	char hash[65];
	token_new(tok);
	token_hash(tok, hash);
	struct token t = {0};
	t.kind = (char *)kind;
	t.person = person;
	t.ep_kind = (char *)h->ep_kind;
	t.ep_addr = (char *)h->ep_addr;
	t.payload = (char *)payload;
	t.lang = (char *)h->lang;
	t.expires = now_s() + ttl;
	return state_token_add(h->db, hash, &t, h->reply_msgid);
}
