# A trusted certificate without any mapping: 401.2.
. "$(dirname "$0")/harness.sh"
h_init
h_std
h_start

req carol /
expect_status 401 2
expect_body_lacks "certmap e2e site A"
expect_log 1 - 401 2 /

h_stop
h_pass
