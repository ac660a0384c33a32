#!/usr/bin/env python3
"""A strict stand-in for the X API v2 posts endpoints, following the published reference:
X API v2 (docs.x.com/x-api): "POST /2/tweets" (Manage Posts: text, reply.in_reply_to_tweet_id),
"DELETE /2/tweets/:id", "GET /2/users/me", "GET /2/users/:id/tweets" (User Posts timeline,
max_results 5..100), "Authentication" (OAuth 2.0 Authorization Code with PKCE: user
context; app-only bearer tokens are refused on these endpoints), "Rate limits" (429 with
x-rate-limit-limit, x-rate-limit-remaining, x-rate-limit-reset), "Error responses"
(problem+json {"title", "detail", "type", "status"}) and "Counting characters" (the
twitter-text v3 weighting: code points in 0-4351, 8192-8205, 8208-8223, 8242-8247 weigh 1,
others 2, an emoji sequence 2, a URL 23; at most 280).

Strict: a wrong or missing token 401; an app-only token (--app-token) 403
unsupported-authentication; revoked (test control) 401; POST /2/tweets needs
application/json with the documented fields only (else 400 invalid-request), text within 280
weighted characters (else 400), not the same text as a post kept (403 duplicate content),
a reply to a post that exists.  Kept posts show their URLs as t.co links and & < > as HTML
entities, as X returns them.
Test controls: see common.py.
"""
import hashlib
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

try:
    import regex
except ImportError:  # python3-regex (scripts/install-deps.sh): without it each code point counts
    regex = None

TWEET_FIELDS = {"text", "reply", "quote_tweet_id", "media", "poll", "reply_settings", "for_super_followers_only",
                "direct_message_deep_link", "geo", "nullcast", "card_uri"}
URL = re.compile(r"(?:(?<=\s)|^)https?://\S+")


def problem(status, title, detail, ptype="about:blank", headers=None, extra=None):
    body = {"title": title, "detail": detail, "type": ptype, "status": status}
    body.update(extra or {})
    return common.answer(status, body, headers=headers, content_type="application/problem+json")


def invalid(message):
    return common.answer(400, {"errors": [{"parameters": {}, "message": message}], "title": "Invalid Request",
                               "detail": "One or more parameters to your request was invalid.",
                               "type": "https://api.twitter.com/2/problems/invalid-request"})


def cp_weight(c):
    o = ord(c)
    return 100 if o <= 4351 or 8192 <= o <= 8205 or 8208 <= o <= 8223 or 8242 <= o <= 8247 else 200


def is_emoji(c):
    o = ord(c)
    return 0x1F000 <= o <= 0x1FAFF or 0x2600 <= o <= 0x27BF or 0x2300 <= o <= 0x23FF or 0x2B00 <= o <= 0x2BFF


def weighted(text):
    w, pos = 0, 0
    for m in URL.finditer(text):
        w += weigh_plain(text[pos:m.start()]) + 2300
        pos = m.end()
    return w + weigh_plain(text[pos:])


def weigh_plain(s):
    clusters = regex.findall(r"\X", s) if regex else list(s)
    w = 0
    for cl in clusters:
        w += 200 if is_emoji(cl[0]) or (0x1F1E6 <= ord(cl[0]) <= 0x1F1FF) else sum(cp_weight(c) for c in cl)
    return w


def shown(text):
    """The text as X returns it: t.co links, HTML entities."""
    t = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return URL.sub(lambda m: "https://t.co/" + hashlib.sha1(m.group(0).encode()).hexdigest()[:10], t)


class X:
    def add_args(self, ap):
        ap.add_argument("--user-id", default="2244994945")
        ap.add_argument("--username", default="mentoring")
        ap.add_argument("--app-token", default=None, help="an app-only bearer token (refused)")

    def configure(self, args, state):
        self.user_id, self.username, self.app_token = args.user_id, args.username, args.app_token

    def handle(self, state, req):
        if common.take_ratelimit(state):
            reset = str(int(time.time()) + 2)
            return problem(429, "Too Many Requests", "Too Many Requests",
                           headers={"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0",
                                    "x-rate-limit-reset": reset})
        tok = req.bearer()
        if tok is not None and tok == self.app_token:
            return problem(403, "Unsupported Authentication", "Authenticating with OAuth 2.0 Application-Only is "
                           "forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User "
                           "Context, OAuth 2.0 User Context].",
                           "https://api.twitter.com/2/problems/unsupported-authentication")
        if tok != state.token or state.revoked:
            return problem(401, "Unauthorized", "Unauthorized")
        hdr = {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "99",
               "x-rate-limit-reset": str(int(time.time()) + 900)}
        m = re.fullmatch(r"/2/tweets/(\d{1,19})", req.path)
        if req.path == "/2/tweets" and req.method == "POST":
            return self.create(state, req, hdr)
        if m and req.method == "DELETE":
            return self.delete(state, m.group(1), hdr)
        if req.path == "/2/users/me" and req.method == "GET":
            return self.me(state, req, hdr)
        m = re.fullmatch(r"/2/users/(\d+)/tweets", req.path)
        if m and req.method == "GET":
            return self.timeline(state, req, m.group(1), hdr)
        return problem(404, "Not Found Error", "Sorry, that page does not exist.",
                       "https://api.twitter.com/2/problems/resource-not-found")

    def create(self, state, req, hdr):
        if req.content_type() != "application/json":
            return invalid("Content-Type must be application/json")
        b = req.json()
        if b is None:
            return invalid("The request body is not valid JSON")
        unknown = set(b) - TWEET_FIELDS
        if unknown:
            return invalid("$.%s: is not defined in the schema and the schema does not allow additional "
                           "properties" % sorted(unknown)[0])
        text = b.get("text")
        if not isinstance(text, str) or not text.strip():
            return invalid("$.text: a non-empty string is required")
        if weighted(text) > 28000:
            return invalid("$.text: the text is longer than 280 weighted characters")
        reply = b.get("reply")
        with state.lock:
            if reply is not None:
                if (not isinstance(reply, dict) or set(reply) - {"in_reply_to_tweet_id", "exclude_reply_user_ids"}
                        or not isinstance(reply.get("in_reply_to_tweet_id"), str)):
                    return invalid("$.reply.in_reply_to_tweet_id: a post id is required")
                if not any(p["id"] == reply["in_reply_to_tweet_id"] for p in state.posts):
                    return invalid("$.reply.in_reply_to_tweet_id: the post is deleted or not visible to you")
            if any(p["text"] == shown(text) for p in state.posts):
                return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
            pid = str(1860000000000000000 + state.next_id)
            state.next_id += 1
            post = {"id": pid, "text": shown(text), "sent": text, "edit_history_tweet_ids": [pid]}
            if reply is not None:
                post["in_reply_to"] = reply["in_reply_to_tweet_id"]
            state.posts.append(post)
        return common.answer(201, {"data": {"id": pid, "text": post["text"], "edit_history_tweet_ids": [pid]}},
                             headers=hdr)

    def me(self, state, req, hdr):
        q = req.query
        exp = q.get("expansions", [""])[-1].split(",") if "expansions" in q else []
        if set(q) - {"expansions", "user.fields", "tweet.fields"} or set(exp) - {"most_recent_tweet_id",
                                                                                 "pinned_tweet_id",
                                                                                 "affiliation.user_id"}:
            return invalid("The query parameters [%s] are not all allowed here" % ",".join(sorted(q)))
        user = {"id": self.user_id, "name": "Mentoring", "username": self.username}
        body = {"data": user}
        with state.lock:
            last = state.posts[-1] if state.posts else None
            if last is not None and "most_recent_tweet_id" in exp:
                user["most_recent_tweet_id"] = last["id"]
                if True:
                    body["includes"] = {"tweets": [{"id": last["id"], "text": last["text"],
                                                    "edit_history_tweet_ids": last["edit_history_tweet_ids"]}]}
        return common.answer(200, body, headers=hdr)

    def delete(self, state, pid, hdr):
        with state.lock:
            post = next((p for p in state.posts if p["id"] == pid), None)
            if post is None:
                return problem(404, "Not Found Error", "Could not find tweet with id: [%s]." % pid,
                               "https://api.twitter.com/2/problems/resource-not-found")
            state.posts.remove(post)
        return common.answer(200, {"data": {"deleted": True}}, headers=hdr)

    def timeline(self, state, req, uid, hdr):
        q = req.query
        if set(q) - {"max_results", "pagination_token", "since_id", "until_id", "tweet.fields", "exclude",
                     "start_time", "end_time", "expansions"}:
            return invalid("The query parameter [%s] is not one of [max_results, pagination_token, …]"
                           % sorted(set(q))[0])
        n = q.get("max_results", ["10"])[0]
        if not n.isdigit() or not 5 <= int(n) <= 100:
            return invalid("The `max_results` query parameter value [%s] is not between 5 and 100" % n)
        if uid != self.user_id:
            return common.answer(200, {"errors": [{"value": uid, "detail": "Could not find user with id: [%s]."
                                                   % uid, "title": "Not Found Error", "type":
                                                   "https://api.twitter.com/2/problems/resource-not-found"}]})
        with state.lock:
            data = [{"id": p["id"], "text": p["text"], "edit_history_tweet_ids": p["edit_history_tweet_ids"]}
                    for p in reversed(state.posts)][:int(n)]
        meta = {"result_count": len(data)}
        if data:
            meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
            return common.answer(200, {"data": data, "meta": meta}, headers=hdr)
        return common.answer(200, {"meta": meta}, headers=hdr)


if __name__ == "__main__":
    common.serve(X(), "X API v2 test server")
