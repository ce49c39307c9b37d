# Configuration reload without restart: `certmap add mapping` (atomic
# rename of the config) makes a new certificate work while the same process
# keeps serving; a broken config (SIGHUP and file change) leaves the running
# configuration in place; a fixed config with SIGHUP is taken.
. "$(dirname "$0")/harness.sh"
h_init
[ -x "$CERTMAP" ] || h_fail "$CERTMAP is not built"
h_std
h_account dave dave-pw
h_start
pid=$SERVER_PID

req carol /
expect_status 401 2

# 1. certmap add mapping; the file change alone must be noticed (inotify).
printf 'carol-pw\n' | "$CERTMAP" -c "$CFG" add mapping --site "Default Web Site" \
    --cert "$PKI/carol.crt" --user carol --password-stdin >"$T/cli.out" 2>&1 ||
    h_fail "certmap add mapping failed: $(cat "$T/cli.out")"
ok=0
for i in $(seq 1 $((50 * H_SLOW))); do
    req carol /
    [ "$STATUS" = 200 ] && ok=1 && break
    sleep 0.1
done
[ $ok = 1 ] || h_fail "carol still HTTP $STATUS 5 s after certmap add mapping (no reload on file change)"
expect_log 1 carol 200 0 /
h_alive "$pid" || h_fail "certmapd exited"
[ "$SERVER_PID" = "$pid" ] || h_fail "certmapd restarted"

# 2. A broken config (unknown sslFlags value) written atomically, plus SIGHUP:
#    the old configuration keeps serving.
cp "$CFG" "$T/good.config"
sed 's/SslRequireCert/SslRequireCertificate/' "$T/good.config" >"$T/bad.config"
cmp -s "$T/good.config" "$T/bad.config" && h_fail "test setup: config not broken"
# The file watch reloads on the rename, SIGHUP once more.  Each refusal must
# be logged before the old configuration is checked: the checks below pass
# as well when the broken file was not read yet.  (Counting every finished
# reload would not do: one left over from the change above may finish now.)
refused() { grep -a -c 'reload failed' "$T/certmapd.out"; }
wait_refused() {
    local deadline=$((SECONDS + 10 * H_SLOW))
    while [ "$(refused)" -le "$1" ]; do
        [ $SECONDS -lt $deadline ] || h_fail "no refused reload within $((10 * H_SLOW)) s ($2)"
        sleep 0.05
    done
}
n=$(refused)
mv "$T/bad.config" "$CFG"
wait_refused "$n" "file watch"
n=$(refused)
kill -HUP "$pid"
wait_refused "$n" "SIGHUP"
h_alive "$pid" || h_fail "certmapd exited on a broken config"
req alice /
expect_status 200
expect_log 1 alice 200 0 /
req carol /
expect_status 200
req - /
expect_status 403 7
grep -aq 'applicationHost.config:[0-9]' "$T/certmapd.out" "$LOGDIR/certmapd.log" 2>/dev/null ||
    h_fail "the reload error is not logged with file:line"

# 3. A valid config again (dave mapped, carol not), then SIGHUP.
cp "$T/good.config" "$T/next.config"
"$CERTMAP" -c "$T/next.config" remove mapping --site "Default Web Site" --cert "$PKI/carol.crt" \
    >"$T/cli.out" 2>&1 || h_fail "certmap remove mapping failed: $(cat "$T/cli.out")"
printf 'dave-pw\n' | "$CERTMAP" -c "$T/next.config" add mapping --site "Default Web Site" \
    --cert "$PKI/dave.crt" --user dave --password-stdin >"$T/cli.out" 2>&1 ||
    h_fail "certmap add mapping failed: $(cat "$T/cli.out")"
cp "$T/next.config" "$CFG.new" && mv "$CFG.new" "$CFG"
kill -HUP "$pid"
ok=0
for i in $(seq 1 $((50 * H_SLOW))); do
    req dave /
    [ "$STATUS" = 200 ] && ok=1 && break
    sleep 0.1
done
[ $ok = 1 ] || h_fail "dave still HTTP $STATUS 5 s after SIGHUP with a valid config"
expect_log 1 dave 200 0 /
req carol /
expect_status 401 2
req alice /
expect_status 200

h_stop
h_pass
