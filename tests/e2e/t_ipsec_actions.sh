# ipSecurity over IPv4 (127.0.0.1), before authentication, with each denyAction:
# Forbidden 403.6, Unauthorized 401.503, NotFound 404.503 (src/lib/ipsec.c cites
# the sources), AbortRequest: the connection closes without an answer and, as
# IIS, without a W3C log line.
. "$(dirname "$0")/harness.sh"
h_init
h_std
ipsec() { # PATH ATTRS ENTRIES
    cfg_raw "  <location path=\"Default Web Site$1\"><system.webServer><security>
    <ipSecurity $2>$3</ipSecurity></security></system.webServer></location>"
}
ipsec /open 'allowUnlisted="false"' '<add ipAddress="127.0.0.1" allowed="true" />'
ipsec /deny '' '<add ipAddress="127.0.0.0" subnetMask="255.0.0.0" />'
ipsec /unauth 'allowUnlisted="false" denyAction="Unauthorized"' ''
ipsec /notfound 'denyAction="NotFound"' '<add ipAddress="127.0.0.1" allowed="false" />'
ipsec /abort 'denyAction="AbortRequest" allowUnlisted="false"' '<add ipAddress="10.0.0.1" allowed="true" />'
# first match wins: the deny of 127.0.0.1 comes before the allow of its network
ipsec /order '' '<add ipAddress="127.0.0.1" /><add ipAddress="127.0.0.0" subnetMask="8" allowed="true" />'
mkdir -p "$WWW/open"
printf 'open to 127.0.0.1\n' >"$WWW/open/index.html"
h_start

req alice /open/
expect_status 200
expect_body_contains "open to 127.0.0.1"
expect_log 1 alice 200 0 /open/

# refused before authentication: no certificate, still 403.6 and not 403.7
req - /deny/x
expect_status 403 6
expect_log 1 - 403 6 /deny/x

req alice /unauth/
expect_status 401 503
expect_log 1 - 401 503 /unauth/

req alice /notfound/
expect_status 404 503
expect_log 1 - 404 503 /notfound/

req alice /order/
expect_status 403 6

req alice /abort/
[ "$STATUS" = 000 ] || h_fail "AbortRequest: got HTTP '$STATUS', expected no answer"
[ "$CURL_RC" = 52 ] || [ "$CURL_RC" = 56 ] || h_fail "AbortRequest: curl exit $CURL_RC ($(cat "$T/curl.err"))"
abort_ua=$REQ_UA
# the server goes on serving, and the aborted request left no W3C line
req alice /open/
expect_status 200
expect_log 1 alice 200 0 /open/
[ "$(w3c_count 1 "$abort_ua")" = 0 ] || h_fail "AbortRequest was logged in the W3C log"

grep -F "aborted (no answer)" "$T/certmapd.out" | grep -q "ipSecurity: no entry matches; allowUnlisted=false" ||
    h_fail "the error log does not explain the aborted request"
grep -F "refused 403.6" "$T/certmapd.out" | grep -q "ipSecurity: 127.0.0.0/255.0.0.0 allowed=false: refused; rule .*applicationHost.config:[0-9]*" ||
    h_fail "the error log does not explain the 403.6"

# certmap test-cert runs the same decision, with --ip
tc() { # PATH [options]
    local path=$1
    shift
    TC_RC=0
    "$CERTMAP" -c "$CFG" test-cert "$PKI/alice.crt" --site "Default Web Site" --path "$path" --json "$@" \
        >"$T/tc.out" 2>"$T/tc.err" || TC_RC=$?
}
tc /deny/x
[ "$TC_RC" = 4 ] && grep -q '"status": 403, "substatus": 6, "win32": 5' "$T/tc.out" ||
    h_fail "test-cert /deny/x: exit $TC_RC $(cat "$T/tc.out" "$T/tc.err")"
grep -q '"step": "ipSecurity", "result": "127.0.0.0/255.0.0.0 allowed=false: refused", "source": ".*applicationHost.config:[0-9]*"' "$T/tc.out" ||
    h_fail "test-cert /deny/x: no ipSecurity step with its source: $(cat "$T/tc.out")"
tc /abort/
[ "$TC_RC" = 4 ] && grep -q '"aborted": true' "$T/tc.out" || h_fail "test-cert /abort/: exit $TC_RC $(cat "$T/tc.out")"
tc /abort/ --ip 10.0.0.1
[ "$TC_RC" = 0 ] && grep -q '"status": 200' "$T/tc.out" || h_fail "test-cert /abort/ from 10.0.0.1: exit $TC_RC $(cat "$T/tc.out")"
tc /open/ --ip ::1
[ "$TC_RC" = 4 ] && grep -q '"status": 403, "substatus": 6' "$T/tc.out" || h_fail "test-cert /open/ from ::1: exit $TC_RC $(cat "$T/tc.out")"
tc /open/ --ip 300.1.1.1
[ "$TC_RC" = 2 ] && grep -q -- '--ip' "$T/tc.err" || h_fail "test-cert --ip 300.1.1.1: exit $TC_RC $(cat "$T/tc.err")"

h_stop
h_pass
