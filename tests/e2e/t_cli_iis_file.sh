#!/usr/bin/env bash
# The CLI on a whole applicationHost.config as IIS writes it: validate lists
# the IIS sections certmap ignores as notes, enforces its URL Authorization
# rules (no error), and each change touches only its own lines;
# everything else stays byte for byte.
. "$(dirname "$0")/cli_lib.sh"
cli_init
new_cert alice
new_cert bob
new_cert carol
sed -e "s|@CERT1@|$(base64 -w0 "$T/alice.der")|" -e "s|@CERT2@|$(base64 -w0 "$T/bob.der")|" \
    "$CLI_SRCDIR/tests/data/config/applicationHost.config" >"$CFG"
grep -q '@CERT' "$CFG" && cli_fail "test setup: placeholders left in the IIS file"

# Its <location path="Default Web Site/intranet"> restricts access with
# <authorization> rules, which certmap enforces (URL Authorization): they are
# no error.  An unenforcedSections list written for an older certmap, naming
# authorization, still loads (it acknowledges nothing); a misspelt name does
# not.
# What certmapd would trip on, as certmapd -t finds it: the 4 Windows
# physical paths it cannot serve (it answers 500 there) and the two
# certificate stores (certificateHash) that do not exist on this machine;
# the binding that requests client certificates names no clientCaFile.
run_rc 2 validate
expect_out ': 6 errors, 1 warning, '
# After each change: the same findings, nothing new.
expect_host_findings() {
    local save=$LAST
    run_rc 2 validate
    expect_out ': 6 errors, 1 warning, '
    LAST=$save
}
expect_out "certificateStoreName: cannot open the certificate store $T/My"
expect_out 'warning: binding: clientCaFile: .*system trust store'
run_fails 2 'unknown section "authorisation"' set config --section certmap/server \
    --set unenforcedSections=authorisation
run_ok set config --section certmap/server --set "unenforcedSections=Authorization, ipSecurity"
run_rc 2 validate
expect_out ': 6 errors, 1 warning, '
vline=$(grep -n 'physicalPath="D:.sites.intranet"' "$CFG" | cut -d: -f1)
expect_out "applicationHost.config:$vline: error: virtualDirectory: physicalPath: .*Windows path"
expect_out ': note: .*modules'

run_ok list mappings --json
[ "$(json_count)" = 2 ] || cli_fail "expected the 2 mappings of the IIS file"
json_row "$(cert_sha256 alice)" | grep -qF '"user":"CONTOSO\\alice","enabled":true' ||
    cli_fail "alice's row: $(cat "$OUT")"
json_row "$(cert_sha256 bob)" | grep -qF '"enabled":false' || cli_fail "bob's row: $(cat "$OUT")"

# Lines that differ between two versions: "-" removed, "+" added.
changes() { diff "$1" "$2" | grep -E '^[<>]' | sed 's/^</-/; s/^>/+/'; }

cp "$CFG" "$T/v0"
run_ok disable mapping --site "Default Web Site" --cert "$T/alice.pem"
changes "$T/v0" "$CFG" >"$T/d1"
[ "$(grep -c '^-' "$T/d1")" = 1 ] && [ "$(grep -c '^+' "$T/d1")" = 1 ] ||
    cli_fail "disable changed more than alice's line: $(cat "$T/d1")"
grep '^+ *<add ' "$T/d1" | grep 'CONTOSO\\alice' | grep -q 'enabled="false"' ||
    cli_fail "alice not disabled: $(cat "$T/d1")"
expect_host_findings

cp "$CFG" "$T/v1"
run_ok add mapping --site "Partner API" --cert "$T/carol.pem" --user carol \
    --password-file "$T/pw"
changes "$T/v1" "$CFG" >"$T/d2"
grep -q '^-' "$T/d2" && cli_fail "add mapping removed or rewrote lines: $(cat "$T/d2")"
[ "$(grep -c 'certificate=' "$T/d2")" = 1 ] || cli_fail "add mapping: $(cat "$T/d2")"
expect_host_findings

cp "$CFG" "$T/v2"
run_ok set config --site "Default Web Site/intranet" --section access --set sslFlags=Ssl
changes "$T/v2" "$CFG" >"$T/d3"
[ "$(wc -l <"$T/d3")" = 2 ] && grep -q '^+ *<access sslFlags="Ssl" />' "$T/d3" ||
    cli_fail "set config changed more than the access line: $(cat "$T/d3")"
run_ok get config --site "Default Web Site/intranet" --section access --attr sslFlags
[ "$(cat "$OUT")" = Ssl ] || cli_fail "sslFlags not read back"
expect_host_findings

# A failing change on the big file leaves it byte-identical.
run_fails 2 'already mapped' add mapping --site "Partner API" --cert "$T/carol.der" --user x \
    --password-file "$T/pw"
cli_pass
