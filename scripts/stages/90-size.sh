# Prints the release package size (raw and gzip). Informational; the target lives in bench/.
set -eu
node scripts/size.mjs
