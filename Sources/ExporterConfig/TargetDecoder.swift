import BackupModel
import FoundationEssentials

/// Turns one `targets:` entry into a `TargetConfiguration`: strict keys, defaults, URL and name
/// checks, secrets read from where they are kept. Uniqueness across targets is the loader's job.
struct TargetDecoder {
    static let targetKeys: Set<String> = ScheduleSettings.keys.union([
        "name", "vendor", "url", "auth", "tls", "jobs", "job_max_age", "options",
    ])
    static let authKeys: Set<String> = [
        "username", "password", "password_file", "password_env", "token", "token_file", "token_env",
    ]
    static let tlsKeys: Set<String> = ["ca_file", "insecure_skip_verify"]

    var defaults: ScheduleSettings
    var environment: [String: String]
    /// Folder of the config file, against which relative paths are resolved.
    var baseDirectory: String

    func decode(_ target: ConfigMapping) throws(ConfigError) -> TargetConfiguration {
        try target.rejectUnknownKeys(allowed: Self.targetKeys)
        let name = try target.require("name", target.string)
        guard !name.isEmpty, name.allSatisfy(Self.isNameCharacter) else {
            throw target.error("name", "invalid target name '\(name)' (use only letters, digits, '_', '.' and '-')")
        }
        let vendorWord = try target.require("vendor", target.string)
        guard let vendor = Vendor(rawValue: vendorWord) else {
            let known = Vendor.allCases.map(\.rawValue)
            var message = "unknown vendor '\(vendorWord)'"
            if let suggestion = KeySuggestion.closest(to: vendorWord, among: known) {
                message += " (did you mean '\(suggestion)'?)"
            }
            throw target.error("vendor", message + "; expected one of: " + known.joined(separator: ", "))
        }
        let url = try Self.normalisedURL(target.require("url", target.string), in: target)
        let schedule = try defaults.overridden(by: target)
        let auth = try auth(target.mapping("auth"))
        let jobs = try target.stringList("jobs") ?? []
        try Self.checkVendorNeeds(vendor, auth: auth, jobs: jobs, in: target)
        let optionsMapping = try target.mapping("options")
            ?? ConfigMapping(file: target.file, path: target.keyPath("options"), line: target.line, entries: [])
        let options = try VendorSettings.decode(vendor: vendor, options: optionsMapping, jobs: jobs)
        return TargetConfiguration(
            name: name, vendor: vendor, url: url,
            auth: auth, tls: try tls(target.mapping("tls")),
            jobs: jobs,
            interval: schedule.interval, timeout: schedule.timeout, jitter: schedule.jitter,
            timezone: schedule.timezone, maxResponseBytes: schedule.maxResponseBytes,
            maxAge: schedule.maxAge, jobMaxAge: try jobMaxAge(target.mapping("job_max_age")),
            options: options, line: target.line ?? 0, file: target.file)
    }

    /// What a vendor cannot work without beyond its `options:`: the login vendors and ECLYPSE's
    /// HTTP Basic need a username and a password (a token alone will not do), and ECLYPSE, which
    /// has no job list, needs the ids to follow.
    private static func checkVendorNeeds(_ vendor: Vendor, auth: AuthConfiguration, jobs: [String],
                                         in target: ConfigMapping) throws(ConfigError) {
        let how: String? = switch vendor {
        case .commvault: "POST /Login"
        case .unitrends: "POST /api/login"
        case .veeamM365: "the password grant of POST /Token"
        case .eclypse: "HTTP Basic"
        case .inet: nil
        }
        if let how, auth.username?.isEmpty ?? true || auth.password == nil {
            throw target.error("auth", "\(vendor.rawValue) needs auth.username and a password (\(how))")
        }
        if vendor == .eclypse, jobs.isEmpty {
            throw target.error("jobs", "eclypse has no list of backup jobs: name the job ids to follow in jobs:")
        }
    }

    /// `job_max_age: {<job id>: 48h}`: per-job overrides of `max_age`.
    private func jobMaxAge(_ mapping: ConfigMapping?) throws(ConfigError) -> [String: Double] {
        guard let mapping else { return [:] }
        var result: [String: Double] = [:]
        for key in mapping.keys {
            guard let seconds = try mapping.duration(key), seconds > 0 else {
                throw mapping.error(key, "expected a duration greater than 0, like 48h")
            }
            result[key] = seconds
        }
        return result
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == "." || character == "-")
    }

    /// Vendor paths are appended to the URL, so a query, a fragment or credentials in it would
    /// end up in the wrong place; credentials belong under `auth:` where they are kept secret.
    private static func normalisedURL(_ text: String, in target: ConfigMapping) throws(ConfigError) -> String {
        guard let components = URLComponents(string: text), components.user == nil, components.password == nil else {
            // The text is not echoed: a malformed URL may still contain credentials.
            throw target.error("url", "expected an absolute http:// or https:// URL without credentials")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty else {
            throw target.error("url", "'\(text)' is not an absolute http:// or https:// URL with a host")
        }
        guard components.query == nil, components.fragment == nil else {
            throw target.error("url", "'\(text)' must not have a query or fragment (vendor paths are appended to it)")
        }
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    private func auth(_ mapping: ConfigMapping?) throws(ConfigError) -> AuthConfiguration {
        guard let mapping else { return AuthConfiguration() }
        try mapping.rejectUnknownKeys(allowed: Self.authKeys)
        let username = try mapping.string("username")
        let password = try secret("password", in: mapping)
        let token = try secret("token", in: mapping)
        if password != nil, username == nil {
            throw mapping.error("username", "missing required key: a password needs a username")
        }
        if username != nil, password == nil {
            throw mapping.error("username", "has no password (set password, password_file or password_env)")
        }
        return AuthConfiguration(username: username, password: password, token: token)
    }

    /// Reads `<kind>`, `<kind>_file` or `<kind>_env`, of which at most one may be set. Messages
    /// name the key, the file or the variable, never the value.
    private func secret(_ kind: String, in mapping: ConfigMapping) throws(ConfigError) -> Secret? {
        let sourceKeys = [kind, "\(kind)_file", "\(kind)_env"]
        let present = mapping.entries.filter { sourceKeys.contains($0.key) && !$0.value.isNull }
        if present.count > 1 {
            let second = present[1]
            throw ConfigError(
                file: mapping.file, line: second.keyLine, key: mapping.keyPath(second.key),
                message: "set only one of \(sourceKeys.joined(separator: ", ")) ('\(present[0].key)' is already set on line \(present[0].keyLine))")
        }
        guard let source = present.first else { return nil }
        let value: String
        switch source.key {
        case "\(kind)_file":
            let path = resolvedPath(try mapping.require(source.key, mapping.string))
            value = try readSecretFile(path, key: source.key, in: mapping)
        case "\(kind)_env":
            let name = try mapping.require(source.key, mapping.string)
            guard let environmentValue = environment[name] else {
                throw mapping.error(source.key, "environment variable '\(name)' is not set")
            }
            value = environmentValue
        default:
            value = try mapping.require(source.key, mapping.string)
        }
        guard !value.isEmpty else { throw mapping.error(source.key, "the \(kind) is empty") }
        return Secret(value)
    }

    private func readSecretFile(_ path: String, key: String, in mapping: ConfigMapping) throws(ConfigError) -> String {
        if let problem = FileCheck.problem(at: path) {
            throw mapping.error(key, "cannot read '\(path)': \(problem)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw mapping.error(key, "cannot read '\(path)': permission denied")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw mapping.error(key, "'\(path)' is not UTF-8 text")
        }
        // Editors and `echo` add a final newline that is never part of the secret.
        // "\r\n" is one Character in Swift, so test `isNewline` rather than compare with "\n".
        while let last = text.last, last.isNewline { text.removeLast() }
        return text
    }

    private func tls(_ mapping: ConfigMapping?) throws(ConfigError) -> TLSConfiguration {
        guard let mapping else { return TLSConfiguration() }
        try mapping.rejectUnknownKeys(allowed: Self.tlsKeys)
        var caFile: String?
        if let written = try mapping.string("ca_file") {
            let path = resolvedPath(written)
            if let problem = FileCheck.problem(at: path) {
                throw mapping.error("ca_file", "cannot use '\(path)': \(problem)")
            }
            caFile = path
        }
        return TLSConfiguration(caFile: caFile, insecureSkipVerify: try mapping.bool("insecure_skip_verify") ?? false)
    }

    func resolvedPath(_ path: String) -> String {
        FileCheck.resolve(path, against: baseDirectory)
    }
}
