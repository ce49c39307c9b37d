# A request over plain HTTP to a location whose sslFlags include Ssl: 403.4.
. "$(dirname "$0")/harness.sh"
h_init
h_port HTTP_PORT
H_WAIT_PORTS+=("$HTTP_PORT")
h_std
cfg_http "127.0.0.1:$HTTP_PORT:" # second binding of the same site
h_start

req - "http://localhost:$HTTP_PORT/"
expect_status 403 4
expect_body_lacks "certmap e2e site A"
expect_log 1 - 403 4 /

# The https binding of the same site still serves.
req alice /
expect_status 200
expect_log 1 alice 200 0 /

h_stop
h_pass
