import FoundationEssentials
import Glibc

/// What `stat` says about a file that changes when it is replaced or rewritten: a renewed
/// certificate moved into place (new inode) or written over (new size or times). One `stat` per
/// file, cheap enough to take on every new connection.
struct FileStamp: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: [Int]
    var changed: [Int]

    /// Nil when the file cannot be stat'ed (gone for a moment during a rename, say).
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = [Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
        changed = [Int(info.st_ctim.tv_sec), Int(info.st_ctim.tv_nsec)]
    }
}
