#!/usr/bin/env bash
# Expiry warnings: certmapd logs one warning per mapped certificate within
# certificateExpiryWarningDays (default 30) of its notAfter, and for its own
# server certificate, once (a reload the same day does not repeat them);
# `list mappings --expiring 30` lists the one expiring in 10 days before the
# one expiring in 20; `test-cert` adds an expiry step.
. "$(dirname "$0")/harness.sh"
h_init
[ -x "$CERTMAP" ] || h_fail "$CERTMAP is not built"

# issue_days NAME SUBJECT DAYS EXT: a certificate of the demo CA valid DAYS days.
issue_days() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$1.key" 2>/dev/null ||
        h_fail "key for $1"
    openssl req -new -key "$PKI/$1.key" -subj "$2" -out "$T/$1.csr" 2>/dev/null || h_fail "csr for $1"
    printf '%b' "$4" >"$T/$1.ext"
    openssl x509 -req -in "$T/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
        -CAserial "$T/ca.srl" -days "$3" -sha256 -extfile "$T/$1.ext" -out "$PKI/$1.crt" 2>/dev/null ||
        h_fail "signing $1"
}
client_ext='basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n'
server_ext='basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, IP:127.0.0.1\n'
issue_days d10 "/O=certmap demo/CN=d10" 10 "$client_ext"
issue_days d20 "/O=certmap demo/CN=d20" 20 "$client_ext"
issue_days srv15 "/O=certmap demo/CN=localhost" 15 "$server_ext"

printf 'certmap e2e site A\n' >"$WWW/index.html"
h_account d10 d10-pw
h_account alice alice-pw
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:" srv15
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
cfg_map d20 d20 d20-pw
cfg_map d10 d10 d10-pw
cfg_map alice alice alice-pw
h_start
req d10 /
expect_status 200

count() { grep -a -E -c -- "$1" "$T/certmapd.out"; }
[ "$(count "certificate expiry: mapping of 'd10'.*expires on .*, in (9|10) days")" = 1 ] ||
    h_fail "no single warning for d10"
[ "$(count "certificate expiry: mapping of 'd20' \\($CFG:[0-9]+\\).*CN=d20.*in (19|20) days")" = 1 ] ||
    h_fail "no single warning for d20 with its file:line"
[ "$(count "certificate expiry: server certificate of site 'Default Web Site'.*in (14|15) days")" = 1 ] ||
    h_fail "no warning for the server certificate"
[ "$(count "certificate expiry: mapping of 'alice'")" = 0 ] || h_fail "alice (10 years) warned"
grep -aq "certificate expiry" "$LOGDIR/certmapd.log" || h_fail "the warning is not in the error log file"

# A reload the same day warns about nothing again.
n=$(h_reloads)
kill -HUP "$SERVER_PID"
h_reload_wait "$n"
[ "$(count "certificate expiry: mapping of 'd10'")" = 1 ] || h_fail "the reload repeated d10's warning"
[ "$(count "certificate expiry: server certificate")" = 1 ] || h_fail "the reload repeated the server's"

# The CLI on the same configuration: 10 days before 20, alice not listed.
"$CERTMAP" -c "$CFG" list mappings --expiring 30 --json >"$T/exp.json" 2>"$T/exp.err" ||
    h_fail "list mappings --expiring failed: $(cat "$T/exp.err")"
[ "$(grep -o '"user":"[^"]*"' "$T/exp.json" | tr '\n' ' ')" = '"user":"d10" "user":"d20" ' ] ||
    h_fail "--expiring 30: $(cat "$T/exp.json")"
"$CERTMAP" -c "$CFG" test-cert --site "Default Web Site" "$PKI/d10.crt" >"$T/tc.out" 2>&1
grep -qE '^expiry .*the certificate expires on .*, in (9|10) days \(within certificateExpiryWarningDays=30\)' \
    "$T/tc.out" || h_fail "test-cert has no expiry step: $(cat "$T/tc.out")"
"$CERTMAP" -c "$CFG" test-cert --site "Default Web Site" "$PKI/alice.crt" >"$T/tc.out" 2>&1
grep -q '^expiry' "$T/tc.out" && h_fail "test-cert warns for alice: $(cat "$T/tc.out")"

h_stop
h_pass
