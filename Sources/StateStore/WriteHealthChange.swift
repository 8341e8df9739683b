/// A change in whether the store can write: the daemon logs these, once each, instead of an
/// error on every poll while a disk stays full or read-only.
public enum WriteHealthChange: Sendable, Equatable {
    /// Writes started failing, or fail for a different reason now (path and the system's words).
    case failing(String)
    /// A write succeeded after failures; everything held in memory meanwhile is on disk again.
    case resumed
}
