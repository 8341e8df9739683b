/// One row of `GET /api/jobs/active`: the only place a running backup's progress shows.
///
/// Rows name the asset (`client_name`, `instance_name`), not the backup, so a running backup is
/// matched by those names; a row that carries a `backup_id` is matched by it instead.
/// `percent_complete` may be a number or a numeric string ("42.5").
struct UnitrendsActiveJob: Sendable, Equatable {
    var backupID: String?
    var clientName: String?
    var instanceName: String?
    var percent: Double?

    init(json: JSONValue) {
        backupID = json["backup_id"]?.string
        clientName = json["client_name"]?.string
        instanceName = json["instance_name"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        percent = json["percent_complete"]?.double
    }

    func matches(_ backup: UnitrendsBackup) -> Bool {
        if let backupID { return backupID == backup.run.id }
        guard let clientName, clientName.lowercased() == backup.clientName?.lowercased() else { return false }
        return instanceName?.lowercased() == backup.instanceName?.lowercased()
    }
}
