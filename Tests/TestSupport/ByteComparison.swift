/// Compares two pages of bytes for `#expect(ByteComparison.firstDifference(got, want) == nil)`.
///
/// `#expect(got == want)` on two `[UInt8]` is not usable for pages: when it fails, swift-testing
/// 6.3 describes the failure with `Collection.difference(from:)`, a Myers diff costing about
/// n·d steps. For a 300 KB page against an empty answer that is many minutes of one core: a gzip
/// member with a broken CRC made a test spin for 15 minutes instead of failing, and would have held
/// CI to its time limit. swift-testing stopped diffing in `#expect` later (swiftlang/swift-testing
/// pull request 1678); until the toolchain here has that, pages are compared with this.
public enum ByteComparison {
    /// Nil when the two are the same bytes; otherwise where they first differ, with the line
    /// around that byte in each, which is all a reader needs from a page.
    public static func firstDifference(_ got: some Collection<UInt8>, _ want: some Collection<UInt8>) -> String? {
        let got = Array(got)
        let want = Array(want)
        let common = min(got.count, want.count)
        let offset = (0..<common).first { got[$0] != want[$0] } ?? common
        guard offset < max(got.count, want.count) else { return nil }
        return "\(got.count) bytes against \(want.count) expected; first difference at byte \(offset): "
            + "got \(line(in: got, at: offset)), expected \(line(in: want, at: offset))"
    }

    /// The line holding `offset` (or "<end>" past the last byte), quoted, at most 200 bytes.
    private static func line(in bytes: [UInt8], at offset: Int) -> String {
        guard offset < bytes.count else { return "<end>" }
        let start = bytes[..<offset].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let end = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        return String(decoding: bytes[start..<min(end, start + 200)], as: UTF8.self).debugDescription
    }
}
