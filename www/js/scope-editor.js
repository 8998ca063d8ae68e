// The scope editor: one form per scope language (docs/scopes.md), the normal form from the wasm
// validateScope, its summary, coverage by the caller's own scope (grantScope — the core's rule the
// service runs on create) and a "try a request" box answered by the compiled scope's explain().
import { h, nextId } from "./format.js";

/** {covered, reason}: may the caller grant `scope`? The core's grantScope, as the service asks it. */
function grantable(tk, callerScope, scope) {
  try {
    tk.grantScope(callerScope, scope);
    return { covered: true, reason: "" };
  } catch (e) {
    return { covered: false, reason: e.message };
  }
}

const LANGUAGES = [
  { id: "policy", label: "Policy", hint: "Built-in role and IAM-style statements (LaunchDarkly)" },
  { id: "privileges", label: "Privileges", hint: "domain:action grants (Akinon)" },
  { id: "s2", label: "S2 resources", hint: "Operations on basins, streams and tokens (S2)" },
  { id: "names", label: "Scope names", hint: "Named scopes (Space)" },
];

const ROLE_TEXT = {
  no_access: "No access — grants nothing on its own",
  reader: "Reader — get, list and view everything",
  writer: "Writer — everything except managing members, roles, teams and tokens",
  admin: "Admin — everything except changing the account",
  owner: "Owner — everything",
};

const SETS = [
  ["basins", "Basins"],
  ["streams", "Streams"],
  ["access_tokens", "Access tokens"],
];

const lines = (text) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Field of a TokenkitError (`privileges[2]`, `inlineRole[0].actions`) → the form control it concerns. */
function controlFor(field, refs) {
  if (!field) return null;
  const head = String(field).replace(/^scope\.?/, "").split(/[.[]/)[0];
  return refs[head] ?? null;
}

export class ScopeEditor {
  /**
   * @param tk the wasm package
   * @param {{callerScope: object, onChange?: () => void, legend?: string}} opts
   */
  constructor(tk, { callerScope, onChange, legend = "Scope" }) {
    this.tk = tk;
    this.callerScope = callerScope;
    this.onChange = () => {};
    this.language = "policy";
    this.refs = {};
    this.state = { normal: null, error: null, coverage: null };
    this.el = this.#build(legend);
    this.set({ language: "policy", role: "reader", customRoleIds: [], inlineRole: [] });
    this.onChange = onChange ?? (() => {});
  }

  #build(legend) {
    const id = nextId("scope");
    this.tabs = h("div", { class: "segmented", role: "radiogroup", "aria-label": "Scope language" });
    for (const l of LANGUAGES) {
      const rid = `${id}-lang-${l.id}`;
      const input = h("input", { type: "radio", name: `${id}-lang`, id: rid, value: l.id, onchange: () => this.#switch(l.id) });
      this.tabs.append(h("span", { class: "seg" }, input, h("label", { for: rid, title: l.hint }, l.label)));
    }
    this.langHint = h("p", { class: "hint" });
    this.panels = {
      policy: this.#policyPanel(id),
      privileges: this.#privilegesPanel(id),
      s2: this.#s2Panel(id),
      names: this.#namesPanel(id),
    };
    this.errorEl = h("p", { class: "field-error", id: `${id}-error`, role: "alert", hidden: true });
    this.summaryEl = h("p", { class: "scope-summary" });
    this.coverEl = h("p", { class: "coverage" });
    this.jsonEl = h("pre", { class: "code", tabindex: "0", "aria-label": "Scope as JSON" });
    this.errorId = `${id}-error`;

    // Try a request
    const aid = `${id}-try-action`;
    const rid = `${id}-try-resource`;
    this.tryAction = h("input", { id: aid, type: "text", autocomplete: "off", spellcheck: "false", list: `${id}-actions`, oninput: () => this.#try() });
    this.tryResource = h("input", { id: rid, type: "text", autocomplete: "off", spellcheck: "false", oninput: () => this.#try() });
    this.actionList = h("datalist", { id: `${id}-actions` });
    this.tryResourceHint = h("span", { class: "hint" });
    this.tryResult = h("div", { class: "try-result", "aria-live": "polite", role: "status" });
    const tryBox = h(
      "div",
      { class: "try" },
      h("h4", {}, "Try a request"),
      h("p", { class: "hint" }, "Check what a token with this scope would be allowed to do, with the same compiled matcher the service uses."),
      h(
        "div",
        { class: "try-grid" },
        h("div", { class: "field" }, h("label", { for: aid }, "Action"), this.tryAction, this.actionList),
        h("div", { class: "field" }, h("label", { for: rid }, "Resource ", h("span", { class: "optional" }, "(optional)")), this.tryResource, this.tryResourceHint),
      ),
      this.tryResult,
    );

    return h(
      "fieldset",
      { class: "scope-editor" },
      h("legend", {}, legend),
      this.tabs,
      this.langHint,
      ...Object.values(this.panels),
      this.errorEl,
      h("div", { class: "scope-status" }, this.summaryEl, this.coverEl),
      h("details", { class: "json" }, h("summary", {}, "Scope as JSON"), this.jsonEl),
      tryBox,
    );
  }

  #changed() {
    this.#evaluate();
    this.onChange();
  }

  #policyPanel(id) {
    const roleId = `${id}-role`;
    const crId = `${id}-custom`;
    const inlId = `${id}-inline`;
    const role = h("select", { id: roleId, onchange: () => this.#changed() }, h("option", { value: "" }, "None"));
    for (const r of this.tk.builtinRoles()) role.append(h("option", { value: r }, ROLE_TEXT[r] ?? r));
    const custom = h("input", { id: crId, type: "text", autocomplete: "off", spellcheck: "false", placeholder: "e.g. release-manager, qa", oninput: () => this.#changed() });
    const inline = h("textarea", {
      id: inlId,
      rows: "5",
      spellcheck: "false",
      class: "mono",
      placeholder: '[{"effect": "allow", "resources": ["proj/*:env/staging:flag/*"], "actions": ["updateOn"]}]',
      oninput: () => this.#changed(),
    });
    Object.assign(this.refs, { role, customRoleIds: custom, inlineRole: inline });
    return h(
      "div",
      { class: "panel", dataset: { lang: "policy" } },
      h("div", { class: "field" }, h("label", { for: roleId }, "Built-in role"), role),
      h("div", { class: "field" }, h("label", { for: crId }, "Custom role keys ", h("span", { class: "optional" }, "(optional, comma-separated)")), custom),
      h(
        "div",
        { class: "field" },
        h("label", { for: inlId }, "Inline statements ", h("span", { class: "optional" }, "(optional JSON array)")),
        inline,
        h("span", { class: "hint" }, "Each statement: effect allow|deny, resources or notResources, actions or notActions. A matching deny wins."),
      ),
    );
  }

  #privilegesPanel(id) {
    const pid = `${id}-privs`;
    const privs = h("textarea", { id: pid, rows: "4", spellcheck: "false", class: "mono", placeholder: "orders:read\nproducts:*", oninput: () => this.#changed() });
    this.refs.privileges = privs;
    return h(
      "div",
      { class: "panel", dataset: { lang: "privileges" } },
      h("div", { class: "field" }, h("label", { for: pid }, "Privileges ", h("span", { class: "optional" }, "(one per line)")), privs, h("span", { class: "hint" }, "domain:action; domain:* grants every action of a domain, *:* everything.")),
    );
  }

  #namesPanel(id) {
    const uid = `${id}-unres`;
    const nid = `${id}-names`;
    const unrestricted = h("input", { type: "checkbox", id: uid, onchange: () => this.#changed() });
    const names = h("textarea", { id: nid, rows: "3", spellcheck: "false", class: "mono", placeholder: "invoices:read\nclients:write", oninput: () => this.#changed() });
    this.refs.scopes = names;
    this.refs.unrestricted = unrestricted;
    return h(
      "div",
      { class: "panel", dataset: { lang: "names" } },
      h("div", { class: "check" }, unrestricted, h("label", { for: uid }, "Unrestricted (every scope name)")),
      h("div", { class: "field" }, h("label", { for: nid }, "Scope names ", h("span", { class: "optional" }, "(one per line)")), names),
    );
  }

  #s2Panel(id) {
    const groups = this.tk.s2OperationGroups();
    this.refs.groups = {};
    const table = h("table", { class: "grid-table" }, h("caption", {}, "Operation groups"), h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Group"), h("th", { scope: "col" }, "Read"), h("th", { scope: "col" }, "Write"))));
    const body = h("tbody");
    for (const g of ["account", "basin", "stream"]) {
      const row = h("tr", {}, h("th", { scope: "row" }, g[0].toUpperCase() + g.slice(1)));
      for (const p of ["read", "write"]) {
        const ops = groups.find((x) => x.group === g && x.permission === p)?.operations ?? [];
        const cid = `${id}-g-${g}-${p}`;
        const cb = h("input", { type: "checkbox", id: cid, title: ops.join(", "), onchange: () => this.#changed() });
        this.refs.groups[`${g}.${p}`] = cb;
        row.append(h("td", {}, cb, h("label", { for: cid, class: "sr-only" }, `${g} ${p}: ${ops.join(", ")}`)));
      }
      body.append(row);
    }
    table.append(body);
    this.refs.op_groups = table;

    const opsBox = h("div", { class: "ops" });
    this.refs.opBoxes = {};
    for (const g of groups) {
      for (const op of g.operations) {
        const cid = `${id}-op-${op}`;
        const cb = h("input", { type: "checkbox", id: cid, value: op, onchange: () => this.#changed() });
        this.refs.opBoxes[op] = cb;
        opsBox.append(h("span", { class: "check" }, cb, h("label", { for: cid, class: "mono" }, op)));
      }
    }
    this.refs.ops = opsBox;

    const sets = h("div", { class: "sets" });
    this.refs.sets = {};
    for (const [key, label] of SETS) {
      const sid = `${id}-set-${key}`;
      const mode = h(
        "select",
        { id: sid, onchange: () => this.#changed() },
        h("option", { value: "none" }, "None"),
        h("option", { value: "all" }, "All"),
        h("option", { value: "prefix" }, "Names starting with"),
        h("option", { value: "exact" }, "Exactly"),
      );
      const value = h("input", { type: "text", "aria-label": `${label}: name or prefix`, spellcheck: "false", autocomplete: "off", class: "mono", oninput: () => this.#changed() });
      this.refs.sets[key] = { mode, value };
      this.refs[key] = mode;
      sets.append(h("div", { class: "field set" }, h("label", { for: sid }, label), h("div", { class: "inline" }, mode, value)));
    }
    const apid = `${id}-autoprefix`;
    const autoPrefix = h("input", { type: "checkbox", id: apid, onchange: () => this.#changed() });
    this.refs.auto_prefix_streams = autoPrefix;
    return h(
      "div",
      { class: "panel", dataset: { lang: "s2" } },
      table,
      h("details", { class: "ops-details" }, h("summary", {}, "Individual operations"), opsBox),
      sets,
      h("div", { class: "check" }, autoPrefix, h("label", { for: apid }, "Auto-prefix stream names (streams must be a prefix set)")),
    );
  }

  #switch(lang) {
    this.language = lang;
    for (const [k, p] of Object.entries(this.panels)) p.hidden = k !== lang;
    for (const i of this.tabs.querySelectorAll("input")) i.checked = i.value === lang;
    this.langHint.textContent = LANGUAGES.find((l) => l.id === lang).hint + ".";
    this.#suggestions();
    this.#changed();
  }

  #suggestions() {
    this.actionList.replaceChildren();
    let actions = [];
    let hint = "";
    if (this.language === "s2") {
      actions = this.tk.s2OperationGroups().flatMap((g) => g.operations);
      hint = "basin, basin/stream, or a token id";
    } else if (this.language === "policy") {
      actions = ["viewProject", "updateOn", "createFlag", "deleteFlag", "viewAccessToken", "createAccessToken", "updateAccessToken", "resetAccessToken", "deleteAccessToken"];
      hint = "e.g. proj/default:env/production:flag/my-flag";
    } else if (this.language === "privileges") {
      actions = ["tokens:read", "tokens:write", "orders:read"];
      hint = "not used by privileges";
    } else {
      actions = ["tokens:read", "tokens:write"];
      hint = "not used by scope names";
    }
    for (const a of actions) this.actionList.append(h("option", { value: a }));
    this.tryResourceHint.textContent = hint;
    this.tryResource.disabled = this.language === "privileges" || this.language === "names";
  }

  /** The scope object the form describes (not yet validated); throws a TokenkitError-like on JSON. */
  #raw() {
    const r = this.refs;
    switch (this.language) {
      case "policy": {
        let inline = [];
        const text = r.inlineRole.value.trim();
        if (text) {
          try {
            inline = JSON.parse(text);
          } catch (e) {
            throw Object.assign(new Error(`inline statements are not valid JSON: ${e.message}`), { name: "TokenkitError", code: "invalid_json", field: "inlineRole" });
          }
        }
        return { language: "policy", role: r.role.value || null, customRoleIds: lines(r.customRoleIds.value), inlineRole: inline };
      }
      case "privileges":
        return { language: "privileges", privileges: lines(r.privileges.value.replaceAll(",", "\n")) };
      case "names":
        return { language: "names", scopes: r.unrestricted.checked ? null : lines(r.scopes.value) };
      case "s2": {
        const set = (k) => {
          const { mode, value } = r.sets[k];
          if (mode.value === "none") return null;
          if (mode.value === "all") return { prefix: "" };
          return { [mode.value]: value.value.trim() };
        };
        const group = (g) => ({ read: r.groups[`${g}.read`].checked, write: r.groups[`${g}.write`].checked });
        return {
          language: "s2",
          basins: set("basins"),
          streams: set("streams"),
          access_tokens: set("access_tokens"),
          op_groups: { account: group("account"), basin: group("basin"), stream: group("stream") },
          ops: Object.entries(r.opBoxes)
            .filter(([, cb]) => cb.checked)
            .map(([op]) => op),
          auto_prefix_streams: r.auto_prefix_streams.checked,
        };
      }
    }
    return null;
  }

  /** Fills the form from a stored scope (any language). */
  set(scope) {
    const s = this.tk.validateScope(scope);
    const r = this.refs;
    this.language = s.language;
    if (s.language === "policy") {
      r.role.value = s.role ?? "";
      r.customRoleIds.value = (s.customRoleIds ?? []).join(", ");
      r.inlineRole.value = s.inlineRole && s.inlineRole.length ? JSON.stringify(s.inlineRole, null, 2) : "";
    } else if (s.language === "privileges") {
      r.privileges.value = s.privileges.join("\n");
    } else if (s.language === "names") {
      r.unrestricted.checked = s.scopes === null || s.scopes === undefined;
      r.scopes.value = (s.scopes ?? []).join("\n");
    } else if (s.language === "s2") {
      for (const [k] of SETS) {
        const v = s[k];
        const { mode, value } = r.sets[k];
        if (!v) (mode.value = "none"), (value.value = "");
        else if ("prefix" in v && v.prefix === "") (mode.value = "all"), (value.value = "");
        else if ("prefix" in v) (mode.value = "prefix"), (value.value = v.prefix);
        else (mode.value = "exact"), (value.value = v.exact);
      }
      for (const g of ["account", "basin", "stream"]) {
        r.groups[`${g}.read`].checked = Boolean(s.op_groups?.[g]?.read);
        r.groups[`${g}.write`].checked = Boolean(s.op_groups?.[g]?.write);
      }
      for (const [op, cb] of Object.entries(r.opBoxes)) cb.checked = (s.ops ?? []).includes(op);
      r.auto_prefix_streams.checked = Boolean(s.auto_prefix_streams);
    }
    this.#switch(s.language);
  }

  #evaluate() {
    for (const el of this.el.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    }
    for (const el of Object.values(this.refs.sets ?? {})) el.value.hidden = el.mode.value === "none" || el.mode.value === "all";
    this.state = { normal: null, error: null, coverage: null };
    try {
      this.state.normal = this.tk.validateScope(this.#raw());
    } catch (e) {
      this.state.error = e;
    }
    if (this.state.normal) {
      this.state.coverage = grantable(this.tk, this.callerScope, this.state.normal);
      this.summaryEl.textContent = this.tk.summarizeScope(this.state.normal);
      this.jsonEl.textContent = JSON.stringify(this.state.normal, null, 2);
      this.errorEl.hidden = true;
      this.errorEl.textContent = "";
      if (this.state.coverage.covered) {
        this.coverEl.className = "coverage ok";
        this.coverEl.textContent = "Within your own token's scope.";
      } else {
        this.coverEl.className = "coverage bad";
        this.coverEl.replaceChildren("Broader than your own token's scope, so the service would refuse it (", this.state.coverage.reason, ")", " ", h("code", { class: "err-code" }, "scope_not_covered"));
      }
    } else {
      const e = this.state.error;
      this.summaryEl.textContent = "";
      this.coverEl.textContent = "";
      this.coverEl.className = "coverage";
      this.jsonEl.textContent = "";
      this.errorEl.hidden = false;
      this.errorEl.replaceChildren(e.message, e.field ? ` (at ${e.field}) ` : " ", h("code", { class: "err-code" }, e.code ?? "invalid_scope"));
      const ctl = controlFor(e.field, this.refs);
      if (ctl) {
        ctl.setAttribute("aria-invalid", "true");
        ctl.setAttribute("aria-describedby", this.errorId);
      }
    }
    this.#try();
  }

  #try() {
    const action = this.tryAction.value.trim();
    if (!action) {
      this.tryResult.replaceChildren(h("span", { class: "hint" }, "Type an action to see the decision."));
      return;
    }
    if (!this.state.normal) {
      this.tryResult.replaceChildren(h("span", { class: "hint" }, "Fix the scope above first."));
      return;
    }
    const req = { action };
    const res = this.tryResource.value.trim();
    if (res && !this.tryResource.disabled) req.resource = res;
    let compiled;
    try {
      compiled = this.tk.compileScope(this.state.normal);
      const d = compiled.explain(req);
      this.tryResult.replaceChildren(
        h("span", { class: `badge ${d.allowed ? "ok" : "bad"}` }, d.allowed ? "Allowed" : "Denied"),
        " ",
        h("span", { class: "reason" }, d.reason),
        ...(d.rule ? [h("span", { class: "rule" }, " · rule ", h("code", {}, d.rule))] : []),
      );
    } catch (e) {
      this.tryResult.replaceChildren(h("span", { class: "badge warn" }, "Invalid request"), " ", e.message, " ", h("code", { class: "err-code" }, e.code ?? "error"));
    } finally {
      compiled?.free();
    }
  }

  /** {scope, error, coverage}: the normal form when valid. */
  get value() {
    return this.state;
  }

  /** Marks the editor with an error the service returned (field starts with "scope"). */
  showServerError(e) {
    this.errorEl.hidden = false;
    this.errorEl.replaceChildren(e.message, " ", h("code", { class: "err-code" }, e.code));
    this.errorEl.scrollIntoView({ block: "nearest" });
  }
}
