# The `make run` demo: scripts/demo --check builds the demo (PKI, account,
# config through the certmap CLI), starts certmapd and runs every curl line
# it prints, checking the stated status and body, including the path proxied
# to the example application (examples/identity_app.c).  Here in a temporary
# directory and on a free port instead of demo/ and 8443.
. "$(dirname "$0")/harness.sh"
h_init
[ -x "$CERTMAP" ] || h_fail "$CERTMAP is not built"
CERTMAP_DEMO_DIR=$T/demo CERTMAP_DEMO_PORT=$PORT CERTMAP_BINDIR=$H_BINDIR \
    timeout $((60 * H_SLOW)) "$H_SRCDIR/scripts/demo" --check >"$T/demo.out" 2>&1
rc=$?
cat "$T/demo.out"
[ $rc = 0 ] || h_fail "scripts/demo --check exit code $rc"
[ "$(grep -c '^ok ' "$T/demo.out")" = 10 ] || h_fail "not every demo line checked"
# The proxied path: alice's identity and certificate reached the example application.
grep -q '^ok   200 X-Remote-User: alice .*/app/$' "$T/demo.out" || h_fail "alice's identity did not reach the application"
# The application was stopped with the demo.
pgrep -f "$H_BINDIR/example_identity_app" >/dev/null && h_fail "the example application outlived the demo"
# The W3C log names alice for her request.
grep -q ' alice ' "$T/demo/logs/W3SVC1"/u_ex*.log || h_fail "no W3C log line with cs-username alice"
h_pass
