#!/usr/bin/env bash
# list mappings --expiring DAYS: mapped certificates within DAYS of notAfter,
# expired first, then the soonest; table and JSON.
. "$(dirname "$0")/cli_lib.sh"
cli_init
"$CLI_SRCDIR/scripts/gen-certs" "$T/pki" >/dev/null 2>&1 || cli_fail "scripts/gen-certs failed"
new_cert d20 "/CN=d20" 20
new_cert d10 "/CN=d10" 10
new_cert d100 "/CN=d100" 100
add_map d20
add_map d100
add_map d10 --path /below # not read by certmapd: not listed
run_ok add mapping --site Shop --cert "$T/d10.pem" --user d10 --password-file "$T/pw"
run_ok add mapping --site Shop --cert "$T/pki/expired.crt" --user old --password-file "$T/pw"
expect_err 'expired'

run_ok list mappings --expiring 30 --json
[ "$(json_count)" = 3 ] || cli_fail "expected 3 certificates within 30 days"
grep -o '"user":"[^"]*"' "$OUT" | tr '\n' ' ' | grep -q '"user":"old" "user":"d10" "user":"d20"' ||
    cli_fail "order is not expired, 10 days, 20 days: $(grep -o '"user":"[^"]*"' "$OUT" | tr '\n' ' ')"
grep '"user":"old"' "$OUT" | grep -qE '"daysLeft":-[0-9]+,"expired":true' || cli_fail "expired row"
grep '"user":"d10"' "$OUT" | grep -qE '"daysLeft":(9|10),"expired":false' || cli_fail "d10 row"
run_ok list mappings --expiring 30
expect_out '^NOT AFTER +DAYS LEFT +USER'
[ "$(sed -n 2p "$OUT" | awk '{print $2, $3}')" = "expired old" ] || cli_fail "first row is not the expired one"
sed -n 3p "$OUT" | grep -qE '^[0-9T:-]+Z +(9|10) +d10 ' || cli_fail "second row is not d10"
run_ok list mappings --expiring 30 --site "$SITE" --json
[ "$(json_count)" = 1 ] || cli_fail "--site keeps only its own"
run_ok list mappings --expiring 5 --json
[ "$(json_count)" = 1 ] || cli_fail "5 days: only the expired one"
run_ok list mappings --expiring 365 --json
[ "$(json_count)" = 4 ] || cli_fail "365 days: all 4 read by certmapd"
run_rc 1 list mappings --expiring soon
cli_pass
