import BackupModel
import FoundationEssentials

/// One i-net PDFC / CoWork backup result, normalised (`vendors/inet.md`).
///
/// What the vendor page shows, and what this accepts:
/// - `jobid` is the run; the definition id arrives as `definition` (field table) or `definitionid`
///   (example): both are read.
/// - `created`, `contentInformation.started` and `.ended` are epoch **milliseconds**;
///   `contentInformation.duration` is milliseconds too (the example's 9 equals ended − started);
///   `size` is bytes.
/// - `runningStatus` has the booleans `waiting`, `running`, `finished` plus `taskProgress`
///   (task → percent, number or numeric string) and `taskErrors` (task → message).
/// - Only a successful run reads 100. A failed or warned run keeps the mean of what its tasks
///   reached (none when they report nothing): finishing with errors is not reaching 100 %.
/// - `taskErrors` of a failed or warned run are its vendor message, `task: text` by task name, in
///   `messageParts`; the adapter redacts the target's secrets from them.
struct InetResult: Sendable, Equatable {
    var definitionID: String?
    var definitionName: String?
    var run: ObservedRun
    /// For ordering runs newest first.
    var created: Double?
    /// `task: text` of each task error of a failed or warned run, by task name; empty otherwise.
    var messageParts: [String]

    init(json: JSONValue, context: String) throws(PollError) {
        guard json.object != nil else { throw PollError(.decode, "\(context): expected a result object") }
        guard let runID = json["jobid"]?.string ?? json["id"]?.string else {
            throw PollError(.decode, "\(context): result without jobid")
        }
        definitionID = json["definition"]?.string ?? json["definitionid"]?.string
        definitionName = json["name"]?.string
        created = json["created"]?.double.map { $0 / 1000 }

        let status = json["runningStatus"]
        let content = json["contentInformation"]
        let waiting = status?["waiting"]?.bool ?? false
        let running = status?["running"]?.bool ?? false
        let finished = status?["finished"]?.bool ?? false
        let errors = status?["taskErrors"]?.object ?? [:]
        let size = content?["size"]?.double

        let state: JobState
        if finished {
            if errors.isEmpty {
                state = .succeeded
            } else {
                // Errors but content written: the backup is usable with gaps.
                state = (size ?? 0) > 0 ? .warning : .failed
            }
        } else if running {
            state = .running
        } else if waiting {
            state = .waiting
        } else {
            state = .unknown
        }

        // Values that are not numbers are skipped; a map holding none counts as no progress, so a
        // waiting result reads 0 whether its map is empty or holds only junk.
        let progressValues = (status?["taskProgress"]?.object ?? [:]).values.compactMap(\.double)
        let progress: Double?
        if state == .succeeded {
            progress = 100
        } else if !progressValues.isEmpty {
            progress = progressValues.reduce(0, +) / Double(progressValues.count)
        } else {
            progress = waiting ? 0 : nil
        }

        let started = content?["started"]?.double.map { $0 / 1000 }
        let ended = content?["ended"]?.double.map { $0 / 1000 }
        let duration = content?["duration"]?.double.map { $0 / 1000 }
        let flags = [waiting ? "waiting" : nil, running ? "running" : nil, finished ? "finished" : nil].compactMap { $0 }
        run = ObservedRun(
            id: runID,
            state: state,
            progressPercent: progress,
            startTime: started ?? created,
            endTime: finished ? (ended ?? started.flatMap { s in duration.map { s + $0 } }) : nil,
            durationSeconds: finished ? duration : nil,
            sizeBytes: size,
            vendorStatus: flags.isEmpty ? "none" : flags.joined(separator: "+") + (errors.isEmpty ? "" : "+errors")
        )
        if state == .failed || state == .warning {
            messageParts = errors.sorted { $0.key < $1.key }.compactMap { task, text in
                guard let text = text.string?.trimmingWhitespace(), !text.isEmpty else { return nil }
                return task.isEmpty ? text : "\(task): \(text)"
            }
        } else {
            messageParts = []
        }
    }
}
