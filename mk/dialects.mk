# The seed APIs' own npm clients against the dialects (docs/dialects.md, "Real clients"):
# @s2-dev/streamstore and launchdarkly-api-typescript, installed outside the project's
# dependencies into node_modules/.dialect-clients/. Not part of `make test` (it downloads them).
.PHONY: dialect-clients

DIALECT_CLIENTS = node_modules/.dialect-clients
DIALECT_CLIENT_PKGS = @s2-dev/streamstore@0.27.0 launchdarkly-api-typescript@17.2.0

$(DIALECT_CLIENTS)/.installed:
	@mkdir -p $(DIALECT_CLIENTS)
	@test -f $(DIALECT_CLIENTS)/package.json || echo '{"name":"dialect-clients","private":true,"type":"module"}' > $(DIALECT_CLIENTS)/package.json
	npm install --prefix $(DIALECT_CLIENTS) --no-audit --no-fund --loglevel=error $(DIALECT_CLIENT_PKGS)
	@touch $@

dialect-clients: setup-node $(DIALECT_CLIENTS)/.installed
	@test -f pkg/tokenkit_bg.wasm || $(MAKE) pkg
	@cp scripts/dialect-clients.mjs $(DIALECT_CLIENTS)/dialect-clients.mjs
	TOKENKIT_ROOT=$(CURDIR) node $(DIALECT_CLIENTS)/dialect-clients.mjs
