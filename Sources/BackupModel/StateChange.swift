/// Something an operator may want to be told about, produced by the store when a poll's outcome
/// differs from what it held. The daemon turns each into one journald entry.
public enum StateChange: Sendable, Equatable {
    /// A target's poll failed after it was up (or on its first poll).
    case targetDown(target: String, vendor: Vendor, reason: FailureReason, message: String)
    /// A target's poll succeeded after it was down.
    case targetUp(target: String, vendor: Vendor)
    /// A job's last run moved to another state, or a new run started.
    case jobState(target: String, vendor: Vendor, jobID: String, jobName: String, runID: String, from: JobState?, to: JobState, vendorStatus: String?, vendorMessage: String? = nil)
}
