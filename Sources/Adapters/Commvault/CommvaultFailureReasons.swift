import BackupModel

/// `GET /Job/<jobId>/AdvancedDetails?infoType=16`: the `FailureReason` texts of one job.
///
/// The API reference (seed `commvault-job-details.txt`) shows the answer for an Exchange backup:
/// XML `<JobManager_AdvanceJobDetailsResp><bkpInfo><exchDbInfo><SourceDatabaseStats
/// FailureReason="…" …/>` and JSON `{"bkpInfo": {"exchDbInfo": {"SourceDatabaseStats": [{
/// "FailureReason": "…"}]}}}`, one stats entry per database. infoType 16 is "backup information
/// for Microsoft Exchange Server and Microsoft SQL Server agent jobs"; the reference documents no
/// other infoType carrying a failure reason, so other agents may answer without one (no message
/// beyond `pendingReason` then).
///
/// Every `FailureReason` anywhere in the answer is taken, in document order, without repeats:
/// the reference shows it nested two levels down for Exchange, and the nesting for SQL Server is
/// not documented. An answer that is neither (an HTML error page) is a decode error, which the
/// adapter logs once and otherwise ignores.
enum CommvaultFailureReasons {
    static let infoType = 16

    /// The call for `runID`; nil for an id that is not a job number (it could not be one).
    static func path(runID: String) -> String? {
        guard !runID.isEmpty, runID.count <= 20, runID.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        return "/Job/\(runID)/AdvancedDetails?infoType=\(infoType)"
    }

    static func parse(json: JSONValue) -> [String] {
        var found: [String] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let object):
                // Dictionary order is not the document's; sorted keys keep the result stable.
                for key in object.keys.sorted() {
                    guard let child = object[key] else { continue }
                    if key == "FailureReason", let text = child.string { found.append(text) } else { walk(child) }
                }
            case .array(let items):
                items.forEach(walk)
            default:
                break
            }
        }
        walk(json)
        return distinct(found)
    }

    static func parse(xml: XMLTree) -> [String] {
        var found: [String] = []
        func walk(_ element: XMLTree) {
            if let text = element.attributes["FailureReason"] { found.append(text) }
            if element.name == "FailureReason" { found.append(element.text) }
            element.children.forEach(walk)
        }
        walk(xml)
        return distinct(found)
    }

    private static func distinct(_ texts: [String]) -> [String] {
        var seen: Set<String> = []
        return texts.map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}

/// The failure reasons already fetched, by run id, so each failed run costs one call per adapter
/// and never one per poll. A call that failed is remembered as "no reason" too. Bounded: the
/// oldest entries go first once `limit` run ids are held (more than the jobs one target lists,
/// since only a job's newest run is asked about).
actor CommvaultFailureReasonCache {
    static let defaultLimit = 2_048

    private var reasons: [String: [String]] = [:]
    private var order: [String] = []
    private let limit: Int

    init(limit: Int = CommvaultFailureReasonCache.defaultLimit) {
        self.limit = max(1, limit)
    }

    /// The reasons stored for `runID`; nil when it was never fetched.
    func reasons(for runID: String) -> [String]? { reasons[runID] }

    func store(_ found: [String], for runID: String) {
        if reasons.updateValue(found, forKey: runID) == nil { order.append(runID) }
        if order.count > limit {
            let excess = order.count - limit
            order.prefix(excess).forEach { reasons[$0] = nil }
            order.removeFirst(excess)
        }
    }

    var count: Int { reasons.count }
}
