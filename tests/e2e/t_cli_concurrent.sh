#!/usr/bin/env bash
# Concurrent `add mapping` runs all land: the lock serialises read-modify-write,
# so no update is lost (2 runs, then 20 more).
. "$(dirname "$0")/cli_lib.sh"
cli_init

# Starts one `add mapping` per name in the background and waits for all.
add_concurrently() {
    local name pids=() failed=0 i=0
    for name in "$@"; do
        "$CERTMAP" -c "$CFG" add mapping --site "$SITE" --cert "$T/$name.pem" --user "$name" \
            --password-file "$T/pw" >"$T/$name.out" 2>&1 </dev/null &
        pids+=($!)
    done
    for name in "$@"; do
        wait "${pids[$i]}" || { failed=1; cli_log "add $name failed: $(cat "$T/$name.out")"; }
        i=$((i + 1))
    done
    [ $failed = 0 ] || cli_fail "a concurrent add mapping failed"
}

new_cert c1
new_cert c2
add_concurrently c1 c2
run_ok list mappings --json
[ "$(json_count)" = 2 ] || cli_fail "2 concurrent adds: $(json_count) mappings listed"
expect_valid

names=()
for i in $(seq 3 22); do
    new_cert "c$i"
    names+=("c$i")
done
add_concurrently "${names[@]}"
run_ok list mappings --json
[ "$(json_count)" = 22 ] || cli_fail "22 mappings expected after 20 concurrent adds, got $(json_count)"
for i in $(seq 1 22); do
    json_row "$(cert_sha256 "c$i")" | grep -q "\"user\":\"c$i\"" || cli_fail "mapping c$i lost"
done
[ "$(grep -c 'certificate=' "$CFG")" = 22 ] || cli_fail "the file does not hold 22 <add>"
expect_valid
# No temp file is left behind.
ls "$T" | grep -q '\.tmp' && cli_fail "temporary files left: $(ls "$T")"
cli_pass
