import FoundationEssentials
import Glibc
import NIOCore
import NIOSSL
import NIOTLS

/// exporter-toolkit's `client_allowed_sans`: once the handshake is done (and the certificate
/// verified, or accepted, by the TLS handler before it), the client certificate must carry one of
/// the allowed names among its DNS, e-mail, IP and URI SANs, or the connection is closed before
/// any request is read. Go checks this inside the handshake; NIOSSL can replace its chain check
/// but not add to it, so here it runs right after, with the same outcome: no request is served.
final class ClientSANCheck: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let allowed: Set<String>
    private var passed = false

    init(allowed: Set<String>) {
        self.allowed = allowed
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate()
            passed = certificate.map { Self.names(in: $0).contains { allowed.contains($0) } } ?? false
            if !passed {
                context.close(promise: nil)
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard passed else { return }
        context.fireChannelRead(data)
    }

    /// The SANs as Go's x509 package spells them: names as written, IPs in their usual text form.
    static func names(in certificate: NIOSSLCertificate) -> [String] {
        certificate._subjectAlternativeNames().compactMap { name -> String? in
            let bytes = name.contents.withUnsafeBufferPointer { Array($0) }
            switch name.nameType {
            case .dnsName, .email, .uri:
                return String(decoding: bytes, as: UTF8.self)
            case .ipAddress:
                let family = bytes.count == 4 ? AF_INET : bytes.count == 16 ? AF_INET6 : nil
                guard let family else { return nil }
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                guard inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil else { return nil }
                return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            default:
                return nil
            }
        }
    }
}
