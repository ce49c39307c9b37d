# The directory's lookups and cache in the metrics (<certmap><status>):
# alice's first request is a miss answered by slapd (one lookup in the
# latency histogram), her second a cache hit; with slapd stopped and her
# answer expired, her lookup fails and her stale answer serves, then she is
# a stale hit, and bob (never asked) a miss whose lookup fails.  promtool accepts the text.  Without a directory there is no
# certmapd_directory_ family (t_metrics).
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/dir_lib.sh"
. "$(dirname "$0")/metrics_lib.sh"
h_init
dir_init
dir_start
dir_std_site
h_port SPORT
H_STATUS="listen=\"127.0.0.1:$SPORT\""
dir_cfg cacheSeconds=\"1\" negativeCacheSeconds=\"1\" maxStaleSeconds=\"60\" timeoutSeconds=\"2\"
dir_cfg_write
H_WAIT_PORTS+=("$SPORT")
h_start

scrape "$T/m1"
grep -q '^certmapd_directory_requests_total{result="hit"} 0$' "$T/m1" ||
    h_fail "no directory family, or not zero at start: $(grep directory "$T/m1")"
req alice /
expect_status 200
req alice /
expect_status 200
scrape "$T/m2"
moved 'certmapd_directory_requests_total{result="miss"}' 1
moved 'certmapd_directory_requests_total{result="hit"}' 1
moved 'certmapd_directory_requests_total{result="stale"}' 0
moved 'certmapd_directory_lookups_total{result="answered"}' 1
moved 'certmapd_directory_lookups_total{result="failed"}' 0
moved 'certmapd_directory_lookup_duration_seconds_count' 1
moved 'certmapd_directory_lookup_duration_seconds_bucket{le="+Inf"}' 1
[ "$(val "$T/m2" certmapd_directory_cache_entries)" = 1 ] ||
    h_fail "cache entries: $(val "$T/m2" certmapd_directory_cache_entries)"

dir_stop
sleep 1.5
cp "$T/m2" "$T/m1"
# alice's expired answer: a lookup (it fails), then her stale answer serves;
# her next request is a stale hit without a lookup (the directory is known down)
req alice /
expect_status 200
req alice /
expect_status 200
req bob /
expect_status 503
scrape "$T/m2"
moved 'certmapd_directory_requests_total{result="stale"}' 2
moved 'certmapd_directory_requests_total{result="miss"}' 2
moved 'certmapd_directory_lookups_total{result="failed"}' 2
moved 'certmapd_directory_lookups_total{result="answered"}' 0
h_stop
h_pass
