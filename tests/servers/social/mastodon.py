#!/usr/bin/python3
"""A strict Mastodon API test server (stdlib http.server, threaded) for mentorbot's tests.

It follows the published Mastodon API reference (docs.joinmastodon.org, Mastodon 4.3,
REST API v1/v2):
  - methods/statuses: POST /api/v1/statuses (Idempotency-Key: the same key within an hour
    gives the same status, not a second), GET, PUT (edit) and DELETE /api/v1/statuses/:id
  - methods/accounts: GET /api/v1/accounts/verify_credentials (CredentialAccount)
  - methods/instance: GET /api/v2/instance (Instance; configuration.statuses.max_characters,
    characters_reserved_per_url)
  - entities/Status, entities/Account, entities/Instance, entities/Error ({"error": "…"})
  - api/rate-limits: X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (an ISO 8601
    time) on every authenticated answer, 429 {"error": "Too many requests"} when exceeded
  - spec/oauth: Authorization: Bearer <token>; a missing, wrong or revoked token is 401
    {"error": "The access token is invalid"}
and refuses what the reference does not allow: unknown paths and methods (404), a missing or
wrong token (401), bodies other than JSON or form data (415), unknown or mistyped parameters,
a visibility or language outside the lists, a text over max_characters (every URL counted as
characters_reserved_per_url) or blank (422), an edit of visibility (422).

For tests (not part of Mastodon):
  GET  /_test/statuses  -> {"statuses": [...all, with "deleted"], "requests": [[method, path, key]...]}
  POST /_test/control   {"rate_limit": N, "reset_in": S}: the next N authenticated API calls
                        answer 429 with the reset S seconds ahead;
                        {"revoke": true|false}: the token is refused (401) or accepted again;
                        {"max_characters": N}
usage: mastodon.py PORT TOKEN [MAX_CHARACTERS]   (prints "ready PORT" when listening)
"""
import datetime
import http.server
import json
import re
import sys
import threading
import time
import unicodedata
import urllib.parse

LOCK = threading.RLock()
STATE = {
    "token": "",
    "revoked": False,
    "max_characters": 500,
    "rate_limit": 0,
    "reset_in": 5,
    "reset_at": 0.0,  # when the window of a rate limit set by /_test/control ends
    "statuses": [],  # dicts, the Status entity plus "_key", "_at", "deleted", "text"
    "next_id": 110000000000000001,
    "requests": [],
    "remaining": 300,
}
URL_CHARS = 23
VISIBILITIES = ("public", "unlisted", "private", "direct")
CREATE_PARAMS = {"status": str, "media_ids": list, "poll": dict, "in_reply_to_id": str, "sensitive": bool,
                 "spoiler_text": str, "visibility": str, "language": str, "scheduled_at": str,
                 "quoted_status_id": str, "quote_approval_policy": str}
EDIT_PARAMS = {"status": str, "spoiler_text": str, "sensitive": bool, "language": str, "media_ids": list,
               "poll": dict, "media_attributes": list, "quote_approval_policy": str}
ACCOUNT = {"id": "1", "username": "alumni", "acct": "alumni", "display_name": "Alumni Office",
           "locked": False, "bot": True, "discoverable": True, "group": False,
           "created_at": "2024-01-01T00:00:00.000Z", "note": "", "url": "", "avatar": "", "avatar_static": "",
           "header": "", "header_static": "", "followers_count": 0, "following_count": 0, "statuses_count": 0,
           "last_status_at": None, "emojis": [], "fields": []}
URL_RE = re.compile(r"https?://[^\s<>\"]+")


def now_iso(t=None):
    t = time.time() if t is None else t
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def countable(text):
    """Mastodon's count: grapheme clusters, with each URL as 23 characters."""
    text = URL_RE.sub("x" * URL_CHARS, text)
    n, join = 0, False
    for ch in text:
        cp = ord(ch)
        if join:
            join = False
            continue
        if cp == 0x200D:
            join = True
            continue
        if unicodedata.combining(ch) or 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF:
            continue
        n += 1
    return n


def html(text):
    esc = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "<p>" + esc.replace("\n\n", "</p><p>").replace("\n", "<br />") + "</p>"


class Refused(Exception):
    def __init__(self, status, error, headers=None):
        super().__init__(error)
        self.status, self.error, self.headers = status, error, headers or {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MastodonTest/4.3"

    def log_message(self, fmt, *args):  # quiet
        pass

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_params(self):
        raw = self.raw
        if not raw:
            return {}
        ct = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ct == "application/json":
            try:
                v = json.loads(raw)
            except ValueError:
                raise Refused(400, "Error while parsing request body")
            if not isinstance(v, dict):
                raise Refused(422, "Validation failed: body must be an object")
            return v
        if ct == "application/x-www-form-urlencoded":
            out = {}
            for k, v in urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=True):
                if k.endswith("[]"):
                    out.setdefault(k[:-2], []).append(v)
                elif v in ("true", "false") and k == "sensitive":
                    out[k] = v == "true"
                else:
                    out[k] = v
            return out
        raise Refused(415, "Unsupported Media Type: %s" % (ct or "none"))

    def rate_headers(self):
        with LOCK:
            reset = STATE["reset_at"] if STATE["reset_at"] > time.time() else time.time() + 300
            rem = STATE["remaining"]
        return {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": str(rem), "X-RateLimit-Reset": now_iso(reset)}

    def authorize(self):
        auth = self.headers.get("Authorization") or ""
        with LOCK:
            ok = auth == "Bearer " + STATE["token"] and not STATE["revoked"]
            limited = STATE["rate_limit"] > 0
            if ok and limited:
                STATE["rate_limit"] -= 1
                STATE["remaining"] = 0
            elif ok:
                STATE["remaining"] = max(0, STATE["remaining"] - 1)
        if not ok:
            raise Refused(401, "The access token is invalid")
        if limited:
            raise Refused(429, "Too many requests", self.rate_headers())

    def handle_any(self, method):
        path, _, query = self.path.partition("?")
        n = int(self.headers.get("Content-Length") or 0)
        self.raw = self.rfile.read(n) if n else b""  # always read: the connection is kept alive
        try:
            if path.startswith("/_test/"):
                return self.test_api(method, path)
            if method == "GET" and path == "/api/v2/instance":
                return self.send_json(200, self.instance())
            key = self.headers.get("Idempotency-Key")
            with LOCK:
                STATE["requests"].append([method, path, key])
            m = re.fullmatch(r"/api/v1/statuses/([0-9]+)", path)
            if path == "/api/v1/accounts/verify_credentials" and method == "GET":
                self.authorize()
                return self.send_json(200, dict(ACCOUNT, source={"privacy": "public", "sensitive": False,
                                                                 "language": "", "note": "", "fields": []}),
                                      self.rate_headers())
            if path == "/api/v1/statuses" and method == "POST":
                self.authorize()
                return self.create(self.read_params(), key)
            if m and method in ("GET", "PUT", "DELETE"):
                self.authorize()
                return self.one(method, m.group(1), query)
            raise Refused(404, "Record not found")
        except Refused as e:
            self.send_json(e.status, {"error": e.error}, e.headers)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def instance(self):
        with LOCK:
            mc = STATE["max_characters"]
        host = "127.0.0.1:%d" % self.server.server_port
        return {"domain": host, "title": "Mastodon test", "version": "4.3.0", "source_url": "",
                "description": "A strict test server", "usage": {"users": {"active_month": 1}},
                "thumbnail": {"url": ""}, "languages": ["de", "en"],
                "configuration": {"urls": {"streaming": "ws://" + host},
                                  "accounts": {"max_featured_tags": 10},
                                  "statuses": {"max_characters": mc, "max_media_attachments": 4,
                                               "characters_reserved_per_url": URL_CHARS},
                                  "media_attachments": {"supported_mime_types": [], "image_size_limit": 16777216},
                                  "polls": {"max_options": 4, "max_characters_per_option": 50,
                                            "min_expiration": 300, "max_expiration": 2629746},
                                  "translation": {"enabled": False}},
                "registrations": {"enabled": False, "approval_required": False, "message": None},
                "contact": {"email": "", "account": None}, "rules": []}

    def check(self, params, allowed):
        for k, v in params.items():
            if k not in allowed:
                raise Refused(422, "Validation failed: unknown parameter '%s'" % k)
            if not isinstance(v, allowed[k]) and not (allowed[k] is list and isinstance(v, str)):
                raise Refused(422, "Validation failed: %s has the wrong type" % k)
        text = params.get("status")
        if text is None or not text.strip():
            if not params.get("media_ids"):
                raise Refused(422, "Validation failed: Text can't be blank")
        with LOCK:
            mc = STATE["max_characters"]
        if text is not None and countable(text) > mc:
            raise Refused(422, "Validation failed: Text character limit of %d exceeded" % mc)
        lang = params.get("language")
        if lang is not None and not re.fullmatch(r"[a-z]{2,3}", lang):
            raise Refused(422, "Validation failed: Language is not a valid ISO 639 code")

    def entity(self, s):
        return {k: v for k, v in s.items() if not k.startswith("_") and k not in ("deleted", "text")}

    def create(self, params, key):
        self.check(params, CREATE_PARAMS)
        vis = params.get("visibility", "public")
        if vis not in VISIBILITIES:
            raise Refused(422, "Validation failed: Visibility is not included in the list")
        with LOCK:
            if key:
                for s in STATE["statuses"]:
                    if s["_key"] == key and time.time() - s["_at"] < 3600:
                        return self.send_json(200, self.entity(s), self.rate_headers())
            reply = params.get("in_reply_to_id")
            if reply and not any(s["id"] == reply and not s["deleted"] for s in STATE["statuses"]):
                raise Refused(404, "Record not found")
            sid = str(STATE["next_id"])
            STATE["next_id"] += 1
            base = "http://127.0.0.1:%d" % self.server.server_port
            s = {"id": sid, "created_at": now_iso(), "in_reply_to_id": reply,
                 "in_reply_to_account_id": "1" if reply else None, "sensitive": bool(params.get("sensitive")),
                 "spoiler_text": params.get("spoiler_text", ""), "visibility": vis,
                 "language": params.get("language"), "uri": base + "/users/alumni/statuses/" + sid,
                 "url": base + "/@alumni/" + sid, "replies_count": 0, "reblogs_count": 0,
                 "favourites_count": 0, "edited_at": None, "content": html(params["status"]), "reblog": None,
                 "application": {"name": "mentorbot", "website": None}, "account": ACCOUNT,
                 "media_attachments": [], "mentions": [], "tags": [], "emojis": [], "card": None, "poll": None,
                 "_key": key, "_at": time.time(), "deleted": False, "text": params["status"]}
            STATE["statuses"].append(s)
            return self.send_json(200, self.entity(s), self.rate_headers())

    def one(self, method, sid, query):
        with LOCK:
            found = [s for s in STATE["statuses"] if s["id"] == sid and not s["deleted"]]
        if not found:
            raise Refused(404, "Record not found")
        s = found[0]
        if method == "GET":
            return self.send_json(200, self.entity(s), self.rate_headers())
        if method == "DELETE":
            q = urllib.parse.parse_qs(query)
            if set(q) - {"delete_media"}:
                raise Refused(422, "Validation failed: unknown parameter")
            with LOCK:
                s["deleted"] = True
            return self.send_json(200, dict(self.entity(s), text=s["text"]), self.rate_headers())
        params = self.read_params()
        if "visibility" in params:
            raise Refused(422, "Validation failed: visibility cannot be changed by an edit")
        self.check(params, EDIT_PARAMS)
        with LOCK:
            s["text"] = params["status"]
            s["content"] = html(params["status"])
            if "language" in params:
                s["language"] = params["language"]
            s["edited_at"] = now_iso()
        return self.send_json(200, self.entity(s), self.rate_headers())

    def test_api(self, method, path):
        if method == "GET" and path == "/_test/statuses":
            with LOCK:
                out = [dict(self.entity(s), deleted=s["deleted"], text=s["text"], idempotency_key=s["_key"])
                       for s in STATE["statuses"]]
                return self.send_json(200, {"statuses": out, "requests": list(STATE["requests"])})
        if method == "POST" and path == "/_test/control":
            c = json.loads(self.raw or b"{}")
            with LOCK:
                for k in ("rate_limit", "reset_in", "max_characters"):
                    if k in c:
                        STATE[k] = int(c[k])
                if "rate_limit" in c:
                    STATE["reset_at"] = time.time() + STATE["reset_in"]
                if "revoke" in c:
                    STATE["revoked"] = bool(c["revoke"])
            return self.send_json(200, {})
        raise Refused(404, "Record not found")


def main():
    port = int(sys.argv[1])
    STATE["token"] = sys.argv[2]
    if len(sys.argv) > 3:
        STATE["max_characters"] = int(sys.argv[3])
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    print("ready %d" % srv.server_port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
