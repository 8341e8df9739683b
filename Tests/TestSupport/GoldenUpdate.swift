import Foundation

/// Whether golden tests should rewrite their files (`UPDATE_GOLDEN=1`) instead of comparing.
/// Under CI (`CI=true`) that request is an error: a golden test that writes always passes, so a
/// CI run with it set would prove nothing. The tests `try` this and fail with the reason.
public enum GoldenUpdate {
    public struct RefusedUnderCI: Error, CustomStringConvertible {
        public var description: String {
            "UPDATE_GOLDEN=1 under CI=true: golden tests would rewrite their files and pass; unset UPDATE_GOLDEN in CI"
        }
    }

    public static func requested(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Bool {
        guard environment["UPDATE_GOLDEN"] == "1" else { return false }
        if environment["CI"] == "true" { throw RefusedUnderCI() }
        return true
    }
}
