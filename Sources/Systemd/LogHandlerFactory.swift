import Logging

/// The factory to hand to `LoggingSystem.bootstrap`. The logger label is not written by any of
/// the handlers: the journald identifier and the `caller` field already say where a line came from.
public func makeLogHandlerFactory(format: LogFormat, level: Logger.Level) -> @Sendable (String) -> any LogHandler {
    { _ in
        switch format {
        case .journald:
            JournaldLogHandler(level: level)
        case .logfmt:
            StderrLogHandler(format: .logfmt, level: level)
        case .json:
            StderrLogHandler(format: .json, level: level)
        }
    }
}
