# `certmap ticket-keys rotate` on a running certmapd (the key file is
# watched, no signal): a session from before keeps resuming while its key is
# among the previous keys, and gets a full handshake once three rotations
# have pushed its key out of the file.  A key file made unusable (bad line,
# then group-readable) makes the reload fail and keeps the running keys:
# sessions still resume.
. "$(dirname "$0")/harness.sh"
h_init
h_std
KEYS=$T/ticket.keys
"$CERTMAP" ticket-keys rotate --file "$KEYS" >/dev/null 2>&1 || h_fail "first rotate failed"
H_SERVER+=" ticketKeyFile=\"$KEYS\""
cfg_write
h_start

rotate() { # waits for the reload the changed key file triggers
    local n
    n=$(h_reloads)
    "$CERTMAP" -c "$CFG" ticket-keys rotate >"$T/cli.out" 2>&1 || h_fail "rotate: $(cat "$T/cli.out")"
    h_reload_wait "$n"
    grep -a 'configuration reloaded\|reload failed' "$T/certmapd.out" | tail -n 1 |
        grep -aq 'configuration reloaded' || h_fail "the reload after a rotation was refused"
}
resumes() { # SESSION PROTO: 0 when the session resumes as alice
    tls_req localhost - "$2" -sess_in "$1"
    [ "$TLS_REUSED" = 1 ] && [ "$TLS_STATUS" = 200 ]
}

for proto in -tls1_3 -tls1_2; do
    tls_req localhost alice "$proto" -sess_out "$T/old$proto"
    [ "$TLS_STATUS" = 200 ] && [ -s "$T/old$proto" ] || h_fail "$proto: no session (HTTP $TLS_STATUS)"
done
for round in 1 2; do
    rotate
    for proto in -tls1_3 -tls1_2; do
        resumes "$T/old$proto" "$proto" ||
            h_fail "$proto: after $round rotation(s) the old session no longer resumes (reused=$TLS_REUSED HTTP $TLS_STATUS)"
    done
done
[ "$(grep -c '^[A-Za-z0-9+/]' "$KEYS")" = 3 ] || h_fail "not three keys after three rotations"
rotate
for proto in -tls1_3 -tls1_2; do
    tls_req localhost - "$proto" -sess_in "$T/old$proto"
    [ "$TLS_REUSED" = 0 ] || h_fail "$proto: resumed although its key left the file"
    [ "$TLS_STATUS" = 403 ] || h_fail "$proto: old session after its key left: HTTP $TLS_STATUS, expected 403.7"
done

# A fresh session, then the file goes bad: the reload is refused, the keys stay.
tls_req localhost alice -tls1_3 -sess_out "$T/new"
cp -p "$KEYS" "$T/keys.good"
n=$(h_reloads)
sed -i '$ s/.$//' "$KEYS" # the last key loses a character
h_reload_wait "$n"
grep -a 'reload failed' "$T/certmapd.out" | tail -n 1 | grep -aq . || h_fail "a bad key file was accepted"
grep -aqE "ticket\.keys:5: .*has 107 characters" "$T/certmapd.out" || h_fail "no file:line for the bad key line: $(tail -n 5 "$T/certmapd.out")"
resumes "$T/new" -tls1_3 || h_fail "the session no longer resumes after a refused reload"
n=$(h_reloads)
cp -p "$T/keys.good" "$KEYS.tmp" && chmod 0640 "$KEYS.tmp" && mv "$KEYS.tmp" "$KEYS"
h_reload_wait "$n"
grep -aqE "mode 0640: group or others" "$T/certmapd.out" || h_fail "a group-readable key file was not refused"
resumes "$T/new" -tls1_3 || h_fail "the session no longer resumes after the mode was refused"
h_pass
