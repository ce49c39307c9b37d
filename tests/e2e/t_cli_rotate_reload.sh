#!/usr/bin/env bash
# Day-2 changes served by a running certmapd: a certificate rotated with
# `set mapping --new-cert` admits alice with the new certificate and refuses
# the old one after the reload; `set password` changes three mappings of
# alice on two sites in one commit and all three log on afterwards.
. "$(dirname "$0")/harness.sh"
h_init
[ -x "$CERTMAP" ] || h_fail "$CERTMAP is not built"
h_port PORT_B
H_WAIT_PORTS+=("$PORT_B")
h_issue alice-new "/O=certmap demo/CN=alice new"
h_issue alice-b "/O=certmap demo/CN=alice b"
h_std
cfg_site "Site B" 2 "$T/www-b"
cfg_https "127.0.0.1:$PORT_B:"
cfg_location "Site B" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false basic=false \
    certmap=true o2o=true
cfg_map alice-b alice alice-pw
cfg_m2o staff alice alice-pw
cfg_m2o_rule Subject CN carol
mkdir -p "$T/www-b"
printf 'certmap e2e site B\n' >"$T/www-b/index.html"
cfg_write
"$CERTMAP" -c "$CFG" encrypt-passwords >/dev/null 2>&1 || h_fail "encrypt-passwords failed"
h_start
hist() { find "$T/.history" -type f 2>/dev/null | wc -l; }
cm() { "$CERTMAP" -c "$CFG" "$@" >"$T/cli.out" 2>&1 || h_fail "certmap $*: $(cat "$T/cli.out")"; }
reloaded() { h_reload_wait "$1"; }

req alice /
expect_status 200
req alice-new /
expect_status 401 2

# 1. Rotation: one commit, then the server admits the new certificate only.
n=$(h_reloads)
h0=$(hist)
cm set mapping --site "Default Web Site" --cert "$PKI/alice.crt" --new-cert "$PKI/alice-new.crt"
[ "$(hist)" = $((h0 + 1)) ] || h_fail "rotation is not one commit"
reloaded "$n"
req alice-new /
expect_status 200
expect_log 1 alice 200 0 /
req alice /
expect_status 401 2
"$CERTMAP" -c "$CFG" validate >"$T/cli.out" 2>&1 || h_fail "validate after rotation: $(cat "$T/cli.out")"

# 2. alice's password changes: the account, then her three mappings in one commit.
sed -i '/^alice:/d' "$T/accounts"
h_account alice alice-pw2
n=$(h_reloads)
kill -HUP "$SERVER_PID" # the accounts file is not watched: drop cached logons
reloaded "$n"
req alice-new /
expect_status 401 1
n=$(h_reloads)
h0=$(hist)
printf 'alice-pw2\n' | "$CERTMAP" -c "$CFG" set password --user alice --password-stdin \
    >"$T/cli.out" 2>&1 || h_fail "set password: $(cat "$T/cli.out")"
grep -q "changed the password of 3 mappings of 'alice' (2 one-to-one, 1 many-to-one) at 2 locations" \
    "$T/cli.out" || h_fail "set password said: $(cat "$T/cli.out")"
[ "$(hist)" = $((h0 + 1)) ] || h_fail "set password is not one commit"
reloaded "$n"
req alice-new /
expect_status 200
expect_log 1 alice 200 0 /
req alice-b "https://localhost:$PORT_B/"
expect_status 200
expect_log 2 alice 200 0 /
req carol "https://localhost:$PORT_B/"
expect_status 200
expect_log 2 alice 200 0 /
req bob /
expect_status 401 2
"$CERTMAP" -c "$CFG" validate >"$T/cli.out" 2>&1 || h_fail "validate after set password: $(cat "$T/cli.out")"

h_stop
h_pass
