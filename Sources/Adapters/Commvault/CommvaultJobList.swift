import BackupModel

/// One page of `GET /Job`, in either format, as `jobSummary` objects plus the server's total.
///
/// JSON: `{"totalRecordsWithoutPaging": N, "jobs": [{"jobSummary": {...}}]}`.
/// XML: `<JobManager_JobListResponse totalRecordsWithoutPaging="N"><jobs><jobSummary a="..">
/// <subclient b=".."/></jobSummary></jobs>...`, turned into the JSON shape: attributes become
/// string values and child elements nested objects, so `CommvaultJobSummary` reads both alike.
///
/// A server with no matching jobs may leave out `jobs` (and even the total): that is an empty
/// page, not an error. An answer carrying a non-zero `errorCode` instead is.
struct CommvaultJobList: Sendable, Equatable {
    var total: Int?
    var summaries: [JSONValue]

    init(json: JSONValue, context: String) throws(PollError) {
        guard json.object != nil else { throw PollError(.decode, "\(context): expected a job list object") }
        try Self.checkError(code: json["errorCode"]?.double, context: context)
        total = json["totalRecordsWithoutPaging"]?.double.map { Int($0) }
        guard let jobs = json["jobs"], !jobs.isNull else {
            summaries = []
            return
        }
        guard let list = jobs.array else { throw PollError(.decode, "\(context): jobs is not a list") }
        summaries = list.compactMap { $0["jobSummary"] }
    }

    /// The root must be Commvault's: a proxy's or portal's HTML page can be well-formed XML too, and
    /// read as "no jobs" it would make every job vanish while the target looked up.
    init(xml root: XMLTree, context: String) throws(PollError) {
        guard root.name == "JobManager_JobListResponse" else {
            throw PollError(.decode, "\(context): expected <JobManager_JobListResponse>, got <\(root.name.prefix(64))>")
        }
        try Self.checkError(code: root.attributes["errorCode"].flatMap(Double.init), context: context)
        total = root.attributes["totalRecordsWithoutPaging"].flatMap(Double.init).map { Int($0) }
        summaries = root.children(named: "jobs").flatMap { $0.children(named: "jobSummary") }.map(Self.json)
    }

    private static func checkError(code: Double?, context: String) throws(PollError) {
        if let code, code != 0 {
            throw PollError(.http, "\(context): server answered errorCode \(Int(code))")
        }
    }

    /// Attributes as strings, child elements as objects (the last one wins for a repeated name,
    /// which `jobSummary` does not have).
    static func json(_ element: XMLTree) -> JSONValue {
        var object: [String: JSONValue] = element.attributes.mapValues { .string($0) }
        for child in element.children {
            object[child.name] = json(child)
        }
        return .object(object)
    }
}
