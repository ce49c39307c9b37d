#!/usr/bin/env bash
# Help, version and the exit codes of the command line itself.
. "$(dirname "$0")/cli_lib.sh"
cli_init

run_ok --help
expect_out '^Usage: certmap'
cp "$OUT" "$T/help"
for c in "add mapping" "list mappings" "set mapping" "enable mapping" "disable mapping" \
    "remove mapping" "clear mappings" "get config" "set config" cert-string validate \
    encrypt-passwords "account add"; do
    grep -q "^  $c " "$T/help" || cli_fail "certmap --help does not list '$c'"
    # shellcheck disable=SC2086
    run_ok $c --help
    expect_out '^Usage: certmap'
done
run_ok help add mapping
expect_out '^Usage: certmap add mapping'
run_ok --version
expect_out '^certmap [0-9]+\.[0-9]+'
run_rc 1
run_rc 1 frobnicate
expect_err "unknown command 'frobnicate'"
run_rc 1 add
run_rc 1 add frob
run_rc 1 --bogus validate
run_rc 1 validate --bogus
expect_err 'unknown option --bogus'
run_rc 1 list mappings --json=yes
# $CERTMAP_CONFIG names the default configuration; -c wins over it.
LAST="CERTMAP_CONFIG=$CFG certmap validate"
CERTMAP_CONFIG=$CFG "$CERTMAP" validate >"$OUT" 2>"$ERR"
RC=$?
[ "$RC" = 0 ] || cli_fail "CERTMAP_CONFIG not used"
LAST="CERTMAP_CONFIG=... certmap -c missing validate"
CERTMAP_CONFIG=$CFG "$CERTMAP" -c "$T/missing.config" validate >"$OUT" 2>"$ERR"
RC=$?
[ "$RC" = 3 ] || cli_fail "-c does not override CERTMAP_CONFIG"
# Global options are accepted after the command too.
"$CERTMAP" validate -c "$CFG" >"$OUT" 2>"$ERR" || cli_fail "-c after the command"
cli_pass
