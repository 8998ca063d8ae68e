// One import line: tokenkit's browser entry has instantiated the wasm when it resolves.
import * as tk from "tokenkit";
import { answers, PEPPER } from "./answers.js";

const $ = (id) => document.getElementById(id);

$("answers").textContent = JSON.stringify(answers(tk), null, 2);

$("new-token").addEventListener("click", () => {
  const token = tk.generateToken();
  $("token").textContent = token;
  $("digest").textContent = tk.digestToken(token, PEPPER);
  $("presented").value = token;
});

$("check").addEventListener("submit", (e) => {
  e.preventDefault();
  // The checks a page can make without a server: the format and the checksum.
  const verdict = tk.checkPresented($("presented").value.trim());
  $("verdict").textContent = verdict === null ? "well formed" : `${verdict.code}: ${verdict.message}`;
});
