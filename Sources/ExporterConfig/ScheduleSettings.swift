import BackupModel
import FoundationEssentials

/// The keys that may appear both under `defaults:` and in a target. Reading a target starts from
/// the defaults' values, which start from the built-in ones, so each default is applied in one
/// place.
struct ScheduleSettings: Sendable, Equatable {
    static let keys: Set<String> = ["interval", "timeout", "jitter", "timezone", "max_response_bytes", "max_age"]

    static let builtIn = ScheduleSettings(
        interval: TargetConfiguration.defaultInterval, timeout: TargetConfiguration.defaultTimeout,
        jitter: TargetConfiguration.defaultJitter, timezone: TargetConfiguration.defaultTimezone,
        maxResponseBytes: TargetConfiguration.defaultMaxResponseBytes, maxAge: TargetConfiguration.defaultMaxAge)

    var interval: Double
    var timeout: Double
    var jitter: Double
    var timezone: String
    var maxResponseBytes: Int
    var maxAge: Double

    /// The settings `mapping` overrides on top of `self`. A timeout longer than the interval is
    /// deliberately allowed: a slow appliance may need 2 minutes to answer a poll made every minute.
    func overridden(by mapping: ConfigMapping) throws(ConfigError) -> ScheduleSettings {
        var result = self
        if let interval = try mapping.duration("interval") {
            guard interval > 0 else { throw mapping.error("interval", "must be greater than 0") }
            result.interval = interval
        }
        if let timeout = try mapping.duration("timeout") {
            guard timeout > 0 else { throw mapping.error("timeout", "must be greater than 0") }
            result.timeout = timeout
        }
        if let text = try mapping.string("jitter") {
            guard let jitter = Self.fraction(percentage: text) else {
                throw mapping.error("jitter", "invalid jitter '\(text)' (expected a percentage from 0% to 100%, like 10%)")
            }
            result.jitter = jitter
        }
        if let timezone = try mapping.string("timezone") {
            guard TimeZoneRules.named(timezone) != nil else {
                throw mapping.error("timezone", "unknown time zone '\(timezone)' (expected an IANA name like UTC or Europe/Berlin)")
            }
            result.timezone = timezone
        }
        if let maxAge = try mapping.duration("max_age") {
            guard maxAge > 0 else { throw mapping.error("max_age", "must be greater than 0") }
            result.maxAge = maxAge
        }
        if let entry = mapping.entry("max_response_bytes") {
            let bytes = entry.value.scalar?.int ?? entry.value.scalar.flatMap { ByteSizeParser.bytes($0.text) }
            guard let bytes, bytes > 0 else {
                let written = entry.value.scalar.map { "'\($0.text)' " } ?? ""
                throw mapping.error("max_response_bytes",
                                    "invalid size \(written)(expected a positive byte count like 33554432, 512KiB, 32MiB or 1MB)")
            }
            result.maxResponseBytes = bytes
        }
        return result
    }

    /// "10%" as 0.1; only the percent form, so "10" is not misread as ten whole intervals.
    static func fraction(percentage text: String) -> Double? {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.hasSuffix("%") else { return nil }
        let number = trimmed.dropLast().trimmingWhitespace()
        guard let first = number.first, first.isNumber, let percent = Double(number), percent.isFinite,
              (0...100).contains(percent) else { return nil }
        return percent / 100
    }
}
