# A local cluster of the token service (scripts/cluster.mjs, docs/service.md "Many isolates"):
# `make cluster N=3` serves N instances on 8787, 8788, … over the one local D1 of `make run`
# (worker/.wrangler/state; run one or the other), with the root token of TOKENKIT_ROOT_TOKEN
# (worker/.dev.vars or the environment) on first start.
.PHONY: cluster
N ?= 3
CLUSTER_PORT ?= 8787

cluster: pkg-www
	@if [ -n "$${TOKENKIT_PEPPER:-}" ] && ! grep -qs '^TOKENKIT_PEPPER=' worker/.dev.vars; then \
	  echo "make cluster: TOKENKIT_PEPPER is set in the environment, which the workers do not read: put it in worker/.dev.vars (see worker/.dev.vars.example)" >&2; exit 2; fi
	@node scripts/cluster.mjs --n $(N) --port $(CLUSTER_PORT)
