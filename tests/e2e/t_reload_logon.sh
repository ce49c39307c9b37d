# A reload that changes <certmap><logon> gives the new configuration a new
# logon service (here: another accounts file) and stops the old one once no
# configuration uses it: its threads do not pile up reload after reload.  A
# reload that keeps the settings keeps the service.
. "$(dirname "$0")/harness.sh"
h_init
h_std
cfg_map carol carol2 carol2-pw
cp "$T/accounts" "$T/accounts2"
h_account_in() { # FILE NAME PASSWORD
    printf '%s:%s\n' "$2" "$(printf '%s' "$3" | openssl passwd -6 -stdin)" >>"$1"
    chmod 0600 "$1"
}
h_account_in "$T/accounts2" carol2 carol2-pw
H_LOGON="provider=\"file\" accountsFile=\"$T/accounts\" threads=\"3\""
cfg_write
h_start --workers 2

threads() { ls "/proc/$SERVER_PID/task" | wc -l; }
# reload_logon ACCOUNTS: rewrites the configuration with that accounts file
# and waits for the reload.
reload_logon() {
    local n
    n=$(h_reloads)
    H_LOGON="provider=\"file\" accountsFile=\"$1\" threads=\"3\""
    cfg_write
    h_reload_wait "$n"
}

# carol2 exists only in the second accounts file.
req carol /
expect_status 401 1
base=$(threads)

reload_logon "$T/accounts2"
req carol /
expect_status 200
expect_log 1 carol2 200 0 /
req alice /
expect_status 200

# Back and forth: each change starts a service of 3 threads and retires one.
for i in 1 2 3; do
    reload_logon "$T/accounts"
    reload_logon "$T/accounts2"
done
req carol /
expect_status 200
deadline=$((SECONDS + 10 * H_SLOW))
while [ "$(threads)" -gt "$base" ]; do
    [ $SECONDS -lt $deadline ] ||
        h_fail "$(threads) threads after 7 logon changes, $base before: old logon services still run"
    sleep 0.1
done

# Unchanged logon settings: the same service (no thread started or stopped).
n=$(h_reloads)
cfg_write
h_reload_wait "$n"
[ "$(threads)" = "$base" ] || h_fail "$(threads) threads after a reload without logon change, $base before"
req carol /
expect_status 200

h_stop
h_pass
