import NIOCore

/// Runs a task's jobs on one NIO event loop, so that a poll and the requests it sends share a
/// thread (`withTaskExecutorPreference`, SE-0417).
///
/// Why: a poll sends one request after another, and each answer arrives on an event loop. With
/// the poll on Swift's task pool, every request crossed threads twice (the request onto the loop,
/// the answer back to the pool), each crossing a wake-up of a sleeping thread; a profile at 1,000
/// jobs put most of the polls' CPU in the kernel doing exactly that (bench/README.md). On the
/// connection's own loop, sending a request and resuming on its answer are calls within one
/// thread. NIO 2 has no `TaskExecutor` of its own; this is the smallest one.
///
/// What a reader could get wrong: a job enqueued from the loop's own thread is queued without a
/// wake-up (`EventLoop.execute` wakes the loop only from another thread), which is the point.
/// The metrics server has an event loop of its own, so work here never delays a scrape.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
