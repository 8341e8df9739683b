import BackupModel

/// Runs one poll with an overall deadline on top of the per-request timeouts, so a vendor that
/// makes an adapter issue many slow requests still cannot hold its target's slot for ever.
enum PollDeadline {
    static func run<T: Sendable>(
        seconds: Double, _ operation: @escaping @Sendable () async throws(PollError) -> T
    ) async -> Result<T, PollError> {
        await withTaskGroup(of: Result<T, PollError>?.self) { group in
            group.addTask {
                do throws(PollError) { return .success(try await operation()) } catch { return .failure(error) }
            }
            group.addTask {
                do { try await Task.sleep(for: .seconds(seconds)) } catch { return nil }
                return .failure(PollError(.timeout, "poll did not finish within \(Self.format(seconds))"))
            }
            while let next = await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
            }
            return .failure(PollError(.timeout, "poll cancelled"))
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? "\(Int(seconds))s" : "\(seconds)s"
    }
}
