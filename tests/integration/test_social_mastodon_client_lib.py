"""The Mastodon test server (tests/servers/social/mastodon.py) against a real Mastodon client
library: npm masto (pinned in tests/servers/social/package.json, installed by its install.sh
into a cache directory) reads the instance, verifies the token, posts a status twice with one
Idempotency-Key (one status), edits, fetches and deletes it, and gets the server's errors
(422 over max_characters, 404 after the delete, 401 with a wrong token) as a client of the
real API would.  So the server the bot is tested against speaks the API the library knows.
"""
import json
import os
import subprocess
import urllib.request

import lib
from test_social_mastodon import Mastodon

SOCIAL_DIR = os.path.join(lib.REPO, "tests", "servers", "social")


@lib.timeout(900)
def test_masto_library_posts_edits_and_deletes_on_the_test_server():
    d = subprocess.run([os.path.join(SOCIAL_DIR, "install.sh")], stdout=subprocess.PIPE, text=True,
                       check=True, timeout=900).stdout.strip().splitlines()[-1]
    srv = Mastodon(max_chars=200)
    try:
        r = subprocess.run(["node", os.path.join(d, "check_masto.mjs"), srv.url, srv.token], cwd=d,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        lib.ensure(r.returncode == 0 and r.stdout.strip().endswith("ok"), "check_masto.mjs: %s" % r.stdout[-2000:])
        st = srv.statuses()
        lib.ensure(len(st) == 1 and st[0]["deleted"] and st[0]["text"] == "Edited from masto", st)
        lib.ensure(st[0]["visibility"] == "unlisted" and st[0]["language"] == "en", st)
    finally:
        srv.stop()
