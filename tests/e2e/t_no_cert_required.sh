# sslFlags SslRequireCert and no client certificate: 403.7 (before any
# authentication module runs).
. "$(dirname "$0")/harness.sh"
h_init
h_std
h_start

req - /
expect_status 403 7
expect_body_lacks "certmap e2e site A"
expect_log 1 - 403 7 /

h_stop
h_pass
