#!/usr/bin/env python3
"""A strict stand-in for LinkedIn's Posts API, following the published reference: LinkedIn
Marketing API (versioned APIs, version 202611), Community Management: "Posts API"
(learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api), "Little Text
Format" (…/shares/little-text-format), "Organization Lookup API"
(…/community-management/organizations/organization-lookup-api), the Rest.li protocol 2.0
headers and the API error responses ("Error Handling", with the 656xx token codes).

It accepts only what the reference allows and answers with LinkedIn's error body
{"status", "serviceErrorCode", "code", "message"} otherwise:
  - Authorization: Bearer <token> (--token): 401 INVALID_ACCESS_TOKEN (65600), revoked (test
    control) 401 REVOKED_ACCESS_TOKEN (65601);
  - LinkedIn-Version: YYYYMM required (400 VERSION_MISSING), an active one (426
    NONEXISTENT_VERSION); X-Restli-Protocol-Version: 2.0.0 required (400);
  - POST /rest/posts (application/json): author = the organization (--org; another 403),
    commentary as little text (reserved characters escaped; only the hashtag template) of
    at most 3000 characters, visibility, distribution {feedDistribution, targetEntities,
    thirdPartyDistributionChannels}, lifecycleState, optional content.article {source,
    title, description, thumbnail} and isReshareDisabledByAuthor; unknown or missing fields
    422.  201, no body, the post's URN in x-restli-id;
  - GET /rest/posts?author=URN&q=author&count=N (X-RestLi-Method FINDER if sent): newest
    first, {"paging", "elements"};
  - POST /rest/posts/{URN} with X-RestLi-Method: PARTIAL_UPDATE and {"patch": {"$set":
    {"commentary"…}}}: 204; DELETE /rest/posts/{URN}: 204; unknown URN 404;
  - GET /rest/organizations/{id}: {"id", "localizedName", "vanityName"};
  - rate limit on demand (test control): 429 {"status": 429, "message": …} (LinkedIn
    documents no rate-limit headers).
Test controls: see common.py.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

ACTIVE_VERSIONS = {"202511", "202512", "202601", "202602", "202603", "202604", "202605", "202606", "202607",
                   "202608", "202609", "202610", "202611", "202612"}
RESERVED = set("|{}@[]()<>#\\*_~")
POST_FIELDS = {"author", "commentary", "visibility", "distribution", "content", "lifecycleState",
               "isReshareDisabledByAuthor", "contentLandingPage", "contentCallToActionLabel", "container",
               "reshareContext", "adContext"}
REQUIRED = {"author", "commentary", "visibility", "distribution", "lifecycleState"}
HASHTAG = re.compile(r"\{hashtag\|\\#\|((?:\\.|[^\\{}|])+)\}")


def err(status, code, message, service=None):
    body = {"status": status, "code": code, "message": message}
    if service:
        body["serviceErrorCode"] = service
    return common.answer(status, body)


def invalid(message):
    return common.answer(422, {"errorDetailType": "com.linkedin.common.error.BadRequest", "message": message,
                               "status": 422, "code": "UNPROCESSABLE_ENTITY"})


def little_text(s):
    """The plain text of little text s, or None when s is not valid little text."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s):
                return None
            out.append(s[i + 1])
            i += 2
        elif c == "{":
            m = HASHTAG.match(s, i)
            if not m:
                return None
            out.append("#" + re.sub(r"\\(.)", r"\1", m.group(1)))
            i = m.end()
        elif c in RESERVED:
            return None
        else:
            out.append(c)
            i += 1
    return "".join(out)


class LinkedIn:
    def add_args(self, ap):
        ap.add_argument("--org", required=True, help="the organization's number")
        ap.add_argument("--name", default="Mentoring e.V.")

    def configure(self, args, state):
        self.org = "urn:li:organization:%s" % args.org
        self.org_id = args.org
        self.name = args.name

    def handle(self, state, req):
        if common.take_ratelimit(state):
            return err(429, "TOO_MANY_REQUESTS",
                       "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.")
        if req.bearer() != state.token:
            return err(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)
        if state.revoked:
            return err(401, "REVOKED_ACCESS_TOKEN", "The token used in the request has been revoked by the user",
                       65601)
        v = req.header("LinkedIn-Version")
        if not v:
            return err(400, "VERSION_MISSING", "A version must be present. Please specify a version by adding "
                       "the LinkedIn-Version header.")
        if v not in ACTIVE_VERSIONS:
            return err(426, "NONEXISTENT_VERSION", "Requested version %s is not active" % v)
        if req.header("X-Restli-Protocol-Version") != "2.0.0":
            return err(400, "ILLEGAL_ARGUMENT", "X-Restli-Protocol-Version 2.0.0 is required")
        rm = req.header("X-RestLi-Method")
        m = re.fullmatch(r"/rest/posts/(urn:li:(?:share|ugcPost):\d+)", req.path)
        if req.path == "/rest/posts" and req.method == "POST" and rm is None:
            return self.create(state, req)
        if req.path == "/rest/posts" and req.method == "GET" and rm in (None, "FINDER"):
            return self.finder(state, req)
        if m and req.method == "POST" and rm == "PARTIAL_UPDATE":
            return self.update(state, req, m.group(1))
        if m and req.method == "DELETE" and rm in (None, "DELETE"):
            return self.delete(state, m.group(1))
        if req.method == "GET" and req.path == "/rest/organizations/" + self.org_id and rm is None:
            return common.answer(200, {"id": int(self.org_id), "localizedName": self.name,
                                       "vanityName": "mentoring"})
        if req.path.startswith("/rest/organizations/"):
            return err(403, "ACCESS_DENIED", "Not enough permissions to access: organizations.GET.20261101")
        return err(404, "NOT_FOUND", "No virtual resource found")

    def check_commentary(self, c):
        if not isinstance(c, str) or len(c) > 3000:
            return None, invalid("/commentary :: length must be at most 3000")
        plain = little_text(c)
        if plain is None:
            return None, invalid("/commentary :: invalid little text (unescaped reserved character)")
        return plain, None

    def create(self, state, req):
        if req.content_type() != "application/json":
            return err(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json")
        b = req.json()
        if b is None:
            return err(400, "ILLEGAL_ARGUMENT", "Unable to parse the request body")
        unknown, missing = set(b) - POST_FIELDS, REQUIRED - set(b)
        if unknown or missing:
            return invalid("unrecognized fields %s, missing %s" % (sorted(unknown), sorted(missing)))
        if b["author"] != self.org:
            return err(403, "ACCESS_DENIED", "Not enough permissions to post as %s" % b["author"])
        plain, bad = self.check_commentary(b["commentary"])
        if bad:
            return bad
        d = b["distribution"]
        if (b["visibility"] not in ("PUBLIC", "CONNECTIONS", "LOGGED_IN", "CONTAINER")
                or b["lifecycleState"] not in ("PUBLISHED", "DRAFT")
                or not isinstance(d, dict)
                or set(d) - {"feedDistribution", "targetEntities", "thirdPartyDistributionChannels"}
                or d.get("feedDistribution") not in ("MAIN_FEED", "NONE")
                or not isinstance(d.get("targetEntities", []), list)
                or not isinstance(d.get("thirdPartyDistributionChannels", []), list)
                or not isinstance(b.get("isReshareDisabledByAuthor", False), bool)):
            return invalid("invalid visibility, lifecycleState or distribution")
        if "content" in b:
            c = b["content"]
            art = c.get("article") if isinstance(c, dict) and set(c) == {"article"} else None
            if (not isinstance(art, dict) or set(art) - {"source", "title", "description", "thumbnail"}
                    or not isinstance(art.get("source"), str) or not re.match(r"https?://\S+$", art["source"])
                    or not isinstance(art.get("title"), str) or len(art["title"]) > 400
                    or not isinstance(art.get("description", ""), str)):
                return invalid("/content/article :: source (a URL) and title are required")
        with state.lock:
            urn = "urn:li:share:%d" % (7000000000000000000 + state.next_id)
            state.next_id += 1
            now = int(time.time() * 1000)
            post = dict(b, id=urn, createdAt=now, publishedAt=now, lastModifiedAt=now, plain=plain)
            state.posts.append(post)
        return common.Answer(201, None, {"x-restli-id": urn})

    def public(self, p):
        return {k: v for k, v in p.items() if k != "plain"}

    def finder(self, state, req):
        q = req.query
        if q.get("q") != ["author"] or q.get("author") != [self.org] or set(q) - {"q", "author", "count", "start",
                                                                                   "sortBy"}:
            return err(400, "ILLEGAL_ARGUMENT", "q=author with the author's URN is required")
        count = int(q.get("count", ["10"])[0])
        if not 1 <= count <= 100:
            return err(400, "ILLEGAL_ARGUMENT", "count must be between 1 and 100")
        with state.lock:
            posts = [self.public(p) for p in reversed(state.posts)][:count]
            total = len(state.posts)
        return common.answer(200, {"paging": {"start": 0, "count": count, "links": [], "total": total},
                                   "elements": posts})

    def find(self, state, urn):
        for p in state.posts:
            if p["id"] == urn:
                return p
        return None

    def update(self, state, req, urn):
        b = req.json()
        s = b.get("patch", {}).get("$set") if b and set(b) == {"patch"} and isinstance(b["patch"], dict) else None
        if not isinstance(s, dict) or set(b["patch"]) != {"$set"} or not s or set(s) - {"commentary",
                                                                                          "contentCallToActionLabel",
                                                                                          "contentLandingPage",
                                                                                          "lifecycleState"}:
            return invalid("a partial update is {\"patch\": {\"$set\": {…}}} of the updatable fields")
        plain = None
        if "commentary" in s:
            plain, bad = self.check_commentary(s["commentary"])
            if bad:
                return bad
        with state.lock:
            p = self.find(state, urn)
            if not p:
                return err(404, "NOT_FOUND", "Post %s not found" % urn)
            p.update(s, lastModifiedAt=int(time.time() * 1000))
            if plain is not None:
                p["plain"] = plain
        return common.Answer(204)

    def delete(self, state, urn):
        with state.lock:
            p = self.find(state, urn)
            if not p:
                return err(404, "NOT_FOUND", "Post %s not found" % urn)
            state.posts.remove(p)
        return common.Answer(204)


if __name__ == "__main__":
    common.serve(LinkedIn(), "LinkedIn Posts API test server")
