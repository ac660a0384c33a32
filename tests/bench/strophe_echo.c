/* strophe_echo.c - libstrophe MUC echo bot (the floor for bench_xmpp.py; from the servers recipe).
 * usage: strophe_echo JID PASS HOST PORT ROOM@MUC NICK [tls]
 *   default: TLS disabled (XMPP_CONN_FLAG_DISABLE_TLS)
 *   "tls":   STARTTLS mandatory, self-signed cert accepted (XMPP_CONN_FLAG_MANDATORY_TLS|XMPP_CONN_FLAG_TRUST_TLS)
 * Echoes every groupchat body from another occupant as "echo: <body>";
 * a body of "quit" makes it leave and exit 0. Prints "JOINED" on stdout once in the room. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

static const char *room, *nick;
static char room_nick[512];

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    xmpp_ctx_t *ctx = ud;
    const char *type = xmpp_stanza_get_type(st);
    const char *from = xmpp_stanza_get_from(st);
    if (!type || strcmp(type, "groupchat") != 0 || !from) return 1;
    if (strcmp(from, room_nick) == 0) return 1;              /* our own reflection */
    if (xmpp_stanza_get_child_by_name(st, "delay")) return 1; /* history */
    xmpp_stanza_t *b = xmpp_stanza_get_child_by_name(st, "body");
    if (!b) return 1;
    char *text = xmpp_stanza_get_text(b);
    if (!text) return 1;
    if (strcmp(text, "quit") == 0) {
        xmpp_free(ctx, text);
        xmpp_disconnect(conn);
        return 0;
    }
    size_t n = strlen(text) + 8;
    char *reply = malloc(n);
    snprintf(reply, n, "echo: %s", text);
    xmpp_stanza_t *msg = xmpp_message_new(ctx, "groupchat", room, NULL);
    xmpp_message_set_body(msg, reply);
    xmpp_send(conn, msg);
    xmpp_stanza_release(msg);
    free(reply);
    xmpp_free(ctx, text);
    return 1;
}

static int on_presence(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    (void)conn; (void)ud;
    const char *from = xmpp_stanza_get_from(st);
    if (from && strcmp(from, room_nick) == 0) {
        const char *type = xmpp_stanza_get_type(st);
        if (type && strcmp(type, "error") == 0) { fprintf(stderr, "MUC join error\n"); exit(2); }
        printf("JOINED\n"); fflush(stdout);
        return 0; /* one-shot */
    }
    return 1;
}

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t status, int error,
                    xmpp_stream_error_t *se, void *ud)
{
    xmpp_ctx_t *ctx = ud; (void)se;
    if (status == XMPP_CONN_CONNECT) {
        fprintf(stderr, "connected (secured=%d)\n", xmpp_conn_is_secured(conn));
        xmpp_handler_add(conn, on_message, NULL, "message", NULL, ctx);
        xmpp_handler_add(conn, on_presence, NULL, "presence", NULL, ctx);
        xmpp_stanza_t *pres = xmpp_presence_new(ctx);
        xmpp_stanza_set_to(pres, room_nick);
        xmpp_stanza_t *x = xmpp_stanza_new(ctx);
        xmpp_stanza_set_name(x, "x");
        xmpp_stanza_set_ns(x, "http://jabber.org/protocol/muc");
        xmpp_stanza_t *h = xmpp_stanza_new(ctx);
        xmpp_stanza_set_name(h, "history");
        xmpp_stanza_set_attribute(h, "maxstanzas", "0");
        xmpp_stanza_add_child(x, h); xmpp_stanza_release(h);
        xmpp_stanza_add_child(pres, x); xmpp_stanza_release(x);
        xmpp_send(conn, pres);
        xmpp_stanza_release(pres);
    } else {
        fprintf(stderr, "disconnected (error=%d)\n", error);
        xmpp_stop(ctx);
    }
}

int main(int argc, char **argv)
{
    if (argc < 7) { fprintf(stderr, "usage: %s JID PASS HOST PORT ROOM NICK [tls]\n", argv[0]); return 64; }
    room = argv[5]; nick = argv[6];
    snprintf(room_nick, sizeof room_nick, "%s/%s", room, nick);
    int tls = argc > 7 && strcmp(argv[7], "tls") == 0;

    xmpp_initialize();
    xmpp_log_t *log = getenv("STROPHE_DEBUG") ? xmpp_get_default_logger(XMPP_LEVEL_DEBUG) : NULL;
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, log);
    xmpp_conn_t *conn = xmpp_conn_new(ctx);
    xmpp_conn_set_flags(conn, tls ? (XMPP_CONN_FLAG_MANDATORY_TLS | XMPP_CONN_FLAG_TRUST_TLS)
                                  : XMPP_CONN_FLAG_DISABLE_TLS);
    xmpp_conn_set_jid(conn, argv[1]);
    xmpp_conn_set_pass(conn, argv[2]);
    if (xmpp_connect_client(conn, argv[3], (unsigned short)atoi(argv[4]), on_conn, ctx) != XMPP_EOK) {
        fprintf(stderr, "connect failed\n"); return 1;
    }
    xmpp_run(ctx);
    xmpp_conn_release(conn);
    xmpp_ctx_free(ctx);
    xmpp_shutdown();
    return 0;
}
