/*
 * curlx.c - libcurl's process-wide start and the options every HTTP client of the bot
 * shares (curlx.h).
 */
#include "curlx.h"

#include <pthread.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode global_res;

static void
global_init(void)
{
	global_res = curl_global_init(CURL_GLOBAL_DEFAULT);
}

CURLcode
curlx_global(void)
{
	pthread_once(&once, global_init);
	return global_res;
}

void
curlx_http_defaults(CURL *h, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mentorbot/" MENTORBOT_VERSION);
}
