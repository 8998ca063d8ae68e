// One import line: tokenkit's browser entry has instantiated the wasm when it resolves.
import { generateToken, digestToken, checkPresented } from "tokenkit";

const $ = (id) => document.getElementById(id);
// A server keeps only digests; with a pepper (a secret of its own) it would be an HMAC.
const show = (token) => {
  $("token").textContent = token;
  $("digest").textContent = digestToken(token);
  $("presented").value = token;
};

$("new-token").addEventListener("click", () => show(generateToken()));

$("check").addEventListener("submit", (e) => {
  e.preventDefault();
  // What a page can check without a server: the format and the checksum (a typo, a truncated
  // paste). Whether the token exists, is revoked or expired is the service's to say.
  const verdict = checkPresented($("presented").value.trim());
  $("verdict").textContent = verdict === null ? "well formed" : `${verdict.code}: ${verdict.message}`;
});

show(generateToken());
