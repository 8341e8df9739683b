import BackupModel
import Foundation
import StateStore

// A test helper, not shipped: writes to a StateStore as fast as it can until it is killed, so
// `CrashSafetyTests` can SIGKILL a real process in the middle of a write and reopen what it left.
//
//     state-store-crash-writer <directory>
//
// Poll n reports one job whose newest run "r<n>" succeeded, so after n polls the store has
// counted n runs. "committed <n>" goes to stdout (a write(2) each, no buffer) only after pollSucceeded returned:
// every number printed is a promise the store must keep after the crash.
guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: state-store-crash-writer <directory>\n".utf8))
    exit(2)
}
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
let clock = Date().timeIntervalSince1970
let store: StateStore
do {
    store = try StateStore(directory: CommandLine.arguments[1], build: BuildInfo(version: "crash-writer", swiftVersion: "6"),
                           clock: { Date().timeIntervalSince1970 })
} catch {
    FileHandle.standardError.write(Data("cannot open the store: \(error)\n".utf8))
    exit(1)
}
await store.configure(targets: [TargetIdentity(name: "nas", vendor: .inet)])
say("ready")
var poll = 0
while true {
    poll += 1
    let start = clock + Double(poll) * 10
    let run = ObservedRun(id: "r\(poll)", state: .succeeded, progressPercent: nil, startTime: start, endTime: start + 5,
                          vendorStatus: "succeeded")
    _ = await store.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "Nightly", runs: [run])], duration: 0.01)
    say("committed \(poll)")
}
