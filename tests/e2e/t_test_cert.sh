# certmap test-cert explains offline what certmapd answers, and agrees with
# the running server: for alice (200), carol (401.2: no mapping), an
# untrusted certificate (403.16), an expired one (403.17) and a scope
# without certificates, each answer checked against a real request.  Exit
# codes (fixed interface): 0 admitted, 4 refused, 2 bad input; --json has
# status, substatus, win32, scope, user, rule and steps.
. "$(dirname "$0")/harness.sh"
h_init
h_std
mkdir -p "$WWW/open"
printf 'open\n' >"$WWW/open/index.html"
cfg_location "Default Web Site/open" ssl="Ssl" anon=true
h_start

# tc WHO PATH [options]: runs test-cert, output in $T/tc.out, exit code in TC_RC
tc() {
    local who=$1 path=$2
    shift 2
    TC_RC=0
    "$CERTMAP" -c "$CFG" test-cert "$PKI/$who.crt" --site "${TC_SITE:-Default Web Site}" --path "$path" "$@" \
        >"$T/tc.out" 2>"$T/tc.err" || TC_RC=$?
}
# agree WHO PATH STATUS SUB RC: test-cert and the server give STATUS.SUB, test-cert exits RC
agree() {
    tc "$1" "$2" --json
    [ "$TC_RC" = "$5" ] || h_fail "test-cert $1 $2: exit $TC_RC, expected $5: $(cat "$T/tc.out" "$T/tc.err")"
    grep -q "\"status\": $3, \"substatus\": $4," "$T/tc.out" ||
        h_fail "test-cert $1 $2: expected $3.$4: $(cat "$T/tc.out")"
    req "$1" "$2"
    expect_status "$3"
    [ "$3" = 200 ] || expect_status "$3" "$4"
}

agree alice / 200 0 0
grep -q '"user": "alice"' "$T/tc.out" || h_fail "no user alice: $(cat "$T/tc.out")"
grep -q '"win32": 0' "$T/tc.out" || h_fail "win32 of 200: $(cat "$T/tc.out")"
grep -q '"step": "one-to-one", "result": "mapped to alice", "source": ".*applicationHost.config:[0-9]*"' "$T/tc.out" ||
    h_fail "no one-to-one step with its source: $(cat "$T/tc.out")"
agree carol / 401 2 4
grep -q '"win32": 5,' "$T/tc.out" || h_fail "win32 of 401.2: $(cat "$T/tc.out")"
grep -q '"user": null' "$T/tc.out" || h_fail "a refused request has a user: $(cat "$T/tc.out")"
grep -q '"result": "no enabled mapping of this certificate"' "$T/tc.out" || h_fail "carol: $(cat "$T/tc.out")"
agree untrusted / 403 16 4
grep -q '"win32": 2148204809,' "$T/tc.out" || h_fail "win32 of 403.16: $(cat "$T/tc.out")"
grep -q '"step": "certificate", "result": "refused: ' "$T/tc.out" || h_fail "untrusted: $(cat "$T/tc.out")"
agree expired / 403 17 4
agree bob / 401 2 4
agree carol /open/ 200 0 0
grep -q '"scope": "/open"' "$T/tc.out" || h_fail "scope of /open/: $(cat "$T/tc.out")"

# text output: one line per step, then the result
tc alice /index.html
[ "$TC_RC" = 0 ] || h_fail "text: exit $TC_RC"
grep -q '^result *200.0, sc-win32-status 0: admitted as alice' "$T/tc.out" || h_fail "text: $(cat "$T/tc.out")"
grep -q '^sslFlags *Ssl,SslNegotiateCert,SslRequireCert: the client certificate is used  (.*applicationHost.config:[0-9]*)$' "$T/tc.out" ||
    h_fail "text: no sslFlags line with its source: $(cat "$T/tc.out")"
tc carol /
grep -q '^result *401.2, sc-win32-status 5 (ERROR_ACCESS_DENIED): refused' "$T/tc.out" || h_fail "text: $(cat "$T/tc.out")"

# --password-check runs the logon: a mapping with a wrong password is 401.1
printf 'wrong-pw' | "$CERTMAP" -c "$CFG" set mapping --site "Default Web Site" --cert "$PKI/alice.crt" \
    --password-stdin >/dev/null 2>"$T/set.err" || h_fail "set mapping: $(cat "$T/set.err")"
tc alice /
[ "$TC_RC" = 0 ] || h_fail "without --password-check the logon is taken as accepted: $(cat "$T/tc.out")"
grep -q 'not tried' "$T/tc.out" || h_fail "the logon step does not say it was not tried: $(cat "$T/tc.out")"
tc alice / --password-check --json
[ "$TC_RC" = 4 ] || h_fail "--password-check with a wrong password: exit $TC_RC"
grep -q '"status": 401, "substatus": 1, "win32": 1326' "$T/tc.out" || h_fail "401.1: $(cat "$T/tc.out")"

# bad input: exit 2, a message naming the argument
TC_SITE="No Such Site" tc alice /
[ "$TC_RC" = 2 ] && grep -q 'No Such Site' "$T/tc.err" || h_fail "unknown site: exit $TC_RC $(cat "$T/tc.err")"
tc alice relative
[ "$TC_RC" = 2 ] && grep -q -- '--path' "$T/tc.err" || h_fail "relative path: exit $TC_RC $(cat "$T/tc.err")"
TC_RC=0
"$CERTMAP" -c "$CFG" test-cert "$T/nonexistent.pem" --site "Default Web Site" >/dev/null 2>"$T/tc.err" || TC_RC=$?
[ "$TC_RC" = 2 ] && grep -q 'nonexistent.pem' "$T/tc.err" || h_fail "missing file: exit $TC_RC $(cat "$T/tc.err")"
TC_RC=0
"$CERTMAP" -c "$CFG" test-cert "$PKI/alice.crt" >/dev/null 2>"$T/tc.err" || TC_RC=$?
[ "$TC_RC" = 2 ] || h_fail "no --site: exit $TC_RC"

h_stop
h_pass
