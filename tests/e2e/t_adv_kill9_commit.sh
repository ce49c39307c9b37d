# kill -9 of `certmap add mapping` at random points of its commit, 30 times:
# afterwards the configuration is always either byte-identical to the one
# before (old) or holds exactly one more mapping, the new certificate's
# (new); `certmap validate` always passes, the next command always works (no
# stale lock, no half-written key file), and certmapd starts on the result
# and serves the mappings.
. "$(dirname "$0")/adv_lib.sh"
h_init
h_std
cfg_write
SITE="Default Web Site"
N=30

# N self-signed client certificates sharing one key (the CLI does not care
# who signed a certificate; each DER is different).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/k.key" 2>/dev/null
for i in $(seq 1 $N); do
    openssl req -x509 -new -key "$T/k.key" -subj "/CN=kill9-$i" -days 30 -out "$T/c$i.pem" 2>/dev/null ||
        h_fail "certificate $i"
done
b64() { openssl x509 -in "$T/c$1.pem" -outform DER | base64 -w0; }
count() { grep -o 'certificate="' "$CFG" | wc -l; }
add() { # I: add mapping for certificate I
    printf 'pw-%s\n' "$1" >"$T/pw"
    timeout $((20 * H_SLOW)) "$CERTMAP" -c "$CFG" add mapping --site "$SITE" --cert "$T/c$1.pem" --user "user$1" \
        --password-file "$T/pw"
}

# Duration of an uninterrupted commit, to spread the kills over it.
cp "$CFG" "$T/orig.config"
t0=$(adv_now_us)
add 1 >/dev/null 2>&1 || h_fail "a plain add mapping fails"
dur=$((($(adv_now_us) - t0) / 1000))
cp "$T/orig.config" "$CFG"
rm -f "$(dirname "$CFG")/certmap.key"
h_log "one add mapping takes $dur ms; kills spread over 0..$((dur * 12 / 10)) ms"

olds=0 news=0
for i in $(seq 1 $N); do
    cp "$CFG" "$T/old.config"
    before=$(count)
    delay=$((RANDOM % (dur * 12 / 10 + 1)))
    printf 'pw-%s\n' "$i" >"$T/pw"
    "$CERTMAP" -c "$CFG" add mapping --site "$SITE" --cert "$T/c$i.pem" --user "user$i" \
        --password-file "$T/pw" >"$T/add.out" 2>&1 &
    pid=$!
    sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if cmp -s "$CFG" "$T/old.config"; then
        olds=$((olds + 1))
    else
        [ "$(count)" = $((before + 1)) ] || h_fail "kill at $delay ms (#$i): $(count) mappings, expected $before (old) or $((before + 1)) (new)"
        grep -qF "$(b64 "$i")" "$CFG" || h_fail "kill at $delay ms (#$i): the file changed but lacks the new certificate"
        news=$((news + 1))
    fi
    "$CERTMAP" -c "$CFG" validate >"$T/val.out" 2>&1 ||
        h_fail "kill at $delay ms (#$i): certmap validate fails: $(head -c 600 "$T/val.out")"
    xmllint --noout "$CFG" 2>/dev/null || ! command -v xmllint >/dev/null ||
        h_fail "kill at $delay ms (#$i): not well-formed XML"
done
h_log "$N kills: $olds left the old file, $news the new one"
ls -la "$(dirname "$CFG")" >"$T/dir.list"
h_log "files beside the config: $(awk 'NR > 1 {print $NF}' "$T/dir.list" | grep -v -e '^\.$' -e '^\.\.$' | tr '\n' ' ')"

# The next command is not blocked by anything the kills left behind.
for i in $(seq 1 $N); do
    grep -qF "$(b64 "$i")" "$CFG" && continue
    add "$i" >"$T/add.out" 2>&1 || h_fail "add mapping $i after the kills: $(cat "$T/add.out")"
done
[ "$(count)" = $((N + 2)) ] || h_fail "after completing: $(count) mappings, expected $((N + 2))"
"$CERTMAP" -c "$CFG" validate >"$T/val.out" 2>&1 || h_fail "final validate: $(head -c 600 "$T/val.out")"

# certmapd loads the result and alice (mapped before all this) still works.
h_start
req alice /
expect_status 200
expect_log 1 alice 200 0 /
adv_pass
