#!/usr/bin/env bash
# Day-2 changes of mappings: rotate a certificate in one commit (set mapping
# --new-cert), one password for every mapping of an account (set password),
# and `account passwd` naming the mappings that still carry the old password.
. "$(dirname "$0")/cli_lib.sh"
cli_init
new_cert alice
new_cert alice2
new_cert bob
OLD=$(cert_sha256 alice)
NEW=$(cert_sha256 alice2)
add_map alice --disabled
add_map bob
hist() { find "$T/.history" -type f 2>/dev/null | wc -l; }

# Rotation keeps user, password and state; one commit (one history copy).
pw_before=$(grep -o 'password="[^"]*"' "$CFG" | head -n1)
h0=$(hist)
run_ok set mapping --site "$SITE" --cert "$T/alice.pem" --new-cert "$T/alice2.pem"
expect_out "rotated mapping at 'Default Web Site' for 'alice': $OLD -> sha256 $NEW"
[ "$(hist)" = $((h0 + 1)) ] || cli_fail "rotation took more than one commit"
expect_valid
run_ok list mappings --json
[ "$(json_count)" = 2 ] || cli_fail "expected 2 mappings after rotation"
json_row "$NEW" | grep -q '"user":"alice","enabled":false' || cli_fail "rotated row lost user or state"
json_row "$OLD" && cli_fail "old certificate still mapped"
grep -qF "$pw_before" "$CFG" || cli_fail "rotation changed the password"
# Refused: the new certificate already mapped there (bob's), and the same certificate.
run_fails 2 "already mapped at 'Default Web Site'.*user 'bob'" set mapping --site "$SITE" \
    --fingerprint "$NEW" --new-cert "$T/bob.pem"
run_fails 2 "already has" set mapping --site "$SITE" --fingerprint "$NEW" --new-cert "$T/alice2.der"
run_fails 2 "no mapping of" set mapping --site "$SITE" --cert "$T/alice.pem" --new-cert "$T/alice2.pem"

# set password: alice on two sites (one-to-one twice, many-to-one once), bob untouched.
new_cert alice3
run_ok add mapping --site Shop --cert "$T/alice3.pem" --user 'ALICE' --password-file "$T/pw"
printf 'x\n' >"$T/pwx"
run_ok set config --site Shop --section iisClientCertificateMappingAuthentication \
    --add "manyToOneMappings.[name='staff',userName='alice',password='x']"
bob_pw=$(grep -o 'userName="bob" password="[^"]*"' "$CFG") || cli_fail "bob's mapping not found"
h0=$(hist)
printf 'n3w-pw\n' >"$T/newpw"
CLI_STDIN=$T/newpw run_ok set password --user alice --password-stdin
expect_out "changed the password of 3 mappings of 'alice' \(2 one-to-one, 1 many-to-one\) at 2 locations"
[ "$(hist)" = $((h0 + 1)) ] || cli_fail "set password took more than one commit"
grep -qF "$bob_pw" "$CFG" || cli_fail "bob's password changed"
expect_valid
# --site limits it; an unknown user is an error naming it.
CLI_STDIN=$T/newpw run_ok set password --user alice --site Shop --password-stdin
expect_out "2 mappings .*1 one-to-one, 1 many-to-one"
CLI_STDIN=$T/newpw run_fails 2 "no mapping names the user 'carol'" set password --user carol \
    --password-stdin
run_fails 1 "password is required" set password --user alice

# account passwd names the mappings whose password is not the new one.
printf 'old\n' | "$CERTMAP" -c "$CFG" account add alice --password-stdin >/dev/null ||
    cli_fail "account add failed"
CLI_STDIN=$T/newpw run_ok account passwd alice --password-stdin
expect_no_err 'old password'
run_ok set mapping --site Shop --cert "$T/alice3.pem" --password-file "$T/pw"
CLI_STDIN=$T/newpw run_ok account passwd alice --password-stdin
line=$(grep -n 'userName="ALICE"' "$CFG" | cut -d: -f1)
expect_err "applicationHost.config:$line: one-to-one mapping of 'ALICE' still carries the old password"
expect_err "1 mapping of 'alice' still carries the old password; 'certmap set password"
cli_pass
