// A TypeScript client of tokenkit's API generated from the served /openapi.json
// (openapi-typescript → types.d.ts, next to this file at test time) and driven by openapi-fetch:
// create → rotate → revoke, then a typed error. Compiled with `tsc --strict` and run by
// worker/test/client.test.mjs, which checks what it prints. The base URL and the token come from
// the environment (never argv: the token is a secret).
import createClient from "openapi-fetch";
import type { components, paths } from "./types.js";

declare const process: { env: Record<string, string | undefined> };

type ErrorCode = components["schemas"]["ErrorCode"];
type TokenMeta = components["schemas"]["TokenMeta"];

const baseUrl = process.env.TOKENKIT_BASE_URL;
const token = process.env.TOKENKIT_TOKEN;
if (!baseUrl || !token) throw new Error("TOKENKIT_BASE_URL and TOKENKIT_TOKEN are required");

const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } });
const as = (secret: string) => createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${secret}` } });

// create
const made = await client.POST("/tk/v1/tokens", {
  body: { name: "generated client", scope: { language: "names", scopes: ["invoices:read"] }, lifetime: "30-days" },
});
if (made.error) throw new Error(`create: ${made.response.status} ${made.error.error.code}`);
const created: TokenMeta = made.data.token;
// `secret` is null only in a replay of an Idempotency-Key request (docs/service.md): not sent here.
const firstSecret = made.data.secret;
if (firstSecret === null) throw new Error("create: a replay, without its secret");

// the new token authenticates
const me = await as(firstSecret).GET("/tk/v1/self");
if (me.error) throw new Error(`self: ${me.error.error.code}`);

// rotate, without grace: the first secret stops working at once
const rotated = await client.POST("/tk/v1/tokens/{id}/rotate", { params: { path: { id: created.id } }, body: { grace: "now" } });
if (rotated.error) throw new Error(`rotate: ${rotated.response.status} ${rotated.error.error.code}`);
const secondSecret = rotated.data.secret;
if (secondSecret === null) throw new Error("rotate: a replay, without its secret");
const newSecret = await as(secondSecret).GET("/tk/v1/self");

// revoke
const revoked = await client.DELETE("/tk/v1/tokens/{id}", { params: { path: { id: created.id } } });
// the rotated-out secret of a revoked token is refused as revoked (presented before the revocation
// it would have been reuse, revoking the token: docs/service.md)
const oldSecret = await as(firstSecret).GET("/tk/v1/self");

// a typed error: the revoked token is gone (404), and its secret is refused (401)
const gone = await client.GET("/tk/v1/tokens/{id}", { params: { path: { id: created.id } } });
const refused = await as(secondSecret).GET("/tk/v1/self");
const goneCode: ErrorCode | undefined = gone.error?.error.code;
const refusedCode: ErrorCode | undefined = refused.error?.error.code;

// The generated types are the document's, not `any`: each line below must fail to compile.
// @ts-expect-error not a code of the ErrorCode enum
const notACode: ErrorCode = "no_such_code";
// @ts-expect-error a token needs a name
const noName: components["schemas"]["CreateToken"] = { scope: { language: "names", scopes: [] } };
// @ts-expect-error no such route
void client.GET("/tk/v1/nowhere");
void notACode;
void noName;

console.log(
  JSON.stringify({
    created: { status: made.response.status, id: created.id, name: created.name, secretShape: /^tk_[0-9A-Za-z]{36}$/.test(firstSecret) },
    self: { status: me.response.status, id: me.data.id },
    rotated: { status: rotated.response.status, id: rotated.data.token.id, changed: secondSecret !== firstSecret, previousExpiresAt: rotated.data.previous_expires_at },
    oldSecret: { status: oldSecret.response.status, code: oldSecret.error?.error.code ?? null },
    newSecret: { status: newSecret.response.status, id: newSecret.data?.id ?? null },
    revoked: { status: revoked.response.status },
    gone: { status: gone.response.status, code: goneCode ?? null },
    refused: { status: refused.response.status, code: refusedCode ?? null },
  }),
);
