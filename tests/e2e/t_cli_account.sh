#!/usr/bin/env bash
# account add|passwd|remove manage the file logon provider's accounts file
# (crypt(3) hashes, mode 0640, readable by the service through its group), found through <certmap><logon accountsFile>.
. "$(dirname "$0")/cli_lib.sh"
cli_init
printf 'first-pw\n' >"$T/pw1"
printf 'second-pw\n' >"$T/pw2"

# Default: "accounts" beside the configuration.
CLI_STDIN=$T/pw1 run_ok account add alice --password-stdin
A=$T/accounts
[ -f "$A" ] || cli_fail "accounts file not created"
[ "$(stat -c %a "$A")" = 640 ] || cli_fail "accounts file mode $(stat -c %a "$A"), want 640"
grep -qE '^alice:\$(y|gy|7|2b|6)\$' "$A" || cli_fail "no strong crypt hash: $(cat "$A")"
grep -q 'first-pw' "$A" && cli_fail "plain password in the accounts file"
h1=$(grep '^alice:' "$A")
chmod 644 "$T/pw1"
run_ok account add bob --password-file "$T/pw1"
expect_err 'warning: .*pw1: password file is accessible to other users'
chmod 600 "$T/pw1"
h2=$(grep '^bob:' "$A")
[ "${h1#alice:}" != "${h2#bob:}" ] || cli_fail "same password, same hash: salts missing"

chmod 600 "$T/pw2"
run_ok account passwd alice --password-file "$T/pw2"
expect_no_err 'warning'
[ "$(grep '^alice:' "$A")" != "$h1" ] || cli_fail "passwd did not change the hash"
[ "$(stat -c %a "$A")" = 640 ] || cli_fail "mode changed by passwd"
grep -q '^bob:' "$A" || cli_fail "passwd lost bob"

# Errors leave the file byte-identical.
check_unchanged() {
    local before=$1
    [ "$before" = "$(sha256sum "$A")" ] || cli_fail "accounts file changed by a failing command"
}
s=$(sha256sum "$A")
run_rc 2 account add alice --password-file "$T/pw1"
expect_err 'alice'
check_unchanged "$s"
run_rc 2 account passwd nobody --password-file "$T/pw1"
check_unchanged "$s"
run_rc 2 account remove nobody
check_unchanged "$s"
run_rc 2 account add 'bad:name' --password-file "$T/pw1"
check_unchanged "$s"
run_rc 1 account add carol --password carol-pw
expect_err 'command line'
check_unchanged "$s"
run_rc 1 account add carol
check_unchanged "$s"
run_rc 1 account frob carol

run_ok account remove alice
grep -q '^alice:' "$A" && cli_fail "alice not removed"
grep -q '^bob:' "$A" || cli_fail "remove lost bob"

# accountsFile from the configuration, relative to its directory.
write_config '  <certmap><logon provider="file" accountsFile="etc/users.db" /></certmap>'
mkdir -p "$T/etc"
run_ok account add dave --password-file "$T/pw1"
grep -q '^dave:' "$T/etc/users.db" || cli_fail "accountsFile of the config not used"
grep -q '^dave:' "$A" && cli_fail "dave written to the default file"
[ "$(stat -c %a "$T/etc/users.db")" = 640 ] || cli_fail "users.db mode"

# No configuration yet: "accounts" in the directory the configuration will live in.
mkdir -p "$T/new"
CFG=$T/new/applicationHost.config
run_ok account add erin --password-file "$T/pw1"
grep -q '^erin:' "$T/new/accounts" || cli_fail "accounts beside a missing config not used"
[ -f "$CFG" ] && cli_fail "account add created the configuration"
cli_pass
