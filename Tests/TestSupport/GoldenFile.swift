import Foundation

/// What every golden-file comparison in the tests shares: the `UPDATE_GOLDEN=1` switch, its
/// refusal under `CI=true`, and a failure message that names the first differing line.
public enum GoldenFile {
    /// `UPDATE_GOLDEN=1`: write the rendered output over the expected file instead of comparing.
    public static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" }

    /// The failure message when `UPDATE_GOLDEN=1` is set under `CI=true`, else nil: CI checks
    /// golden files, it never rewrites them.
    public static func refusal(for file: String) -> String? {
        guard updating, ProcessInfo.processInfo.environment["CI"] == "true" else { return nil }
        return "UPDATE_GOLDEN=1 is refused under CI=true: CI checks \(file), it never rewrites it. "
            + "Regenerate on a workstation and commit the reviewed diff."
    }

    /// Names the first differing line, which is all a reader needs from a long file.
    public static func firstDifference(_ rendered: String, _ expected: String, file: String) -> String {
        let got = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(got.count, want.count) {
            let gotLine = index < got.count ? String(got[index]) : "<end>"
            let wantLine = index < want.count ? String(want[index]) : "<end of file>"
            if gotLine != wantLine {
                return "\(file) line \(index + 1): expected \(wantLine.debugDescription), got \(gotLine.debugDescription). "
                    + "If the change is intended, rerun with UPDATE_GOLDEN=1."
            }
        }
        return "\(file) matches"
    }
}
