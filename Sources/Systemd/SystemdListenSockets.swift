import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// The listening sockets systemd passed by socket activation (`LISTEN_FDS`, `LISTEN_PID`), for
/// `--web.systemd-socket`: systemd holds the socket across restarts of the service, so
/// connections that arrive while the daemon restarts wait in its backlog instead of being refused.
public enum SystemdListenSockets {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// `LISTEN_FDS` absent, zero, or meant for another process.
        case none
        /// A passed descriptor that is not a listening stream socket (say a `ListenDatagram=`).
        case notAStreamListener(fd: Int32)
        /// `sd_listen_fds` failed (malformed `LISTEN_FDS`); the errno.
        case invalid(errno: Int32)

        public var description: String {
            switch self {
            case .none:
                "--web.systemd-socket is set but systemd passed no socket (LISTEN_FDS); start the service through its .socket unit"
            case .notAStreamListener(let fd):
                "file descriptor \(fd) from systemd is not a listening TCP stream socket (the .socket unit needs ListenStream=)"
            case .invalid(let errno):
                "cannot read the sockets systemd passed: \(String(cString: strerror(errno)))"
            }
        }
    }

    /// Takes the passed descriptors (from 3 on) and unsets the variables so that no child
    /// process believes they are its own. Each must be a listening stream socket.
    public static func take() -> Result<[Int32], Failure> {
        let count = sd_listen_fds(1)
        if count < 0 { return .failure(.invalid(errno: -count)) }
        if count == 0 { return .failure(.none) }
        let descriptors = (0..<count).map { SD_LISTEN_FDS_START + $0 }
        for fd in descriptors where sd_is_socket(fd, AF_UNSPEC, Int32(SOCK_STREAM.rawValue), 1) <= 0 {
            return .failure(.notAStreamListener(fd: fd))
        }
        return .success(descriptors)
    }
}
