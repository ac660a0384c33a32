/*
 * curlx.h - what every libcurl client of the bot (SMTP, Matrix, Bluesky) does the same way:
 * the process-wide curl_global_init, once, from whichever thread comes first, and the
 * options every HTTP(S) handle gets.
 */
#ifndef MB_CURLX_H
#define MB_CURLX_H

#include <curl/curl.h>

/* curl_global_init once per process (thread-safe); CURLE_OK, or the error it gave. */
CURLcode curlx_global(void);

/* No signals, errors into errbuf (CURL_ERROR_SIZE bytes), 15 s to connect, http and
 * https only, no redirects, certificates and host names verified, our User-Agent. */
void curlx_http_defaults(CURL *h, char *errbuf);

#endif
