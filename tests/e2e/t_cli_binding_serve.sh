#!/usr/bin/env bash
# A binding added by `certmap add binding` serves HTTPS (with client
# certificate mapping) after the reload its commit triggers; AppCmd's
# `set site /+bindings.[...]` too; `remove binding` stops it.
. "$(dirname "$0")/harness.sh"
h_init
[ -x "$CERTMAP" ] || h_fail "$CERTMAP is not built"
h_std
h_start
h_port PORT2
h_port PORT3
cm() { "$CERTMAP" -c "$CFG" "$@" >"$T/cli.out" 2>&1 || h_fail "certmap $*: $(cat "$T/cli.out")"; }

n=$(h_reloads)
cm add binding --site "Default Web Site" --https --address 127.0.0.1 --port "$PORT2" \
    --cert-file "$PKI/server.crt" --key-file "$PKI/server.key" --client-ca-file "$PKI/ca.crt"
h_reload_wait "$n"
req alice "https://localhost:$PORT2/"
expect_status 200
expect_body_contains "certmap e2e site A"
expect_log 1 alice 200 0 /
req carol "https://localhost:$PORT2/"
expect_status 401 2

n=$(h_reloads)
cm set site "Default Web Site" "/+bindings.[protocol='https',bindingInformation='127.0.0.1:$PORT3:',certificateFile='$PKI/server.crt',certificateKeyFile='$PKI/server.key',clientCaFile='$PKI/ca.crt']"
h_reload_wait "$n"
req alice "https://localhost:$PORT3/"
expect_status 200
"$CERTMAP" -c "$CFG" validate >"$T/cli.out" 2>&1 || h_fail "validate: $(cat "$T/cli.out")"

n=$(h_reloads)
cm remove binding --site "Default Web Site" --address 127.0.0.1 --port "$PORT2"
h_reload_wait "$n"
req alice "https://localhost:$PORT2/"
[ "$STATUS" = 000 ] || h_fail "removed binding still answers HTTP $STATUS"
req alice /
expect_status 200
h_stop
h_pass
