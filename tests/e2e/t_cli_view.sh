#!/usr/bin/env bash
# get config, validate and list mappings answer from the resolved view that
# certmapd serves from: an application does not inherit a site root's
# <location inheritInChildApplications="false">, thousands of <location> elements all apply (none dropped, answers fast),
# and mappings written below a site are noted by validate and listed as
# ignored.
. "$(dirname "$0")/cli_lib.sh"
cli_init
new_cert alice
new_cert bob

# An application /app below the site root, whose <location> does not reach child applications.
app_config() {
    write_config "$1"
    mkdir -p "$T/app"
    sed -i "s|<application path=\"/\">|<application path=\"/app\"><virtualDirectory path=\"/\" physicalPath=\"$T/app\" /></application>\n        &|" "$CFG"
    sed -i '0,/<location path="Default Web Site">/s//<location path="Default Web Site" inheritInChildApplications="false">/' "$CFG"
    grep -q 'inheritInChildApplications="false"' "$CFG" && grep -q '<application path="/app">' "$CFG" ||
        cli_fail "test setup: the application or the attribute is missing"
}
app_config ""
run_ok get config --site "$SITE" --path /app/x --section access --attr sslFlags
[ "$(cat "$OUT")" = None ] || cli_fail "the application inherits the site root's sslFlags: $(cat "$OUT")"
run_ok get config --site "$SITE" --path /other/x --section access
expect_out '^sslFlags=Ssl, SslNegotiateCert$'
# URL paths match case-insensitively, as in IIS and certmapd.
run_ok get config --site "$SITE" --path /APP --section access --attr sslFlags
[ "$(cat "$OUT")" = None ] || cli_fail "/APP is not the application /app: $(cat "$OUT")"
run_fails 2 "unknown site 'Nope'" get config --site Nope --path /app --section access

# Mappings below the site level: kept, ignored (IIS reads them at server and site level only).
app_config ""
add_map alice
run_ok add mapping --site "$SITE" --path /app --cert "$T/bob.pem" --user bob --password-file "$T/pw"
expect_cfg '<location path="Default Web Site/app">'
run_ok validate
line=$(awk '/<location path="Default Web Site\/app">/ {p = 1} p && /<oneToOneMappings>/ {print NR; exit}' "$CFG")
[ -n "$line" ] || cli_fail "test setup: no <oneToOneMappings> under Default Web Site/app"
expect_out "applicationHost.config:$line: note: oneToOneMappings: .*Default Web Site/app.* ignored"
[ "$(grep -c 'Default Web Site/app.* ignored' "$OUT")" = 1 ] || cli_fail "the note is not listed once"
run_ok list mappings --json
[ "$(json_count)" = 2 ] || cli_fail "expected 2 mappings listed"
json_row "$(cert_sha256 alice)" | grep -q '"status":"used"' || cli_fail "alice's row: $(cat "$OUT")"
json_row "$(cert_sha256 bob)" | grep -q '"location":"Default Web Site/app".*"status":"ignored"' ||
    cli_fail "bob's row: $(cat "$OUT")"
run_ok list mappings
expect_out "^Default Web Site/app +bob +yes +ignored "
expect_out "^Default Web Site +alice +yes +used "

# 5000 <location> elements (more than any fixed table held): all apply, fast.
# Mappings at the site Shop, at the first and the last location of the other site (written as IIS would, plain passwords).
new_cert carol
map_at() {
    printf '<location path="%s"><system.webServer><security><authentication><iisClientCertificateMappingAuthentication><oneToOneMappings><add userName="%s" password="pw" certificate="%s" /></oneToOneMappings></iisClientCertificateMappingAuthentication></authentication></security></system.webServer></location>\n' \
        "$1" "$2" "$(base64 -w0 "$T/$2.der")"
}
# N locations of sslFlags="Ssl" under the default site, then one deeper below the last.
locations() {
    local i
    for i in $(seq 1 "$1"); do
        printf '  <location path="Default Web Site/p%d"><system.webServer><security><access sslFlags="Ssl" /></security></system.webServer></location>\n' "$i"
    done
    printf '  <location path="Default Web Site/p%d/deep"><system.webServer><security><access sslFlags="Ssl, SslNegotiateCert, SslRequireCert" /></security></system.webServer></location>\n' "$1"
}
# get_deep N: one `get config` at the deepest of N+1 locations; its milliseconds in $MS
get_deep() {
    local start
    write_config "$(locations "$1")
  $(map_at Shop alice)
  $(map_at 'Default Web Site/p1' bob)
  $(map_at "Default Web Site/p$1/deep" carol)"
    start=$(date +%s%N)
    run_ok get config --site "$SITE" --path "/P$1/deep/x" --section access --attr sslFlags
    MS=$((($(date +%s%N) - start) / 1000000))
}
get_deep 500
[ "$(cat "$OUT")" = "Ssl, SslNegotiateCert, SslRequireCert" ] ||
    cli_fail "the last of 501 locations does not apply: $(cat "$OUT")"
ms500=$MS
get_deep 5000
ms=$MS
[ "$(cat "$OUT")" = "Ssl, SslNegotiateCert, SslRequireCert" ] ||
    cli_fail "the last of 5001 locations does not apply: $(cat "$OUT")"
# Linear work takes at most ~10x the 501-location time; a quadratic walk ~100x.  The
# absolute bound alone fails on a loaded machine, so both must be exceeded.
if [ "$ms" -ge 2000 ] && [ "$ms" -ge $((12 * ms500)) ]; then
    cli_fail "get config with 5001 locations took $ms ms (501 locations: $ms500 ms)"
fi
run_ok get config --site "$SITE" --path /p4999 --section access --attr sslFlags
[ "$(cat "$OUT")" = Ssl ] || cli_fail "location 4999 does not apply: $(cat "$OUT")"
run_ok list mappings --json
[ "$(json_count)" = 3 ] || cli_fail "expected 3 mappings over 5001 locations, got $(json_count)"
json_row "$(cert_sha256 alice)" | grep -q '"status":"used"' || cli_fail "alice's row: $(cat "$OUT")"
json_row "$(cert_sha256 carol)" | grep -q '"location":"Default Web Site/p5000/deep".*"status":"ignored"' ||
    cli_fail "carol's row: $(cat "$OUT")"
cli_pass
