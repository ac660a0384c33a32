/*
 * quote.h - find the new text of a reply: cut quoted text, attributions,
 * signatures and forwards the way the common mail clients write them, in
 * the languages of bot/quote_rules.c (the rules are data there).
 */
#ifndef MB_QUOTE_H
#define MB_QUOTE_H

/*
 * Return the new visible text of a mail body (UTF-8, LF or CRLF line ends):
 * everything above the first attribution ("On … wrote:", "Am … schrieb …:",
 * "Il giorno … ha scritto:", wrapped over up to three lines, Zoho's
 * "---- On … wrote ----"), separator ("-----Original Message-----" in each
 * language) or Outlook header block (From:/Sent:/To:/Subject: in each
 * language, with or without a rule above), with ">"-quoted lines removed
 * (text between them is kept), and signatures ("-- ", mobile and "Get
 * Outlook for …" footers in each language, contact blocks) cut.  Zero-width
 * characters and trailing delimiter lines ("***", "=====") are dropped.  A
 * mail that is only a forward ("---------- Forwarded message ----------" or
 * an Outlook block with "Fwd:"/"WG:" subject, nothing above) gives the
 * forwarded body; a forward below new text is cut like a quote.  Lines end
 * in "\n"; leading and trailing blank lines are removed.  A pure function,
 * linear in the input (no regex backtracking).  Caller frees.
 */
char *quote_strip(const char *text);

enum {
	QUOTE_CUT = 1,       /* something (quote, attribution, separator) was cut */
	QUOTE_FORWARDED = 2, /* the text is the body of a forwarded mail */
};

/* quote_strip(), and *flags (when not NULL) receives QUOTE_* bits. */
char *quote_strip_flags(const char *text, unsigned *flags);

/* Guess the language of a short text: "de", "en", or NULL when unsure. */
const char *lang_guess(const char *text);

#endif
