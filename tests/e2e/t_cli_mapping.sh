#!/usr/bin/env bash
# add a mapping from a PEM file, list it, disable, enable, change, remove it;
# each step leaves a file that `certmap validate` accepts.
. "$(dirname "$0")/cli_lib.sh"
cli_init
new_cert alice "/CN=alice/O=certmap tests/OU=dev"
FP=$(cert_sha256 alice)
SERIAL=$(openssl x509 -in "$T/alice.pem" -noout -serial | cut -d= -f2)

add_map alice
expect_out "added mapping at 'Default Web Site'"
expect_no_err 'warning'
# The file holds IIS's single-line base64 and an encrypted password, never the plain one.
expect_cfg_text "certificate=\"$(openssl x509 -in "$T/alice.pem" -outform DER | base64 -w0)\""
expect_cfg 'password="\[enc:AesProvider:[^"]+:enc\]"'
expect_no_cfg 's3cret-pw'
[ -f "$T/certmap.key" ] || cli_fail "key file not created beside the config"
[ "$(stat -c %a "$T/certmap.key")" = 640 ] || cli_fail "key file mode is not 0640 (the service reads it through its group)"
expect_valid

run_ok list mappings --json
[ "$(json_count)" = 1 ] || cli_fail "expected 1 mapping in the JSON list"
row=$(json_row "$FP") || cli_fail "no JSON row with sha256 $FP"
for want in '"site":"Default Web Site"' '"location":"Default Web Site"' '"user":"alice"' \
    '"enabled":true' '"subject":"[^"]*CN=alice' '"issuer":"[^"]*CN=alice' \
    "\"serial\":\"$SERIAL\"" '"notAfter":"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"' \
    '"notBefore":"20[0-9]{2}-' '"line":[1-9][0-9]*'; do
    grep -qE -- "$want" <<<"$row" || cli_fail "JSON row lacks $want: $row"
done
run_ok list mappings
expect_out "^LOCATION +USER +ENABLED"
expect_out "^Default Web Site +alice +yes .*$FP"

run_ok disable mapping --site "$SITE" --cert "$T/alice.pem"
expect_valid
run_ok list mappings --site "$SITE" --json
json_row "$FP" | grep -q '"enabled":false' || cli_fail "mapping not disabled"
expect_cfg 'enabled="false"'
# Disabling again changes nothing and says so.
run_ok disable mapping --site "$SITE" --cert "$T/alice.pem"
expect_out 'already disabled'

run_ok enable mapping --site "$SITE" --fingerprint "$FP"
expect_valid
run_ok list mappings --json
json_row "$FP" | grep -q '"enabled":true' || cli_fail "mapping not enabled"

# set mapping: new user and password (the fingerprint with ':' separators, upper case).
FPC=$(echo "$FP" | tr a-f A-F | sed 's/../&:/g; s/:$//')
old=$(grep -o 'password="[^"]*"' "$CFG")
printf 'other-pw\n' >"$T/pw2"
CLI_STDIN=$T/pw2 run_ok set mapping --site "$SITE" --fingerprint "$FPC" --user 'EXAMPLE\alice2' \
    --password-stdin
expect_valid
new=$(grep -o 'password="[^"]*"' "$CFG")
[ "$old" != "$new" ] || cli_fail "password envelope unchanged after set mapping"
run_ok list mappings --json
json_row "$FP" | grep -qF '"user":"EXAMPLE\\alice2"' || cli_fail "user not changed: $(cat "$OUT")"

run_ok set mapping --site "$SITE" --cert "$T/alice.der" --disable
run_ok list mappings --json
json_row "$FP" | grep -q '"enabled":false' || cli_fail "set mapping --disable did not disable"
run_ok set mapping --site "$SITE" --cert "$T/alice.der" --enable
expect_valid

# A mapping below the site (--path), listed with its location.
new_cert bob
add_map bob --path /api --disabled
expect_out "added disabled mapping at 'Default Web Site/api'"
expect_valid
run_ok list mappings --site "default web site" --json
[ "$(json_count)" = 2 ] || cli_fail "expected 2 mappings"
json_row "$(cert_sha256 bob)" | grep -q '"location":"Default Web Site/api".*"enabled":false' ||
    cli_fail "bob's row wrong: $(cat "$OUT")"
# Selecting it without --path points at the right location.
run_fails 2 "at location 'Default Web Site/api'" remove mapping --site "$SITE" --cert "$T/bob.pem"
run_ok remove mapping --site "$SITE" --path /api --cert "$T/bob.der"
expect_valid

# Names with quotes, backslashes and UTF-8 stay valid JSON (checked with jq when installed).
new_cert odd '/CN=Q "quoted" \\ name/O=Zürich'
add_map odd
run_ok list mappings --json
json_row "$(cert_sha256 odd)" | grep -qF '"subject":"O=Zürich,CN=Q \\\"quoted\\\" \\\\ name"' ||
    cli_fail "subject mangled or badly escaped"
if command -v jq >/dev/null; then
    jq -e 'length == 2 and (map(.subject) | any(test("quoted")))' "$OUT" >/dev/null ||
        cli_fail "list mappings --json is not valid JSON"
fi
run_ok remove mapping --site "$SITE" --cert "$T/odd.pem"

# The other site has no mappings.
run_ok list mappings --site Shop --json
[ "$(json_count)" = 0 ] || cli_fail "Shop lists mappings"

run_ok remove mapping --site "$SITE" --cert "$T/alice.pem"
expect_out 'removed mapping'
expect_valid
run_ok list mappings --json
[ "$(json_count)" = 0 ] || cli_fail "mapping still listed after remove"
expect_no_cfg 'certificate='
cli_pass
