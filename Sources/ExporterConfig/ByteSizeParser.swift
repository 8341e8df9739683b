import BackupModel
import FoundationEssentials

/// Byte counts written as an integer or with a unit: `512KiB`, `32MiB` (powers of 1024) or
/// `1MB` (powers of 1000, as disk vendors and SI mean it). Units are matched case-insensitively
/// because nobody means megabits in a response size limit.
public enum ByteSizeParser {
    private static let unitBytes: [String: Double] = [
        "": 1, "b": 1,
        "kb": 1e3, "mb": 1e6, "gb": 1e9,
        "kib": 1024, "mib": 1024 * 1024, "gib": 1024 * 1024 * 1024,
    ]

    public static func bytes(_ text: String) -> Int? {
        let trimmed = text.trimmingWhitespace()
        let unitStart = trimmed.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) }) ?? trimmed.endIndex
        let numberText = String(trimmed[..<unitStart])
        let unit = trimmed[unitStart...].trimmingWhitespace().lowercased()
        guard !numberText.isEmpty, !numberText.hasPrefix("."), let number = Double(numberText),
              let factor = unitBytes[unit] else { return nil }
        let bytes = (number * factor).rounded(.down)
        guard bytes.isFinite, bytes >= 0, bytes < Double(Int.max) else { return nil }
        return Int(bytes)
    }
}
