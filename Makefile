# The two commands a newcomer needs, each installing what it needs first:
#   make demo   - the simulated vendors and the daemon against them, on http://127.0.0.1:9871
#   make test   - every test: unit, integration over real sockets, the built binary under a
#                 stand-in service manager, promtool on a live page, and the vendors' real
#                 Python clients (veeam-365, cvpysdk) against the simulator
.PHONY: demo test build release deps test-deps clean

demo: deps
	swift run backup-exporter demo

test: test-deps
	swift build --build-tests
	swift test --skip-build --disable-xctest --no-parallel
	scripts/fidelity.sh

build: deps
	swift build

release: deps
	swift build -c release --static-swift-stdlib

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

clean:
	rm -rf .build
