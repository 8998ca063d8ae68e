"""Schemathesis hooks for the API fuzzing stage (scripts/api-fuzz.mjs, issue 9 part 2).

The run is authenticated with the root token. Two operations would end it: DELETE /tk/v1/self
revokes the caller and POST /tk/v1/self/rotate replaces its secret. So for those two, and for a
PATCH/DELETE/rotate of the root token's own id, this hook mints a throwaway token (POST
/tk/v1/tokens as root) and sends that instead (its secret, or its id). Every other case is
sent as generated. The hook also counts requests and statuses for the stage's figures.
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


@schemathesis.auth(refresh_interval=None, retry_on=[])
class RootAuth:
    """Authorization: Bearer <root token>, or a throwaway token for the self-revoking operations."""

    def get(self, case, context):
        if (case.method.upper(), case.path) in SELF_MUTATING:
            return mint()[0]
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


@schemathesis.hook
def after_call(context, case, response):
    statuses[response.status_code] += 1


@atexit.register
def _write_stats():
    if STATS:
        with open(STATS, "w") as f:
            json.dump({"requests": sum(statuses.values()), "minted": minted, "statuses": {str(k): v for k, v in sorted(statuses.items())}}, f)
