# proxy_lib.sh - the reverse proxy scenario of the t_proxy_* tests, over
# harness.sh: the standard site (alice mapped, bob disabled, carol unmapped),
# ARR's proxy on, one rewrite rule sending every URL to the recording
# upstream (tests/upstream.py, Python's standard library) with
# X-Remote-User set from {LOGON_USER}.  UP is the upstream's port, REC the
# JSON lines it records (one per request it received).
. "$(dirname "$0")/harness.sh"

# px_std [EXTRA-PROXY-ATTRIBUTES]: the scenario's configuration (a test may add to it before
# px_go), and the upstream started.
# PX_RULES: rules placed before the catch-all one.
px_std() {
    h_std
    h_port UP
    REC=$T/upstream.jsonl
    h_bg python3 "$CERTMAP_SRCDIR/tests/upstream.py" --port "$UP" --record "$REC"
    cfg_raw "  <system.webServer>
    <proxy enabled=\"true\" timeout=\"00:00:03\" ${1:-} />
    <rewrite>
      <allowedServerVariables><add name=\"HTTP_X_REMOTE_USER\" /></allowedServerVariables>
      <rules>${PX_RULES:-}
        <rule name=\"to the upstream\" stopProcessing=\"true\">
          <match url=\"(.*)\" />
          <serverVariables><set name=\"HTTP_X_REMOTE_USER\" value=\"{LOGON_USER}\" /></serverVariables>
          <action type=\"Rewrite\" url=\"http://127.0.0.1:$UP/{R:1}\" />
        </rule>
      </rules>
    </rewrite>
  </system.webServer>"
    H_LIMITS='maxBodyBytes="4000000000"'
}

# px_go: writes the configuration, waits for the upstream, starts certmapd.
px_go() {
    cfg_write
    local i
    for i in $(seq 1 $((100 * H_SLOW))); do
        h_listening "$UP" && break
        sleep 0.05
    done
    h_listening "$UP" || h_fail "the upstream does not listen on $UP"
    h_start
}

# px_reload: writes the configuration again and waits until certmapd took it.
px_reload() {
    local n
    n=$(h_reloads)
    cfg_write
    if grep -aq 'for changes; reload with SIGHUP' "$T/certmapd.out"; then
        kill -HUP "$SERVER_PID" || h_fail "SIGHUP: certmapd is gone"
    fi
    h_reload_wait "$n"
    grep -a 'configuration reloaded\|reload failed' "$T/certmapd.out" | tail -n 1 |
        grep -aq 'configuration reloaded' || h_fail "the reload was refused"
}

# px_wait_port PORT: waits until an upstream listens on PORT.
px_wait_port() {
    local i
    for i in $(seq 1 $((100 * H_SLOW))); do
        h_listening "$1" && return 0
        sleep 0.05
    done
    h_fail "no upstream listens on $1"
}

# px_last FIELD: a field of the last request the upstream recorded (jq path, e.g. .body_len).
px_last() {
    tail -n 1 "$REC" | jq -r "$1"
}

# px_headers NAME: every value of header NAME (compared as CGI does: case, '-' and '_') the
# upstream received in its last request, one per line.
px_headers() {
    tail -n 1 "$REC" | jq -r --arg n "$1" \
        '.headers[] | select((.[0] | ascii_downcase | gsub("_"; "-")) == ($n | ascii_downcase | gsub("_"; "-"))) | .[1]'
}
