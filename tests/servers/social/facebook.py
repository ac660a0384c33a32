#!/usr/bin/env python3
"""A strict stand-in for a Facebook page's feed in the Graph API, following the published
reference: Graph API v24.0, "Page Feed" (developers.facebook.com/docs/graph-api/reference/
page/feed: publishing with message and link), "Page Post" (…/reference/pagepost: updating
with message, deleting), "Page" (…/reference/page: fields id, name), "Handling Errors"
(…/docs/graph-api/guides/error-handling: the error object and its codes) and "Rate Limiting"
(…/overview/rate-limiting: codes 4, 17, 32, 613 and the X-Page-Usage header).

It accepts only what the reference allows and answers with the Graph API's error object
{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}} otherwise:
  - the page access token (--token) as Authorization: Bearer; missing: code 104; wrong:
    code 190; revoked (test control): code 190 subcode 460;
  - the version in the path must be --version (another: code 2500 unknown path);
  - POST /{version}/{page}/feed, form-encoded or JSON: message (at most 63206 characters)
    and/or link (a URL), optional published; any other parameter code 100.  {"id":
    "PAGE_POST"};
  - POST /{version}/{PAGE_POST} with message: {"success": true}; DELETE /{version}/{PAGE_POST}:
    {"success": true}; an unknown post: code 100 subcode 33;
  - GET /{version}/{page}/feed?fields=id,message,created_time&limit=N (fields of a post
    only, N at most 100): {"data": [newest first], "paging": …};
  - GET /{version}/{page}?fields=id,name: {"id", "name"};
  - rate limit on demand (test control): HTTP 400, code 32 "Page request limit reached",
    with X-Page-Usage.
Test controls: see common.py.
"""
import json
import os
import re
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

POST_FIELDS = {"id", "message", "created_time", "updated_time", "permalink_url", "link"}


def fb_error(message, code, subcode=None, etype="OAuthException", status=400, headers=None):
    e = {"message": message, "type": etype, "code": code, "fbtrace_id": secrets.token_urlsafe(8)}
    if subcode:
        e["error_subcode"] = subcode
    return common.answer(status, {"error": e}, headers=headers)


def no_object(method, oid):
    return fb_error("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing "
                    "permissions, or does not support this operation." % (method.lower(), oid), 100, 33,
                    "GraphMethodException")


class Facebook:
    def add_args(self, ap):
        ap.add_argument("--page", required=True)
        ap.add_argument("--version", default="v24.0")
        ap.add_argument("--name", default="Mentoring")

    def configure(self, args, state):
        self.page, self.version, self.name = args.page, args.version, args.name

    def params(self, req):
        """The request's parameters (query, then the body: form or JSON), or None."""
        p = {k: v[-1] for k, v in req.query.items()}
        if req.body:
            if req.content_type() == "application/x-www-form-urlencoded":
                b = req.form()
            elif req.content_type() == "application/json":
                b = req.json()
                if b is not None and not all(isinstance(v, (str, bool)) for v in b.values()):
                    b = None
            else:
                b = None
            if b is None:
                return None
            p.update(b)
        return p

    def handle(self, state, req):
        if common.take_ratelimit(state):
            usage = json.dumps({"call_count": 100, "total_cputime": 30, "total_time": 45})
            return fb_error("(#32) Page request limit reached", 32, headers={"X-Page-Usage": usage})
        tok = req.bearer()
        if tok is None:
            return fb_error("An access token is required to request this resource.", 104)
        if tok != state.token:
            return fb_error("Invalid OAuth access token - Cannot parse access token", 190)
        if state.revoked:
            return fb_error("Error validating access token: The session has been invalidated because the user "
                            "changed their password or Facebook has changed the session for security reasons.",
                            190, 460)
        parts = req.path.split("/")
        if len(parts) < 3 or parts[1] != self.version:
            return fb_error("Unknown path components: %s" % req.path, 2500)
        p = self.params(req)
        if p is None:
            return fb_error("(#100) The request body could not be parsed", 100)
        rest = parts[2:]
        if rest == [self.page, "feed"] and req.method == "POST":
            return self.publish(state, p)
        if rest == [self.page, "feed"] and req.method == "GET":
            return self.feed(state, p)
        if rest == [self.page] and req.method == "GET":
            if p != {"fields": p.get("fields")} or set((p.get("fields") or "id").split(",")) - {"id", "name"}:
                return fb_error("(#100) Tried accessing nonexisting field (%s)" % p.get("fields"), 100)
            return common.answer(200, {"id": self.page, "name": self.name})
        if len(rest) == 1 and re.fullmatch(r"\d+_\d+", rest[0]) and req.method in ("POST", "DELETE"):
            return self.change(state, req.method, rest[0], p)
        return fb_error("Unknown path components: %s" % req.path, 2500)

    def check_message(self, m):
        if not isinstance(m, str) or len(m) > 63206 or not m.strip():
            return fb_error("(#100) The message must be a string of at most 63206 characters", 100)
        return None

    def publish(self, state, p):
        unknown = set(p) - {"message", "link", "published"}
        if unknown:
            return fb_error("(#100) Param %s is not valid" % sorted(unknown)[0], 100)
        if "message" not in p and "link" not in p:
            return fb_error("(#100) Missing message or attachment", 100)
        if "message" in p and self.check_message(p["message"]):
            return self.check_message(p["message"])
        if "link" in p and not re.fullmatch(r"https?://\S+", str(p["link"])):
            return fb_error("(#100) The link is not a valid URL", 100)
        with state.lock:
            pid = "%s_%d" % (self.page, 122100000000000000 + state.next_id)
            state.next_id += 1
            t = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime())
            post = {"id": pid, "created_time": t}
            post.update({k: p[k] for k in ("message", "link") if k in p})
            state.posts.append(post)
        return common.answer(200, {"id": pid})

    def feed(self, state, p):
        if set(p) - {"fields", "limit", "after", "before"}:
            return fb_error("(#100) Param %s is not valid" % sorted(set(p) - {"fields", "limit"})[0], 100)
        fields = (p.get("fields") or "id,message,created_time").split(",")
        if set(fields) - POST_FIELDS:
            return fb_error("(#100) Tried accessing nonexisting field (%s) on node type (PagePost)"
                            % sorted(set(fields) - POST_FIELDS)[0], 100)
        limit = int(p.get("limit", "25")) if str(p.get("limit", "25")).isdigit() else -1
        if not 1 <= limit <= 100:
            return fb_error("(#100) The parameter limit must be between 1 and 100", 100)
        with state.lock:
            data = [{k: v for k, v in post.items() if k in fields} for post in reversed(state.posts)][:limit]
        return common.answer(200, {"data": data, "paging": {"cursors": {"before": "QVFIUk", "after": "QVFIUl"}}})

    def change(self, state, method, pid, p):
        with state.lock:
            post = next((x for x in state.posts if x["id"] == pid), None)
            if post is None:
                return no_object(method, pid)
            if method == "DELETE":
                if p:
                    return fb_error("(#100) Param %s is not valid" % sorted(p)[0], 100)
                state.posts.remove(post)
                return common.answer(200, {"success": True})
            if set(p) != {"message"}:
                return fb_error("(#100) Only message can be updated here", 100)
            bad = self.check_message(p["message"])
            if bad:
                return bad
            post["message"] = p["message"]
            post["updated_time"] = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime())
        return common.answer(200, {"success": True})


if __name__ == "__main__":
    common.serve(Facebook(), "Facebook Graph API page feed test server")
