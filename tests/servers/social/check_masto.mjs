// check_masto.mjs - checks tests/servers/social/mastodon.py with a real Mastodon client
// library (npm masto, pinned in package.json): the library reads the instance, verifies the
// token, posts a status (visibility, language, Idempotency-Key) twice with the same key,
// edits it and deletes it, and sees the server's errors as the library's MastoHttpError
// (401 with a wrong token, 422 over max_characters, 404 after the delete).
// usage: node check_masto.mjs URL TOKEN   (prints "ok" and exits 0, or the failure and 1)
import { createRestAPIClient } from "masto";

const [url, token] = process.argv.slice(2);
const masto = createRestAPIClient({ url, accessToken: token, timeout: 30000 });

function ensure(cond, what) {
	if (!cond) throw new Error("check failed: " + what);
}

async function refused(p, status, what) {
	try {
		await p;
	} catch (e) {
		ensure(e.statusCode === status, `${what}: status ${e.statusCode}, wanted ${status} (${e.message})`);
		return e;
	}
	throw new Error(`${what}: not refused`);
}

const inst = await masto.v2.instance.fetch();
const max = inst.configuration.statuses.maxCharacters;
ensure(max > 0, "instance max_characters");
const me = await masto.v1.accounts.verifyCredentials();
ensure(me.acct === "alumni", "verify_credentials acct " + me.acct);

const key = { requestInit: { headers: { "Idempotency-Key": "check-masto-1" } } };
const s = await masto.v1.statuses.create({ status: "Hello from masto https://example.org/a/very/long/link/that/counts/as/23", visibility: "unlisted", language: "en" }, key);
ensure(s.id && s.visibility === "unlisted" && s.language === "en", "created " + JSON.stringify(s));
const again = await masto.v1.statuses.create({ status: "Hello from masto https://example.org/a/very/long/link/that/counts/as/23", visibility: "unlisted", language: "en" }, key);
ensure(again.id === s.id, `same Idempotency-Key gave ${again.id}, not ${s.id}`);

const e = await masto.v1.statuses.$select(s.id).update({ status: "Edited from masto", language: "en" });
ensure(e.id === s.id && e.editedAt && e.content.includes("Edited from masto"), "edited " + JSON.stringify(e));
const got = await masto.v1.statuses.$select(s.id).fetch();
ensure(got.content.includes("Edited"), "fetch after edit");

await refused(masto.v1.statuses.create({ status: "x".repeat(max + 1) }), 422, "over max_characters");
const d = await masto.v1.statuses.$select(s.id).remove();
ensure(d.id === s.id && d.text === "Edited from masto", "deleted " + JSON.stringify(d));
await refused(masto.v1.statuses.$select(s.id).fetch(), 404, "fetch after delete");

const bad = createRestAPIClient({ url, accessToken: "wrong-token", timeout: 30000 });
await refused(bad.v1.statuses.create({ status: "nope" }), 401, "wrong token");
console.log("ok");
