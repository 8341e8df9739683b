import BackupModel

/// A vendor adapter whose polls run on its target connection's event loop
/// (`EventLoopTaskExecutor`): every adapter `AdapterRegistry` makes is one of these, so no
/// adapter has to know where it runs.
struct LoopBoundAdapter: VendorAdapter {
    let adapter: any VendorAdapter
    let executor: EventLoopTaskExecutor

    func poll() async throws(PollError) -> [ObservedJob] {
        let adapter = self.adapter
        let result: Result<[ObservedJob], PollError> = await withTaskExecutorPreference(executor) {
            do throws(PollError) { return .success(try await adapter.poll()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    func shutdown() async {
        await adapter.shutdown()
    }
}
