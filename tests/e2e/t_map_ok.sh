# A certificate with an enabled one-to-one mapping authenticates its user:
# 200, the page, and the W3C log line carries the mapped user name.
. "$(dirname "$0")/harness.sh"
h_init
h_std
h_start

req alice /
expect_status 200
expect_body_contains "certmap e2e site A"
expect_log 1 alice 200 0 /

# The same user again on a new connection (logon cache path).
req alice /index.html
expect_status 200
expect_log 1 alice 200 0 /index.html

h_stop
h_pass
