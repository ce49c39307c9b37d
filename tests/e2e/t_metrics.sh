# <certmap><status listen>: Prometheus text on a plain-HTTP listener of its
# own; the counters move by what the requests did, promtool accepts the
# text, anything but GET /metrics is 404, and a listen address that takes a
# site binding's port is refused at startup with file:line.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/metrics_lib.sh"
h_init
h_std
h_port SPORT
H_STATUS="listen=\"127.0.0.1:$SPORT\""
cfg_write
H_WAIT_PORTS+=("$SPORT")
h_start

SITE='site="Default Web Site"'
scrape "$T/m1"
req alice /
expect_status 200
req - /
expect_status 403 7
req carol /
expect_status 401 2
req expired /
expect_status 403 17
req alice /
expect_status 200
tls_req localhost alice -sess_out "$T/sess"
[ "$TLS_STATUS" = 200 ] || h_fail "first s_client request: $TLS_STATUS"
tls_req localhost alice -sess_in "$T/sess"
[ "$TLS_STATUS" = 200 ] && [ "$TLS_REUSED" = 1 ] || h_fail "resumed request: $TLS_STATUS reused=$TLS_REUSED"
# every connection closed: every request counted
scrape_until "$T/m2" certmapd_open_connections 0

moved "certmapd_requests_total{$SITE,status=\"200\",substatus=\"0\"}" 4
moved "certmapd_requests_total{$SITE,status=\"403\",substatus=\"7\"}" 1
moved "certmapd_requests_total{$SITE,status=\"401\",substatus=\"2\"}" 1
moved "certmapd_requests_total{$SITE,status=\"403\",substatus=\"17\"}" 1
moved 'certmapd_tls_handshakes_total{kind="full"}' 6
moved 'certmapd_tls_handshakes_total{kind="resumed"}' 1
moved 'certmapd_client_cert_verify_failures_total{reason="expired",substatus="17"}' 1
moved 'certmapd_client_cert_verify_failures_total{reason="untrusted",substatus="16"}' 0
# alice's first request runs the logon; the later ones find it cached
moved 'certmapd_logons_total{result="ok"}' 1
moved 'certmapd_logons_total{result="refused"}' 0
moved 'certmapd_logon_duration_seconds_count' 1
moved 'certmapd_logon_duration_seconds_bucket{le="+Inf"}' 1
[ "$(val "$T/m2" certmapd_logon_cache_hits_total)" -ge 1 ] || h_fail "no logon cache hit counted"
[ "$(val "$T/m2" certmapd_open_connections)" = 0 ] || h_fail "open connections: $(val "$T/m2" certmapd_open_connections)"
[ "$(val "$T/m2" certmapd_config_generation)" = 1 ] || h_fail "generation is not 1"
[ "$(val "$T/m2" certmapd_config_load_timestamp_seconds)" -gt 1700000000 ] || h_fail "no load time"

# a connection held open shows in the gauge
exec 5<>"/dev/tcp/127.0.0.1/$PORT"
scrape_until "$T/m3" certmapd_open_connections 1
[ "$(val "$T/m3" certmapd_open_connections)" = 1 ] || h_fail "open connections with one open: $(val "$T/m3" certmapd_open_connections)"
exec 5>&-

# reloads: one that works, one that does not
n=$(h_reloads)
kill -HUP "$SERVER_PID"
h_reload_wait "$n"
n=$(h_reloads)
cp "$CFG" "$T/good.config"
printf '<configuration>\n' >"$CFG"
h_reload_wait "$n"
cp "$T/good.config" "$CFG.tmp" && mv "$CFG.tmp" "$CFG"
scrape "$T/m4"
[ "$(val "$T/m4" 'certmapd_reloads_total{result="ok"}')" -ge 1 ] || h_fail "no reload counted ok"
[ "$(val "$T/m4" 'certmapd_reloads_total{result="failed"}')" -ge 1 ] || h_fail "no reload counted failed"
[ "$(val "$T/m4" certmapd_config_generation)" -ge 2 ] || h_fail "generation did not move"

# anything but GET /metrics
code=$(curl -sS --noproxy '*' -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SPORT/")
[ "$code" = 404 ] || h_fail "GET / answered $code"
code=$(curl -sS --noproxy '*' -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$SPORT/metrics")
[ "$code" = 404 ] || h_fail "POST /metrics answered $code"
h_stop

# a status listener on a site binding's address and port is a configuration error
H_STATUS="listen=\"127.0.0.1:$PORT\""
cfg_write
line=$(grep -n '<status ' "$CFG" | cut -d: -f1)
h_start_fails "status on the site's port" "$(basename "$CFG"):$line.*status.*listen.*also a binding of site \"Default Web Site\""
H_STATUS="listen=\"localhost:9090\""
cfg_write
h_start_fails "status on a name" "$(basename "$CFG"):$line.*\"localhost:9090\" is not ADDR:PORT"
h_pass
