"""HTTP plumbing shared by the strict test servers of tests/servers/social/ (LinkedIn,
Facebook, X): a threaded stdlib HTTP server on loopback, the request's parts (method, path,
query, headers, body), JSON answers, the bearer token check, and the test controls under
/_test/ that every server offers:

  GET  /_test/posts             the posts kept in memory (JSON list, oldest first)
  GET  /_test/requests          every API request seen: [{"method", "path"}, ...]
  POST /_test/ratelimit {"n": N}  the next N API requests get the network's rate-limit answer
  POST /_test/revoke            the token is revoked from now on (the network's answer for it)
  POST /_test/restore           the token is valid again

Started as `python3 NAME.py --token TOKEN [--port P] …`; it prints "PORT <n>" on stdout
once it listens.  Nothing here is any network's behaviour: the network modules decide
every answer.
"""
import argparse
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, token):
        self.lock = threading.Lock()
        self.token = token
        self.revoked = False
        self.ratelimit = 0
        self.posts = []
        self.requests = []
        self.next_id = 1


class Request:
    def __init__(self, handler, body):
        self.method = handler.command
        u = urllib.parse.urlsplit(handler.path)
        self.raw_path = u.path
        self.path = urllib.parse.unquote(u.path)
        self.raw_query = u.query
        self.query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        self.headers = handler.headers
        self.body = body

    def header(self, name):
        return self.headers.get(name)

    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def bearer(self):
        a = self.headers.get("Authorization") or ""
        return a[7:] if a.startswith("Bearer ") else None

    def json(self):
        """The body as a JSON object, or None."""
        try:
            v = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return v if isinstance(v, dict) else None

    def form(self):
        """The body as a form: {name: value}, or None (a name twice, bad encoding)."""
        try:
            pairs = urllib.parse.parse_qsl(self.body.decode("ascii"), keep_blank_values=True, strict_parsing=True,
                                           encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError):
            return None
        out = {}
        for k, v in pairs:
            if k in out:
                return None
            out[k] = v
        return out


class Answer:
    def __init__(self, status, body=None, headers=None):
        self.status, self.body, self.headers = status, body, headers or {}


def answer(status, obj=None, headers=None, content_type="application/json"):
    h = dict(headers or {})
    if obj is not None:
        h.setdefault("Content-Type", content_type)
    return Answer(status, None if obj is None else json.dumps(obj).encode(), h)


def serve(network, description):
    """Run the server of network (an object with .handle(state, req) -> Answer and an
    optional .add_args(parser) / .configure(args, state))."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", required=True)
    if hasattr(network, "add_args"):
        network.add_args(ap)
    args = ap.parse_args()
    state = State(args.token)
    if hasattr(network, "configure"):
        network.configure(args, state)

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            sys.stderr.write("%s %s\n" % (self.command, self.path))

        def _do(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n > 0 else b""
            req = Request(self, body)
            if req.path.startswith("/_test/"):
                ans = control(state, req)
            else:
                with state.lock:
                    state.requests.append({"method": req.method, "path": req.path, "query": req.raw_query})
                ans = network.handle(state, req)
            self.send_response(ans.status)
            for k, v in ans.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(ans.body or b"")))
            self.end_headers()
            if ans.body:
                self.wfile.write(ans.body)

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _do

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), H)
    srv.daemon_threads = True
    print("PORT %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


def control(state, req):
    with state.lock:
        if req.method == "GET" and req.path == "/_test/posts":
            return answer(200, state.posts)
        if req.method == "GET" and req.path == "/_test/requests":
            return answer(200, state.requests)
        if req.method == "POST" and req.path == "/_test/ratelimit":
            state.ratelimit = int((req.json() or {}).get("n", 1))
            return answer(200, {"ratelimit": state.ratelimit})
        if req.method == "POST" and req.path == "/_test/revoke":
            state.revoked = True
            return answer(200, {"revoked": True})
        if req.method == "POST" and req.path == "/_test/restore":
            state.revoked = False
            return answer(200, {"revoked": False})
    return answer(404, {"error": "no such test control"})


def take_ratelimit(state):
    """1 when this request is to get the rate-limit answer."""
    with state.lock:
        if state.ratelimit > 0:
            state.ratelimit -= 1
            return 1
    return 0
