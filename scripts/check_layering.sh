#!/usr/bin/env bash
# Enforces STYLE.md's dependency rule between modules:
#   ingest/ and query/ reach store/ only through its public headers;
#   store/ never includes civetweb, server/ or any other module but util/;
#   util/ includes nothing of the other modules.
set -euo pipefail
SRC="${1:-src}"
fail=0
public_store='store/(store|records|labels|matcher|samples)\.h'
check() { # DIR PATTERN MESSAGE
  local hits
  hits=$(grep -rnE "$2" "$SRC/$1" --include='*.c' --include='*.h' || true)
  if [ -n "$hits" ]; then echo "layering: $3"; echo "$hits"; fail=1; fi
}
for m in ingest query; do
  hits=$(grep -rnE '#include "store/' "$SRC/$m" | grep -vE "#include \"$public_store\"" || true)
  if [ -n "$hits" ]; then echo "layering: $m/ includes private store headers"; echo "$hits"; fail=1; fi
  check "$m" '#include "server/' "$m/ must not include server/ (handlers are reached through the route table)"
  check "$m" '#include <civetweb.h>' "$m/ must not include civetweb"
done
check store '#include <civetweb.h>|#include "(server|ingest|query)/' "store/ must depend on util/ only"
check util '#include "(server|ingest|query|store)/' "util/ must not depend on other modules"
exit $fail
