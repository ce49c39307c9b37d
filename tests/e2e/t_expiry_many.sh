#!/usr/bin/env bash
# Expiry warnings with many mapped certificates in the window at once: a
# check names EXPIRY_NAMED_MAX (20) of them and counts the others in one
# line (100 000 lines once held the main thread, and SIGTERM, for seconds);
# a reload the same day names the ones only counted before, and nothing twice.
. "$(dirname "$0")/harness.sh"
h_init

N=25
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/many.key" 2>/dev/null ||
    h_fail "key"
printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n' >"$T/client.ext"
for i in $(seq 1 $N); do
    openssl req -new -key "$PKI/many.key" -subj "/O=certmap demo/CN=m$i" -out "$T/m$i.csr" 2>/dev/null ||
        h_fail "csr m$i"
    openssl x509 -req -in "$T/m$i.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
        -CAserial "$T/ca.srl" -days 10 -sha256 -extfile "$T/client.ext" -out "$PKI/m$i.crt" 2>/dev/null ||
        h_fail "signing m$i"
done

printf 'certmap e2e site A\n' >"$WWW/index.html"
h_account alice alice-pw
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:"
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
for i in $(seq 1 $N); do cfg_map "m$i" "m$i" "m$i-pw"; done
cfg_map alice alice alice-pw
h_start

count() { grep -a -E -c -- "$1" "$T/certmapd.out"; }
# wait_for RE: the expiry check runs on the main thread once the workers serve
wait_for() {
    local deadline=$((SECONDS + 10 * H_SLOW))
    until [ "$(count "$1")" -ge 1 ]; do
        [ $SECONDS -lt $deadline ] || h_fail "no line /$1/ after $((10 * H_SLOW)) s: $(grep -a 'expiry' "$T/certmapd.out")"
        sleep 0.05
    done
}
wait_for "certificate expiry: 5 more mapped certificate\(s\) expire within 30 days .*certmap list mappings --expiring 30"
[ "$(count "certificate expiry: mapping of 'm[0-9]+'")" = 20 ] ||
    h_fail "not 20 named: $(grep -a 'expiry' "$T/certmapd.out")"
[ "$(count "certificate expiry: [0-9]+ more")" = 1 ] || h_fail "more than one count line"
req alice /
expect_status 200

# The reload names the five only counted, repeats none, and counts nothing.
n=$(h_reloads)
kill -HUP "$SERVER_PID"
h_reload_wait "$n"
deadline=$((SECONDS + 10 * H_SLOW))
until [ "$(count "certificate expiry: mapping of 'm[0-9]+'")" -ge 25 ]; do
    [ $SECONDS -lt $deadline ] || h_fail "the reload did not name the other five: $(grep -a 'expiry' "$T/certmapd.out")"
    sleep 0.05
done
for i in $(seq 1 $N); do
    [ "$(count "certificate expiry: mapping of 'm$i' ")" = 1 ] || h_fail "m$i not named exactly once"
done
[ "$(count "certificate expiry: [0-9]+ more")" = 1 ] || h_fail "the reload counted again"

h_stop
h_pass
