import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one temporary directory of the tests: fresh per test (so parallel tests never share
/// files), under /tmp and short enough for a `sockaddr_un` path inside it, and removed with
/// everything in it when the value goes away.
public struct TemporaryDirectory: ~Copyable {
    public let path: String

    public init() throws {
        path = try Self.create()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    /// Writes `contents` at `relativePath` (creating folders) and returns the absolute path.
    @discardableResult
    public func write(_ relativePath: String, _ contents: String) throws -> String {
        let file = path + "/" + relativePath
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A fresh directory that outlives the caller's scope and is never removed: for fixtures and
    /// child processes that hold on to it past the test body.
    public static func kept() throws -> String {
        try create()
    }

    private static func create() throws -> String {
        var template = Array("/tmp/backup-tests-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }
        }
        guard created != nil else {
            throw DatagramSocket.Failure.system(call: "mkdtemp", path: "/tmp", errno: errno)
        }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
