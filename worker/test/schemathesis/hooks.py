"""Schemathesis hooks for the API fuzzing stage (scripts/api-fuzz.mjs, issue 9 part 2).

The run is authenticated with the root token. Two operations would end it: DELETE /tk/v1/self
revokes the caller and POST /tk/v1/self/rotate replaces its secret. So for those two, and for a
PATCH/DELETE/rotate of the root token's own id, this hook mints a throwaway token (POST
/tk/v1/tokens as root) and sends that instead (its secret, or its id). Every other case is
sent as generated. The hook also counts requests and statuses for the stage's figures.

The accountability routes (issue #18) could end the run too, by other means: a bulk revoke
(POST /tk/v1/tokens/revoke, `createdBefore` far ahead) revokes the root token with the rest, an
account policy (PUT …/policy) with a short `maxLifetime` refuses the throwaway tokens this hook
mints, and a role change or removal of the root member (PATCH/DELETE …/members/{memberId}) takes
its owner role. So a bulk revoke is sent with the owner token of a throwaway account, and those
account routes aimed at the root account (or the root member) go to a throwaway account (or its
owner) instead.
"""

import atexit
import json
import os
import urllib.request
from collections import Counter

import schemathesis

BASE = os.environ["TOKENKIT_BASE"]
ROOT = os.environ["TOKENKIT_ROOT_TOKEN"]
ROOT_ID = os.environ["TOKENKIT_ROOT_ID"]
STATS = os.environ.get("TOKENKIT_FUZZ_STATS")

SELF_MUTATING = {("DELETE", "/tk/v1/self"), ("POST", "/tk/v1/self/rotate")}
ACCOUNT_WIDE = {("POST", "/tk/v1/tokens/revoke")}
ACCOUNT_ROUTES = {("PUT", "/tk/v1/accounts/{id}/policy"), ("PATCH", "/tk/v1/accounts/{id}/members/{memberId}"), ("DELETE", "/tk/v1/accounts/{id}/members/{memberId}")}

statuses = Counter()
minted = 0


def mint():
    """A fresh policy-owner token of the root account: (secret, id)."""
    global minted
    body = json.dumps({"name": "schemathesis throwaway", "scope": {"language": "policy", "role": "owner"}, "lifetime": "one-week"}).encode()
    req = urllib.request.Request(f"{BASE}/tk/v1/tokens", data=body, method="POST", headers={"authorization": f"Bearer {ROOT}", "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        out = json.load(r)
    minted += 1
    return out["secret"], out["token"]["id"]


def _root(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{BASE}{path}", data=data, method=method, headers={"authorization": f"Bearer {ROOT}", "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def throwaway_account():
    """A fresh account (made by root) with an owner token: (account id, owner member id, secret)."""
    global minted
    out = _root("POST", "/tk/v1/accounts", {"name": "schemathesis throwaway account", "lifetime": "one-week"})
    minted += 1
    return out["account"]["id"], out["member"]["id"], out["secret"]


_me = _root("GET", "/tk/v1/self")
ROOT_ACCOUNT, ROOT_MEMBER = _me["accountId"], _me["ownerId"]


@schemathesis.auth(refresh_interval=None, retry_on=[])
class RootAuth:
    """Authorization: Bearer <root token>, or a throwaway token for the self-revoking operations."""

    def get(self, case, context):
        if (case.method.upper(), case.path) in SELF_MUTATING:
            return mint()[0]
        if (case.method.upper(), case.path) in ACCOUNT_WIDE:
            return throwaway_account()[2]
        return ROOT

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def before_call(context, case, kwargs):
    params = case.path_parameters or {}
    if params.get("id") == ROOT_ID and case.method.upper() in ("PATCH", "DELETE", "POST"):
        _, token_id = mint()
        params["id"] = token_id
    if (case.method.upper(), case.path) in ACCOUNT_ROUTES and (params.get("id") == ROOT_ACCOUNT or params.get("memberId") == ROOT_MEMBER):
        account, member, _ = throwaway_account()
        params["id"] = account
        if "memberId" in params:
            params["memberId"] = member


@schemathesis.hook
def after_call(context, case, response):
    statuses[response.status_code] += 1


@atexit.register
def _write_stats():
    if STATS:
        with open(STATS, "w") as f:
            json.dump({"requests": sum(statuses.values()), "minted": minted, "statuses": {str(k): v for k, v in sorted(statuses.items())}}, f)
