# A certificate with alice's subject, issuer and serial but another key is a
# different certificate: it must not match alice's mapping (401.2).
. "$(dirname "$0")/harness.sh"
h_init
h_std
h_start

req alice-twin /
expect_status 401 2
expect_body_lacks "certmap e2e site A"
expect_log 1 - 401 2 /

req alice /
expect_status 200
expect_log 1 alice 200 0 /

h_stop
h_pass
