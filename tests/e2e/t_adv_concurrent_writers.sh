# 20 `certmap add mapping` processes started at once, plus one `certmap
# enable mapping` for bob, against the configuration of a running certmapd:
# every command succeeds, no update is lost (all 20 mappings and bob's
# enabled flag are in the file), `certmap validate` passes, and after the
# reload each of the 20 certificates authenticates as its own user.
. "$(dirname "$0")/adv_lib.sh"
h_init
h_std
h_start
SITE="Default Web Site"
N=20

for i in $(seq 1 $N); do
    adv_issue "w$i" "/O=certmap adv/CN=writer $i"
    h_account "w$i" "pw-$i"
    printf 'pw-%s\n' "$i" >"$T/pw$i"
done
req bob /
expect_status 401 2

pids=()
for i in $(seq 1 $N); do
    timeout $((60 * H_SLOW)) "$CERTMAP" -c "$CFG" add mapping --site "$SITE" --cert "$PKI/w$i.crt" --user "w$i" \
        --password-file "$T/pw$i" >"$T/w$i.out" 2>&1 &
    pids+=($!)
done
timeout $((60 * H_SLOW)) "$CERTMAP" -c "$CFG" enable mapping --site "$SITE" --cert "$PKI/bob.crt" >"$T/bob.out" 2>&1 &
pids+=($!)
fails=""
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || fails+=" #$((i + 1))"
done
[ -z "$fails" ] || h_fail "writers failed:$fails: $(cat "$T"/w*.out "$T/bob.out" | head -c 800)"

for i in $(seq 1 $N); do
    grep -qF "$(cert_b64 "w$i")" "$CFG" || h_fail "the mapping of writer $i was lost"
done
n=$(grep -o 'certificate="' "$CFG" | wc -l)
[ "$n" = $((N + 2)) ] || h_fail "$n mappings in the file, expected $((N + 2))"
grep "$(cert_b64 bob)" "$CFG" | grep -q 'enabled="false"' && h_fail "bob's enable was lost"
"$CERTMAP" -c "$CFG" validate >"$T/val.out" 2>&1 || h_fail "validate: $(head -c 600 "$T/val.out")"

bob_ok() {
    req bob /
    [ "$STATUS" = 200 ]
}
adv_reload_until bob_ok || h_fail "bob still HTTP $STATUS after the reload"
declare -A UAS
for i in $(seq 1 $N); do
    req "w$i" /
    expect_status 200
    UAS[$i]=$REQ_UA
done
expect_log 1 "w$N" 200 0 / # waits for the flush
for i in $(seq 1 $N); do
    line=$(w3c_line 1 "${UAS[$i]}")
    [ "$(cut -f1-3 <<<"$line")" = "w$i"$'\t'"200"$'\t'"0" ] || h_fail "writer $i: W3C log line '$line', expected user w$i, 200 0"
done
req alice /
expect_status 200
adv_pass
