# A reload that adds more endpoints at once than a fixed table held (64):
# every new listener is handed to the workers and answers.
. "$(dirname "$0")/harness.sh"
h_init
h_std
cfg_write
h_start --workers 2

mkdir -p "$T/www-many"
printf 'certmap e2e many\n' >"$T/www-many/index.html"
cfg_site "Many" 2 "$T/www-many"
PORTS=()
for i in $(seq 1 70); do
    h_port np
    PORTS+=("$np")
    cfg_http "127.0.0.1:$np:"
done
cfg_location "Many" anon=true
n=$(h_reloads)
cfg_write
h_reload_wait "$n"
grep -aq 'configuration reloaded' "$T/certmapd.out" || h_fail "the reload was refused"

for p in "${PORTS[@]}"; do
    req - "http://127.0.0.1:$p/"
    expect_status 200
    expect_body_contains "certmap e2e many"
done
expect_log 2 - 200 0 /

# The standard site still serves.
req alice /
expect_status 200

h_stop
h_pass
