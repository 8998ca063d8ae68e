# node --test against pkg/ imported as a consumer would, including the README's snippets.
set -eu
node --test tests/js/
