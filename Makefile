# The two commands a newcomer needs, each installing what it needs first:
#   make demo   - the simulated vendors and the daemon against them, on http://127.0.0.1:9871
#   make test   - every test: unit, integration over real sockets, the built binary under a
#                 stand-in service manager, promtool on a live page, and the vendors' real
#                 Python clients (veeam-365, cvpysdk) against the simulator
#                 (ends with "skipped or cancelled: N" and their list; UPDATE_GOLDEN under CI=true is refused)
#   make system-test - the .deb under a real systemd (nspawn), journald and Prometheus (as root;
#                 system-test/run.sh, see packaging/README-service.md)
#   make load-test - wrk -c64 on /metrics for 60 s while 1,000 jobs are polled every 2 s
#                 (load-test/run.sh; release build, in CI after the system test)
#   make net-fault-test - each vendor behind 2 s latency, 30 % loss, a 10 kbit/s link and a
#                 blackhole mid-response, in private network namespaces (as root; system-test/netfault/)
#   make bench  - the benchmark against nginx, node_exporter and a Python exporter (bench/README.md)
.PHONY: demo test build release deb system-test load-test net-fault-test bench deps test-deps system-deps clean

demo: deps
	swift build --product backup-simulator
	swift run backup-exporter demo

test: test-deps
	swift build --build-tests
	scripts/swift-test.sh
	scripts/fidelity.sh

build: deps
	swift build

release: deps
	scripts/swift-release-build.sh

deb: deps
	packaging/deb/build.sh

system-test: system-deps
	system-test/run.sh

load-test: deps
	load-test/run.sh

net-fault-test: system-deps
	system-test/netfault/run.sh

bench:
	bench/run.sh

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

system-deps:
	@scripts/install-deps.sh --system

clean:
	rm -rf .build
