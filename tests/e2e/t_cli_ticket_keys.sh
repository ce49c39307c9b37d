#!/usr/bin/env bash
# certmap ticket-keys rotate|show: the key file named by <server
# ticketKeyFile> (or --file) gets a new current key and keeps two previous
# ones, atomically, keeping owner, group and mode (new: 0600); an unusable
# file is refused and left alone; no key material is printed.  certmapd -t
# and certmap validate report a bad key file with file:line.
. "$(dirname "$0")/cli_lib.sh"
cli_init
CERTMAPD=$(dirname "$CERTMAP")/certmapd
KEYS=$T/ticket.keys

run_fails 2 'names no <certmap><server ticketKeyFile>; give --file' ticket-keys rotate
run_fails 1 'unknown subcommand' ticket-keys spin
write_config '<certmap><server ticketKeyFile="ticket.keys" /></certmap>'

run_ok ticket-keys rotate
expect_out "^$KEYS: new current key [0-9a-f]{8}; 0 previous keys kept"
[ "$(stat -c %a "$KEYS")" = 600 ] || cli_fail "new key file mode $(stat -c %a "$KEYS"), not 600"
first=$(grep -v '^#' "$KEYS")
run_ok ticket-keys rotate
run_ok ticket-keys rotate --file "$KEYS"
[ "$(grep -vc '^#' "$KEYS")" = 3 ] || cli_fail "not three keys after three rotations"
[ "$(grep -v '^#' "$KEYS" | tail -n 1)" = "$first" ] || cli_fail "the first key is not the oldest kept"
run_ok ticket-keys rotate
expect_out "2 previous keys kept, key [0-9a-f]{8} removed"
grep -qxF -- "$first" "$KEYS" && cli_fail "the oldest key is still in the file after a fourth rotation"

# show: ids and roles, never a key
run_ok ticket-keys show
expect_out "3 keys, last rotated"
expect_out "current \(encrypts and decrypts\)"
while read -r k; do
    grep -qF -- "${k:0:20}" "$OUT" && cli_fail "show printed key material"
done < <(grep -v '^#' "$KEYS")

# The mode is kept (never widened); the owner and group too (as root).
chmod 0400 "$KEYS"
run_ok ticket-keys rotate
[ "$(stat -c %a "$KEYS")" = 400 ] || cli_fail "mode 0400 became $(stat -c %a "$KEYS")"
chmod 0600 "$KEYS"
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
    chown nobody:"$(id -gn nobody)" "$KEYS"
    run_ok ticket-keys rotate
    [ "$(stat -c %U "$KEYS")" = nobody ] || cli_fail "the owner became $(stat -c %U "$KEYS")"
    [ "$(stat -c %G "$KEYS")" = "$(id -gn nobody)" ] || cli_fail "the group became $(stat -c %G "$KEYS")"
else
    cli_log "not root: owner keeping not checked"
fi

# A key file others may read is refused and left as it is.
chmod 0640 "$KEYS"
before=$(sha256sum "$KEYS")
run_fails 2 'mode 0640: group or others have access' ticket-keys rotate
[ "$(sha256sum "$KEYS")" = "$before" ] || cli_fail "a refused rotation changed the file"

# certmapd -t and validate: mode, then a bad line (file:line).
"$CERTMAPD" -t -c "$CFG" >"$T/t.out" 2>&1 && cli_fail "certmapd -t accepts a group-readable key file"
grep -qE "$KEYS: error: server: ticketKeyFile: mode 0640" "$T/t.out" || cli_fail "-t: $(cat "$T/t.out")"
chmod 0600 "$KEYS"
sed -i '4 s/^./!/' "$KEYS"
"$CERTMAPD" -t -c "$CFG" >"$T/t.out" 2>&1
[ $? = 2 ] || cli_fail "certmapd -t: exit $? on a bad key line: $(cat "$T/t.out")"
grep -qE "^certmapd: $KEYS:4: error: server: ticketKeyFile: not base64 of an 80-byte key" "$T/t.out" ||
    cli_fail "-t does not name $KEYS:4: $(cat "$T/t.out")"
cm validate
grep -qE "^$KEYS:4: error: .*not base64" "$OUT" "$ERR" || cli_fail "validate does not name $KEYS:4"
run_fails 2 "$KEYS:4: not base64" ticket-keys rotate
cli_pass
