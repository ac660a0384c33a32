/*
 * quote.h - find the new text of a reply: cut quoted text and signatures the
 * way the common mail clients write them, in English and German.
 */
#ifndef MB_QUOTE_H
#define MB_QUOTE_H

/*
 * Return the new visible text of a mail body (UTF-8, LF or CRLF line ends):
 * everything above the first quote header ("On … wrote:", "Am … schrieb …:",
 * "-----Original Message-----", "-----Ursprüngliche Nachricht-----", an
 * Outlook "From:/Sent:/To:/Subject:" or "Von:/Gesendet:/An:/Betreff:" block,
 * Apple Mail/iPhone forms), with ">"-quoted lines removed, and signatures
 * ("-- ", "Sent from my …", "Von meinem iPhone gesendet", K-9/Android
 * footers, "Get Outlook for …") cut.  Lines end in "\n"; leading and trailing
 * blank lines are removed.  Runs in time linear in the input (no regex
 * backtracking).  Caller frees.
 */
char *quote_strip(const char *text);

/* Guess the language of a short text: "de", "en", or NULL when unsure. */
const char *lang_guess(const char *text);

#endif
