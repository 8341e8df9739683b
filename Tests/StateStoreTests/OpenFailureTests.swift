import BackupModel
import Foundation
import StateStore
import TestSupport
import Testing

@Suite("Opening a store that cannot be used")
struct OpenFailureTests {
    @Test("a file of garbage is refused with its path and left exactly as it was")
    func corruptFile() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let garbage = Data((0..<4_096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: directory.databasePath))

        let error = #expect(throws: StoreError.self) {
            try StateStore(directory: directory.path, build: testBuild)
        }
        #expect(error?.path == directory.databasePath)
        #expect(error?.description.contains(directory.databasePath) == true)
        #expect(error?.message == "file is not a database")
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.databasePath)) == garbage)
    }

    @Test("a directory where the database file should be is refused")
    func directoryInsteadOfFile() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.databasePath, withIntermediateDirectories: true)
        let error = #expect(throws: StoreError.self) {
            try StateStore(directory: directory.path, build: testBuild)
        }
        #expect(error?.path == directory.databasePath)
        #expect(error?.description.contains(directory.databasePath) == true)
    }

    @Test("a second store on the same directory is refused while the first is open, and allowed after close")
    func singleInstance() async throws {
        let directory = try TemporaryDirectory()
        let first = try StateStore(directory: directory.path, build: testBuild)
        let error = #expect(throws: StoreError.self) {
            try StateStore(directory: directory.path, build: testBuild)
        }
        #expect(error?.path == directory.path + "/lock")
        #expect(error?.message == "the state directory is in use by another process (pid \(getpid()))")
        await first.close()
        let second = try StateStore(directory: directory.path, build: testBuild)
        await second.close()
    }

    @Test("a database written by a newer schema version is refused, not downgraded")
    func newerSchema() throws {
        let directory = try TemporaryDirectory()
        do {
            _ = try StateStore(directory: directory.path, build: testBuild)
        }
        let raw = try RawDatabase(path: directory.databasePath, readOnly: false)
        try raw.execute("PRAGMA user_version = 99")
        let error = #expect(throws: StoreError.self) {
            try StateStore(directory: directory.path, build: testBuild)
        }
        #expect(error?.message.hasPrefix("schema version 99 is newer than this build supports (3)") == true)
        #expect(try raw.rows("PRAGMA user_version") == [["99"]])
    }

    @Test("a missing directory is created, intermediate directories included")
    func createsDirectory() async throws {
        let directory = try TemporaryDirectory()
        let nested = directory.path + "/a/b"
        let store = try StateStore(directory: nested, build: testBuild)
        await store.close()
        #expect(FileManager.default.fileExists(atPath: nested + "/state.sqlite"))
        #expect(try String(contentsOfFile: nested + "/lock", encoding: .utf8) == "\(getpid())\n")
    }
}
