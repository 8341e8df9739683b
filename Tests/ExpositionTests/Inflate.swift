import CZlib

/// zlib's own reader, in the test: a gzip member must inflate to its end in one stream.
enum Inflate {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The content of one gzip member; throws if the bytes are not exactly one valid member
    /// (a bad CRC or length fails here as it would in any reader).
    static func gunzip(_ member: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        // 16 + MAX_WBITS: a gzip header and trailer around the deflate stream.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var input = member
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let status: Int32 = input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            var status = Z_OK
            while status == Z_OK {
                status = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                output += chunk[0..<(chunk.count - Int(stream.avail_out))]
            }
            return status
        }
        guard status == Z_STREAM_END else { throw Failure(description: "inflate ended with \(status): \(stream.msg.map { String(cString: $0) } ?? "")") }
        guard stream.avail_in == 0 else { throw Failure(description: "\(stream.avail_in) bytes after the first member") }
        return output
    }
}
