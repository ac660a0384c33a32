/*
 * commands.c - the command table and the look-up functions over it.
 */
#include "commands.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/h_alumni.h"
#include "handlers/h_offer.h"
#include "handlers/h_privacy.h"
#include "handlers/handlers.h"
#include "templates.h"
#include "util.h"

const struct command command_table[] = {
	/* membership (handlers/h_member.c, h_link.c, h_help.c) */
	{
		.name = "help",
		.aliases_en = {"help", "commands", "?"},
		.aliases_de = {"hilfe", "befehle"},
		.min_args = 0,
		.max_args = 1,
		.perm = PERM_ANYONE,
		.writes = CMD_READS,
		.check = h_help_check,
		.proceed = h_help_run,
		.help_key = "cmd.help",
	},
	{
		.name = "join",
		.aliases_en = {"join", "register", "apply", "subscribe"},
		.aliases_de = {"beitreten", "anmelden", "bewerben"},
		.min_args = 0,
		.max_args = 2,
		.perm = PERM_ANYONE,
		.writes = CMD_PROVES_ITSELF,
		.check = h_join_check,
		.proceed = h_join_run,
		.help_key = "cmd.join",
	},
	/* "confirm <token>" confirms a join or link; "confirm <number>" a session (h_session.c) */
	{
		.name = "confirm",
		.aliases_en = {"confirm"},
		.aliases_de = {"bestätigen", "bestaetigen"},
		.min_args = 1,
		.max_args = 1,
		.perm = PERM_ANYONE,
		.writes = CMD_WRITES,
		.check = h_confirm_check,
		.proceed = h_confirm_run,
		.help_key = "cmd.confirm",
	},
	{
		.name = "leave",
		.aliases_en = {"leave", "unsubscribe"},
		.aliases_de = {"austreten", "abmelden"},
		.min_args = 0,
		.max_args = 1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_leave_check,
		.proceed = h_leave_run,
		.help_key = "cmd.leave",
	},
	{
		.name = "profile",
		.aliases_en = {"profile"},
		.aliases_de = {"profil"},
		.min_args = 0,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_profile_check,
		.proceed = h_profile_run,
		.help_key = "cmd.profile",
	},
	{
		.name = "link",
		.aliases_en = {"link"},
		.aliases_de = {"verknüpfen", "verknuepfen"},
		.min_args = 1,
		.max_args = 1,
		.perm = PERM_ANYONE,
		.writes = CMD_PROVES_ITSELF,
		.check = h_link_check,
		.proceed = h_link_run,
		.help_key = "cmd.link",
	},
	{
		.name = "whoami",
		.aliases_en = {"whoami", "who am i"},
		.aliases_de = {"wer bin ich", "werbinich"},
		.min_args = 0,
		.max_args = 0,
		.perm = PERM_ANYONE,
		.writes = CMD_READS,
		.check = h_check_nothing,
		.proceed = h_whoami_run,
		.help_key = "cmd.whoami",
	},
	/* data rights (handlers/h_privacy.c) */
	{
		.name = "my data",
		.aliases_en = {"my data", "export my data"},
		.aliases_de = {"meine daten", "daten exportieren"},
		.min_args = 0,
		.max_args = 0,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES, /* no change, but only to a proven sender */
		.check = h_check_nothing,
		.proceed = h_my_data_run,
		.help_key = "cmd.my_data",
	},
	{
		.name = "delete me",
		.aliases_en = {"delete me", "delete my data"},
		.aliases_de = {"lösche mich", "loesche mich", "daten löschen", "daten loeschen"},
		.min_args = 0,
		.max_args = 0,
		.perm = PERM_MEMBER,
		.writes = CMD_PROVES_ITSELF,
		.check = h_check_nothing,
		.proceed = h_delete_me_run,
		.help_key = "cmd.delete_me",
	},
	/* "agree [programme]": consent to a changed consent text (handlers/h_consent.c) */
	{
		.name = "agree",
		.aliases_en = {"agree"},
		.aliases_de = {"zustimmen", "einwilligen"},
		.min_args = 0,
		.max_args = 1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_agree_check,
		.proceed = h_agree_run,
		.help_key = "cmd.agree",
	},
	/* mentoring (handlers/h_mentoring*.c) */
	{
		.name = "find mentor",
		.aliases_en = {"find mentor", "find a mentor", "find mentors"},
		.aliases_de = {"mentor finden", "mentor suchen", "mentorin finden", "mentorin suchen"},
		.min_args = 0,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_find_mentor_check,
		.proceed = h_find_mentor_run,
		.help_key = "cmd.find_mentor",
	},
	{
		.name = "request",
		.aliases_en = {"request"},
		.aliases_de = {"anfragen"},
		.min_args = 1,
		.max_args = 1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_request_check,
		.proceed = h_request_run,
		.help_key = "cmd.request",
	},
	{
		.name = "accept",
		.aliases_en = {"accept"},
		.aliases_de = {"annehmen"},
		.min_args = 1,
		.max_args = 1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_answer_check,
		.proceed = h_accept_run,
		.help_key = "cmd.accept",
	},
	/* "ablehnen" is also staff's reject: the sender's role decides */
	{
		.name = "decline",
		.aliases_en = {"decline"},
		.aliases_de = {"ablehnen"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_answer_check,
		.proceed = h_decline_run,
		.help_key = "cmd.decline",
	},
	/* the alumni directory (handlers/h_alumni.c; "accept k12"/"decline k12" answer a contact request) */
	{
		.name = "find alumni",
		.aliases_en = {"find alumni", "find alumnus", "find alumna", "search alumni"},
		.aliases_de = {"alumni finden", "alumni suchen"},
		.min_args = 0,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_find_alumni_check,
		.proceed = h_find_alumni_run,
		.help_key = "cmd.find_alumni",
	},
	{
		.name = "contact",
		.aliases_en = {"contact"},
		.aliases_de = {"kontakt"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_contact_check,
		.proceed = h_contact_run,
		.help_key = "cmd.contact",
	},
	/* sessions (handlers/h_session.c) */
	{
		.name = "session",
		.aliases_en = {"session"},
		.aliases_de = {"termin"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_session_check,
		.proceed = h_session_run,
		.help_key = "cmd.session",
	},
	{
		.name = "done",
		.aliases_en = {"done"},
		.aliases_de = {"erledigt"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_session_id_check,
		.proceed = h_session_done_run,
		.help_key = "cmd.done",
	},
	{
		.name = "cancel",
		.aliases_en = {"cancel", "cancel session"},
		.aliases_de = {"termin absagen"},
		.min_args = 1,
		.max_args = 1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_session_id_check,
		.proceed = h_session_cancel_run,
		.help_key = "cmd.cancel",
	},
	/* events and RSVP (handlers/h_event*.c) */
	{
		.name = "events",
		.aliases_en = {"events", "upcoming events"},
		.aliases_de = {"veranstaltungen", "termine"},
		.min_args = 0,
		.max_args = 0,
		.perm = PERM_ANYONE,
		.writes = CMD_READS,
		.check = h_check_nothing,
		.proceed = h_events_run,
		.help_key = "cmd.events",
	},
	{
		.name = "rsvp",
		.aliases_en = {"rsvp"},
		.aliases_de = {"rückmeldung", "rueckmeldung"},
		.min_args = 2,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_rsvp_check,
		.proceed = h_rsvp_run,
		.help_key = "cmd.rsvp",
	},
	{
		.name = "attend",
		.aliases_en = {"attend", "attending"},
		.aliases_de = {"zusage", "zusagen"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_rsvp_check,
		.proceed = h_rsvp_yes_run,
		.help_key = "cmd.attend",
	},
	{
		.name = "regret",
		.aliases_en = {"regret", "not attending"},
		.aliases_de = {"absage", "absagen"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_rsvp_check,
		.proceed = h_rsvp_no_run,
		.help_key = "cmd.regret",
	},
	{
		.name = "maybe",
		.aliases_en = {"maybe", "tentative"},
		.aliases_de = {"vielleicht"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_rsvp_check,
		.proceed = h_rsvp_maybe_run,
		.help_key = "cmd.maybe",
	},
	/* staff: applications and programmes (handlers/h_apply_staff.c, h_programme.c) */
	{
		.name = "pending",
		.aliases_en = {"pending", "applications"},
		.aliases_de = {"ausstehend", "bewerbungen"},
		.min_args = 0,
		.max_args = 1,
		.perm = PERM_STAFF,
		.writes = CMD_READS,
		.check = h_pending_check,
		.proceed = h_pending_run,
		.help_key = "cmd.pending",
	},
	{
		.name = "approve",
		.aliases_en = {"approve"},
		.aliases_de = {"freigeben", "annehmen bewerbung"},
		.min_args = 1,
		.max_args = 1,
		.perm = PERM_STAFF,
		.writes = CMD_WRITES,
		.check = h_approve_check,
		.proceed = h_approve_run,
		.help_key = "cmd.approve",
	},
	{
		.name = "reject",
		.aliases_en = {"reject"},
		.aliases_de = {"zurückweisen", "zurueckweisen", "ablehnen"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_STAFF,
		.writes = CMD_WRITES,
		.check = h_approve_check,
		.proceed = h_reject_run,
		.help_key = "cmd.reject",
	},
	{
		.name = "programme",
		.aliases_en = {"programme", "program"},
		.aliases_de = {"programm"},
		.min_args = 0,
		.max_args = -1,
		.perm = PERM_STAFF,
		.writes = CMD_WRITES,
		.check = h_programme_check,
		.proceed = h_programme_run,
		.help_key = "cmd.programme",
	},
	/* staff: matching and figures (handlers/h_mentoring_cohort.c, h_staff.c) */
	{
		.name = "match",
		.aliases_en = {"match"},
		.aliases_de = {"zuordnen"},
		.min_args = 1,
		.max_args = 2,
		.perm = PERM_STAFF,
		.writes = CMD_WRITES,
		.check = h_match_check,
		.proceed = h_match_run,
		.help_key = "cmd.match",
	},
	{
		.name = "stats",
		.aliases_en = {"stats", "statistics"},
		.aliases_de = {"statistik"},
		.min_args = 0,
		.max_args = 1,
		.perm = PERM_STAFF,
		.writes = CMD_READS,
		.check = h_stats_check,
		.proceed = h_stats_run,
		.help_key = "cmd.stats",
	},
	/* staff: events (handlers/h_event_staff.c) */
	{
		.name = "announce",
		.aliases_en = {"announce"},
		.aliases_de = {"ankündigen", "ankuendigen"},
		.min_args = 0,
		.max_args = -1,
		.perm = PERM_STAFF,
		.writes = CMD_WRITES,
		.check = h_announce_check,
		.proceed = h_announce_run,
		.help_key = "cmd.announce",
	},
	{
		.name = "attendees",
		.aliases_en = {"attendees"},
		.aliases_de = {"teilnehmer", "teilnehmende"},
		.min_args = 1,
		.max_args = 1,
		.perm = PERM_STAFF,
		.writes = CMD_READS,
		.check = h_event_id_check,
		.proceed = h_attendees_run,
		.help_key = "cmd.attendees",
	},
	{
		.name = "attended",
		.aliases_en = {"attended"},
		.aliases_de = {"anwesend"},
		.min_args = 2,
		.max_args = -1,
		.perm = PERM_STAFF,
		.writes = CMD_WRITES,
		.check = h_event_id_check,
		.proceed = h_attended_run,
		.help_key = "cmd.attended",
	},
	/* companies and offers (handlers/h_company.c, h_offer*.c); "firma" and "angebot" name a
	 * member command and a staff command: the sender's role decides */
	{
		.name = "join company",
		.aliases_en = {"join company", "register company"},
		.aliases_de = {"firma", "firma beitreten", "firma anmelden"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_ANYONE,
		.writes = CMD_PROVES_ITSELF,
		.check = h_join_company_check,
		.proceed = h_join_company_run,
		.help_key = "cmd.join_company",
	},
	{
		.name = "offer:",
		.aliases_en = {"offer:", "offer"},
		.aliases_de = {"angebot", "angebot:"},
		.min_args = 0,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_offer_check,
		.proceed = h_offer_run,
		.help_key = "cmd.offer",
	},
	{
		.name = "offers",
		.aliases_en = {"offers"},
		.aliases_de = {"angebote"},
		.min_args = 0,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_READS,
		.check = h_check_nothing,
		.proceed = h_offers_run,
		.help_key = "cmd.offers",
	},
	{
		.name = "interested",
		.aliases_en = {"interested"},
		.aliases_de = {"interesse"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_MEMBER,
		.writes = CMD_WRITES,
		.check = h_interested_check,
		.proceed = h_interested_run,
		.help_key = "cmd.interested",
	},
	{
		.name = "company",
		.aliases_en = {"company"},
		.aliases_de = {"firma"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_STAFF,
		.writes = CMD_WRITES,
		.check = h_company_check,
		.proceed = h_company_run,
		.help_key = "cmd.company",
	},
	{
		.name = "offer review",
		.aliases_en = {"offer review", "offer"},
		.aliases_de = {"angebot"},
		.min_args = 1,
		.max_args = -1,
		.perm = PERM_STAFF,
		.writes = CMD_WRITES,
		.check = h_offer_staff_check,
		.proceed = h_offer_staff_run,
		.help_key = "cmd.offer_review",
	},
};
const size_t command_count = ARRAY_LEN(command_table);

char *
cmd_fold(const char *s)
{
	size_t n = strlen(s);
	char *o = xmalloc(n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0xC3 && i + 1 < n) {
			unsigned char d = (unsigned char)s[i + 1];
			/* Ä Ö Ü → ä ö ü (U+00C4/D6/DC → U+00E4/F6/FC) */
			if (d == 0x84 || d == 0x96 || d == 0x9C)
				d = (unsigned char)(d + 0x20);
			o[j++] = (char)c;
			o[j++] = (char)d;
			i++;
			continue;
		}
		o[j++] = (char)tolower(c);
	}
	o[j] = '\0';
	return o;
}

/* Does folded line start with alias as whole words?  Returns bytes matched or 0. */
static size_t
alias_match(const char *line, const char *alias)
{
	size_t n = strlen(alias);
	if (strncmp(line, alias, n) != 0)
		return 0;
	unsigned char next = (unsigned char)line[n];
	/* the alias must end at a word boundary; trailing punctuation like "help!" or "hilfe:" is fine */
	if (next == '\0' || isspace(next) || next == ':' || next == '!' || next == '.' || next == ',' || next == '?')
		return n;
	return 0;
}

/* The role whose senders a command is for: staff commands for staff, all others for the rest. */
static enum cmd_role
command_role(const struct command *c)
{
	return c->perm == PERM_STAFF ? CMD_ROLE_STAFF : CMD_ROLE_MEMBER;
}

int
cmd_lookup_all(const char *line, struct cmd_match *m)
{
	memset(m, 0, sizeof *m);
	const char *start = line;
	while (*start && isspace((unsigned char)*start))
		start++;
	if (*start == '!' || *start == '/')
		start++;
	char *f = cmd_fold(start);
	/* the longest alias wins; of the commands it names, one per role (the table test keeps
	 * it at most one) */
	const struct command *best[CMD_NROLES] = {NULL, NULL};
	size_t best_len = 0;
	const char *best_lang = "en";
	for (size_t i = 0; i < command_count; i++) {
		const struct command *c = &command_table[i];
		for (int l = 0; l < 2; l++) {
			const char *const *al = l ? c->aliases_de : c->aliases_en;
			for (int k = 0; k < CMD_MAX_ALIASES && al[k]; k++) {
				size_t n = alias_match(f, al[k]);
				if (n == 0 || n < best_len)
					continue;
				if (n > best_len) {
					best[0] = best[1] = NULL;
					best_len = n;
					best_lang = l ? "de" : "en";
				}
				if (!best[command_role(c)])
					best[command_role(c)] = c;
			}
		}
	}
	free(f);
	if (best_len == 0)
		return 0;
	/* a word of one command only is that command for everyone: dispatch answers a member's
	 * staff word as it always did */
	for (int r = 0; r < CMD_NROLES; r++)
		m->by_role[r] = best[r] ? best[r] : best[1 - r];
	/* folding keeps byte lengths, so best_len indexes the original line */
	const char *r = start + best_len;
	while (*r && (isspace((unsigned char)*r) || *r == ':' || *r == '!' || *r == '.' || *r == ',' || *r == '?'))
		r++;
	m->rest = r;
	m->lang = best_lang;
	return 1;
}

const struct command *
cmd_lookup_role(const char *line, enum cmd_role role, const char **rest, const char **lang)
{
	struct cmd_match m;
	if (!cmd_lookup_all(line, &m))
		return NULL;
	if (rest)
		*rest = m.rest;
	if (lang)
		*lang = m.lang;
	return m.by_role[role == CMD_ROLE_STAFF ? CMD_ROLE_STAFF : CMD_ROLE_MEMBER];
}

const struct command *
cmd_lookup(const char *line, const char **rest, const char **lang)
{
	return cmd_lookup_role(line, CMD_ROLE_MEMBER, rest, lang);
}

const struct command *
cmd_by_name_role(const char *name, enum cmd_role role)
{
	const char *rest;
	const struct command *c = cmd_lookup_role(name, role, &rest, NULL);
	return (c && *rest == '\0') ? c : NULL;
}

const struct command *
cmd_by_name(const char *name)
{
	return cmd_by_name_role(name, CMD_ROLE_MEMBER);
}

static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t m = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < m)
				m = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < m)
				m = d[i - 1][j - 1] + cost;
			/* a swap of two neighbours counts as one edit ("hepl") */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < m)
				m = d[i - 2][j - 2] + 1;
			d[i][j] = m;
		}
	return d[la][lb];
}

int
cmd_visible(const struct command *c, enum cmd_role role)
{
	return c->perm != PERM_STAFF || role == CMD_ROLE_STAFF;
}

const struct command *
cmd_suggest(const char *word, enum cmd_role role, const char **alias_out)
{
	char *f = cmd_fold(word);
	const struct command *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; i < command_count; i++) {
		const struct command *c = &command_table[i];
		if (!cmd_visible(c, role))
			continue;
		for (int l = 0; l < 2; l++) {
			const char *const *al = l ? c->aliases_de : c->aliases_en;
			for (int k = 0; k < CMD_MAX_ALIASES && al[k]; k++) {
				if (strlen(al[k]) < 3)
					continue;
				size_t d = edit_distance(f, al[k]);
				/* short words need a closer match to count */
				if (d < best_d && d * 3 <= strlen(al[k])) {
					best = c;
					best_d = d;
					if (alias_out)
						*alias_out = al[k];
				}
			}
		}
	}
	free(f);
	return best;
}
