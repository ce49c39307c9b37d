# A requestFiltering denyUrlSequences entry certmap does not enforce refuses
# certmapd's start naming file:line; a reload to such a file keeps the
# running configuration; acknowledged, it starts and logs the warning.
. "$(dirname "$0")/harness.sh"
h_init
h_std
cfg_write
cp "$CFG" "$T/good.config"
cfg_raw '  <location path="Default Web Site">
    <system.webServer>
      <security>
        <requestFiltering>
          <denyUrlSequences>
            <add sequence="/private" />
          </denyUrlSequences>
        </requestFiltering>
      </security>
    </system.webServer>
  </location>'
cfg_write
cp "$CFG" "$T/deny.config"
line=$(grep -n 'sequence="/private"' "$CFG" | cut -d: -f1)
at="applicationHost\.config:$line:"

h_start_fails "denyUrlSequences" "$at.*requestFiltering: <add sequence=\"/private\"> restricts \"Default Web Site\""

# Running on the good file, a reload to the refused one keeps serving.
cp "$T/good.config" "$CFG"
h_start
req alice /
expect_status 200
cp "$T/deny.config" "$CFG.new" && mv "$CFG.new" "$CFG"
kill -HUP "$SERVER_PID"
for i in $(seq 1 $((50 * H_SLOW))); do
    grep -aqE "error.*$at" "$LOGDIR/certmapd.log" 2>/dev/null && break
    sleep 0.1
done
grep -aqE "error.*$at.*requestFiltering" "$LOGDIR/certmapd.log" ||
    h_fail "the reload did not log the refused rule at line $line"
h_alive "$SERVER_PID" || h_fail "certmapd died on the reload"
req alice /
expect_status 200
h_stop

H_SERVER+=' unenforcedSections="system.webServer/security/requestFiltering"'
cfg_write
h_start
req alice /
expect_status 200
grep -aqE "warn.*$at.*NOT enforced" "$T/certmapd.out" "$LOGDIR/certmapd.log" 2>/dev/null ||
    h_fail "no warning naming line $line in certmapd's output or error log"
h_stop
h_pass
