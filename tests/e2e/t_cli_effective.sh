#!/usr/bin/env bash
# list mappings --effective: what the resolved view applies at a path (server
# and site level mappings, after <clear/>; none where mapping is off), each
# with its file:line; validate --json lists every finding.
. "$(dirname "$0")/cli_lib.sh"
cli_init
for u in srv alice bob carol; do new_cert $u; done
b64() { openssl x509 -in "$T/$1.pem" -outform DER | base64 -w0; }
line_of() { grep -n "userName=\"$1\"" "$CFG" | head -n1 | cut -d: -f1; }

# A server-level mapping (every site inherits it) and one at the site.
run_ok set config --section iisClientCertificateMappingAuthentication \
    --add "oneToOneMappings.[certificate='$(b64 srv)',userName='srv',password='x']"
add_map alice
run_ok list mappings --site "$SITE" --path / --effective --json
expect_out '"site":"Default Web Site","path":"/"'
expect_out '"certificateMapping":true,"oneToOne":true'
grep -q "\"user\":\"srv\".*\"line\":$(line_of srv)}" "$OUT" || cli_fail "srv not effective with its line"
grep -q "\"user\":\"alice\".*\"line\":$(line_of alice)}" "$OUT" || cli_fail "alice not effective with its line"

# <clear/> at the site: only the site's own mappings apply from then on.
run_ok clear mappings --site "$SITE"
add_map bob
add_map carol --path /api
run_ok list mappings --site "$SITE" --path /api/x --effective --json
[ "$(grep -c '"kind":"oneToOne"' "$OUT")" = 1 ] || cli_fail "expected only bob at /api/x"
grep -q "\"user\":\"bob\".*\"file\":\"$CFG\",\"line\":$(line_of bob)}" "$OUT" || cli_fail "bob's row"
expect_no_out '"user":"(srv|alice|carol)"'
run_ok list mappings --site "$SITE" --path /api --effective
expect_out "^Default Web Site/api \(scope '/api' of site 'Default Web Site'\)"
expect_out "^one-to-one +bob +yes +$(cert_sha256 bob) +$CFG:$(line_of bob)$"
# carol, written below the site, is not read (IIS reads mappings at server and site level).
run_ok list mappings --site "$SITE" --json
json_row "$(cert_sha256 carol)" | grep -q '"status":"ignored"' || cli_fail "carol not ignored"

# Mapping turned off below: nothing applies there, and the note says where.
run_ok set config --site "$SITE" --path /off --section iisClientCertificateMappingAuthentication \
    --set enabled=false
run_ok list mappings --site "$SITE" --path /off/deeper --effective --json
expect_out '"certificateMapping":false,"oneToOne":false,"manyToOne":false,"mappings":\[\]'
expect_err "enabled is false here \($CFG:[0-9]+\)"
run_rc 1 list mappings --path /x --effective
run_rc 2 list mappings --site Nowhere --effective
expect_valid

# validate --json: every finding with file, line, severity, element, attribute, message.
run_ok validate --json
expect_out '^\{"file":".*applicationHost.config","errors":0,"warnings":[0-9]+,"notes":[0-9]+,"findings":\['
expect_out '"line":[0-9]+,"severity":"note","element":"oneToOneMappings","attribute":"","message":"one-to-one mappings of \\"Default Web Site/api\\" are ignored'

if command -v jq >/dev/null; then
    jq -e '.findings | all(has("file") and has("line") and has("severity") and has("message"))' "$OUT" \
        >/dev/null || cli_fail "validate --json is not the documented JSON"
fi
sed -i 's/sslFlags="Ssl, SslNegotiateCert"/sslFlags="Ssl, Bogus"/' "$CFG"
run_rc 2 validate --json
expect_out '"errors":[1-9]'
expect_out "\{\"file\":\"[^\"]*applicationHost.config\",\"line\":[0-9]+,\"severity\":\"error\",\"element\":\"access\",\"attribute\":\"sslFlags\""
cli_pass
