import Glibc

/// The demo's `backup-simulator`, a child process started with posix_spawn, its stdout sent to
/// /dev/null. Owned by the one `demo` run that started it.
final class SimulatorProcess {
    let pid: pid_t
    private var exited = false

    init(path: String, arguments: [String], environment: [String: String]) throws(SpawnError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child = pid_t()
        let result = posix_spawn(&child, path, &actions, nil, argv, envp)
        guard result == 0 else { throw SpawnError(path: path, code: result) }
        pid = child
    }

    var isRunning: Bool {
        guard !exited else { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { exited = true }
        return result == 0
    }

    func terminate() {
        if !exited { kill(pid, SIGTERM) }
    }

    func waitUntilExit() {
        guard !exited else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        exited = true
    }

    struct SpawnError: Error, CustomStringConvertible {
        var path: String
        var code: Int32
        var description: String { "cannot start \(path): \(String(cString: strerror(code)))" }
    }
}
