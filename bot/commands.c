/*
 * commands.c - the command table and the look-up functions over it.
 */
#include "commands.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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
};
const size_t command_count = ARRAY_LEN(command_table);

extern const struct tmpl_key tmpl_keys_cli[];       /* bot/cli.c */
extern const struct tmpl_key tmpl_keys_retention[]; /* bot/retention_run.c */
extern const struct tmpl_key tmpl_keys_cli_audit[]; /* bot/cli_audit.c */
const struct tmpl_key *const tmpl_key_sets[] = {
	tmpl_required_keys, tmpl_keys_apply,   tmpl_keys_staff,     tmpl_keys_match,   tmpl_keys_events,
	tmpl_keys_cli,      tmpl_keys_privacy, tmpl_keys_retention, tmpl_keys_consent, tmpl_keys_cli_audit,
};
const size_t tmpl_key_nsets = ARRAY_LEN(tmpl_key_sets);

/* Every template key the code renders, with the placeholders it provides. */
const struct tmpl_key tmpl_required_keys[] = {
	{"signature", ""},
	{"help", "commands,programmes,bot"},
	{"help.guest_note", ""},
	{"help.unknown_topic", "topic,commands"},
	{"cmd.help", "programmes"},
	{"cmd.help.short", ""},
	{"cmd.join", "programmes"},
	{"cmd.join.short", ""},
	{"cmd.confirm", ""},
	{"cmd.confirm.short", ""},
	{"cmd.leave", "programmes"},
	{"cmd.leave.short", ""},
	{"cmd.profile", "fields"},
	{"cmd.profile.short", ""},
	{"cmd.whoami", ""},
	{"cmd.whoami.short", ""},
	{"unknown_command", "word,suggestion,commands"},
	{"unknown_command.chat", "word,suggestion"},
	{"not_member_chat", "address,programmes"},
	{"chat.see_direct", "nick"},
	{"flood_notice", ""},
	{"join_confirm_chat", "programme,token,address,consent,hours"},
	{"cmd.link", ""},
	{"cmd.link.short", ""},
	{"link_bad_target", "target"},
	{"link_mail_to_mail", "target"},
	{"link_need_account", ""},
	{"link_code_back", "target,token,hours"},
	{"link_code", "requester,token,hours"},
	{"link_code.subject", "requester,token,hours"},
	{"link_sent", "target"},
	{"link_conflict", ""},
	{"link_done", "a,b"},
	{"post", "text"},
	{"post.subject", "text"},
	{"unknown_command.suggest", "suggestion"},
	{"no_command", "commands"},
	{"forwarded_no_command", "commands"},
	{"usage", "command,help"},
	{"not_member", "address,programmes"},
	{"join_confirm", "programme,token,address,consent,hours"},
	{"join_unknown_programme", "programme,programmes"},
	{"join_already", "programme"},
	{"join_done", "programme,role,address,next"},
	{"consent", "version"},
	{"confirm_bad_token", ""},
	{"confirm_cancelled", ""},
	{"confirm_command", "command,address,token,hours"},
	{"reply.subject", ""},
	{"leave_done", "programmes"},
	{"leave_nothing", ""},
	{"whoami", "address,language,memberships,endpoints,since,consents"},
	{"whoami_guest", "address"},
	{"whoami.membership", "programme,role,status"},
	{"whoami.endpoint", "kind,address"},
	{"status.active", ""},
	{"status.pending", ""},
	{"status.left", ""},
	{"role.mentee", ""},
	{"role.mentor", ""},
	{"role.alumnus", ""},
	{"role.member", ""},
	{"profile", "fields"},
	{"profile.empty", ""},
	{"profile.field", "field,value,visible"},
	{"profile.visible", ""},
	{"profile.hidden", ""},
	{"profile_set", "field,value,note"},
	{"profile_visibility_set", "field,visible"},
	{"profile_bad_field", "field,fields"},
	{"profile_bad_value", "field,value"},
	{"reply_limit", "limit"},
	{"quarantined", "reason"},
	{"quarantined.chat", "reason"},
	{"internal_error", ""},
	{"reason.too_large", "limit"},
	{"reason.too_complex", ""},
	{"reason.unreadable", "detail"},
	{"reason.no_sender", ""},
	{"reason.several_senders", ""},
	{"reason.crashed", ""},
	{"reason.parser", ""},
	{"reason.internal", ""},
	/* mentoring (handlers/h_mentoring.c) */
	{"cmd.find_mentor", ""},
	{"cmd.find_mentor.short", ""},
	{"cmd.request", ""},
	{"cmd.request.short", ""},
	{"cmd.accept", ""},
	{"cmd.accept.short", ""},
	{"cmd.decline", ""},
	{"cmd.decline.short", ""},
	{"mentoring.mail.request", "text"},
	{"mentoring.mail.request.subject", "subject"},
	{"mentoring.mail.intro", "text"},
	{"mentoring.mail.intro.subject", "subject"},
	{"mentoring.mail.notice", "text"},
	{"mentoring.mail.notice.subject", "subject"},
	{"mentoring.mail.reminder", "text"},
	{"mentoring.mail.reminder.subject", "subject"},
	{"mentoring.chat", "text"},
	{"mentoring.anonymous", "id"},
	{"mentoring.label.field", ""},
	{"mentoring.label.topics", ""},
	{"mentoring.label.languages", ""},
	{"mentoring.label.availability", ""},
	{"mentoring.label.company", ""},
	{"mentoring.label.city", ""},
	{"mentoring.label.goals", ""},
	{"mentoring.detail", "field,value"},
	{"mentoring.contact", "address,kind"},
	{"mentoring.not_mentee", "programmes"},
	{"mentoring.find.all_matched", ""},
	{"mentoring.find.none", ""},
	{"mentoring.find.item", "details,n,name,reasons,score"},
	{"mentoring.find", "count,list,request"},
	{"mentoring.reason.query", "items"},
	{"mentoring.reason.query_hidden", ""},
	{"mentoring.reason.topics", "count,items"},
	{"mentoring.reason.topics_hidden", "count"},
	{"mentoring.reason.language", "items"},
	{"mentoring.reason.language_hidden", ""},
	{"mentoring.reason.field", "field"},
	{"mentoring.reason.field_hidden", ""},
	{"mentoring.reason.availability", ""},
	{"mentoring.request.bad_number", "find,n"},
	{"mentoring.request.sent", "deadline,id,mentor"},
	{"mentoring.request.already_open", "id,mentor"},
	{"mentoring.request.mentor_full", "mentor"},
	{"mentoring.already_matched", "programme"},
	{"mentoring.request.mentor.subject", "id,programme"},
	{"mentoring.request.mentor", "accept,deadline,decline,details,id,mentee,programme"},
	{"mentoring.request.chat", "accept,decline,id,mentee,programme"},
	{"mentoring.cascade.next", "deadline,id,mentor"},
	{"mentoring.cascade.none", "find"},
	{"mentoring.reason_line", "reason"},
	{"mentoring.answer.unknown", "id"},
	{"mentoring.answer.closed", "id,status"},
	{"mentoring.status.open", ""},
	{"mentoring.status.accepted", ""},
	{"mentoring.status.declined", ""},
	{"mentoring.status.expired", ""},
	{"mentoring.status.withdrawn", ""},
	{"mentoring.status.full", ""},
	{"mentoring.accept.done", "contact,id,mentee"},
	{"mentoring.accept.full", "capacity,id,mentee"},
	{"mentoring.accept.mentee_taken", "id,mentee"},
	{"mentoring.decline.done", "id"},
	{"mentoring.declined.subject", "id"},
	{"mentoring.declined", "id,mentor,reason"},
	{"mentoring.full.mentee.subject", "id"},
	{"mentoring.full.mentee", "id,mentor,reason"},
	{"mentoring.expired.mentee.subject", "id"},
	{"mentoring.expired.mentee", "id,mentor,reason"},
	{"mentoring.expired.mentor.subject", "id"},
	{"mentoring.expired.mentor", "id,mentee"},
	{"mentoring.withdrawn.subject", "id"},
	{"mentoring.withdrawn", "id,mentee"},
	{"mentoring.reminder.subject", "id"},
	{"mentoring.reminder", "accept,deadline,decline,id,mentee"},
	{"mentoring.intro.subject", "name,programme"},
	{"mentoring.intro", "contact,details,name,programme,role"},
	{"mentoring.intro.chat", "contact,name,role"},
	/* sessions (handlers/h_session.c) */
	{"cmd.session", ""},
	{"cmd.session.short", ""},
	{"cmd.done", ""},
	{"cmd.done.short", ""},
	{"cmd.cancel", ""},
	{"cmd.cancel.short", ""},
	{"session.mail.proposal", "text"},
	{"session.mail.proposal.subject", "subject"},
	{"session.mail.invite", "text"},
	{"session.mail.invite.subject", "subject"},
	{"session.mail.cancel", "text"},
	{"session.mail.cancel.subject", "subject"},
	{"session.mail.reminder", "text"},
	{"session.mail.reminder.subject", "subject"},
	{"session.mail.prompt", "text"},
	{"session.mail.prompt.subject", "subject"},
	{"session.mail.notice", "text"},
	{"session.mail.notice.subject", "subject"},
	{"session.when", "date,end,minutes,time,tz"},
	{"session.where", "place"},
	{"session.summary", "id,mentee,mentor"},
	{"session.description", "cancel,done,id"},
	{"session.status.proposed", ""},
	{"session.status.confirmed", ""},
	{"session.status.done", ""},
	{"session.status.cancelled", ""},
	{"session.status.replaced", ""},
	{"session.status.declined", ""},
	{"session.err.date", ""},
	{"session.err.bad_date", ""},
	{"session.err.time", ""},
	{"session.err.ambiguous", ""},
	{"session.err.past", ""},
	{"session.err.no_such_time", ""},
	{"session.err.duration", ""},
	{"session.err.other", ""},
	{"session.bad_when", "error,session"},
	{"session.no_match", ""},
	{"session.which_match", "list,session"},
	{"session.which_match.item", "id,name"},
	{"session.unknown_match", "id"},
	{"session.proposed", "id,name,when,where"},
	{"session.proposal.subject", "id,name"},
	{"session.proposal", "confirm,id,name,session,when,where"},
	{"session.proposal.chat", "confirm,id,name,when,where"},
	{"session.unknown", "id"},
	{"session.closed", "id,status"},
	{"session.already_confirmed", "id,when"},
	{"session.confirm.own", "id,name"},
	{"session.confirmed", "id,name,when"},
	{"session.invite.subject", "id,name,when"},
	{"session.invite", "cancel,id,name,when,where"},
	{"session.invite.chat", "id,name,when"},
	{"session.declined.done", "id,session"},
	{"session.declined.subject", "id"},
	{"session.declined.notice", "id,name,session,when"},
	{"session.cancelled", "id"},
	{"session.cancel.subject", "id,when"},
	{"session.cancel.notice", "id,name,when"},
	{"session.reminder.subject", "id,when"},
	{"session.reminder", "cancel,id,name,when,where"},
	{"session.prompt.subject", "id"},
	{"session.prompt", "done,id,name,when"},
	{"session.done", "id,minutes"},
	{"session.done.not_yet", "id,when"},
	{"session.logged.subject", "id"},
	{"session.logged.notice", "id,minutes,name"},
	{NULL, NULL},
};

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
