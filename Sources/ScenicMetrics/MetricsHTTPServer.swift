import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// `GET /metrics` over HTTP for a Prometheus scraper, on an address of the operator's
/// choosing (`--metrics-address`, off by default). Every other request is 404; each
/// answer closes its connection, which is all a scraper needs.
public struct MetricsHTTPServer: Service {
    private let channel: any Channel
    private let logger: Logger

    /// Binds now, so that an address in use stops the daemon's start instead of a scrape failing later.
    public static func bind(host: String, port: Int, metrics: DaemonMetrics, logger: Logger) async throws -> MetricsHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    child.pipeline.addHandler(MetricsHTTPHandler(metrics: metrics))
                }
            }
            .bind(host: host, port: port).get()
        logger.info("serving metrics over HTTP", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "\(host):\(port)")"])
        return MetricsHTTPServer(channel: channel, logger: logger)
    }

    /// The port bound (useful when asked for port 0).
    public var port: Int? { channel.localAddress?.port }

    public func run() async throws {
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

/// Answers one request on a connection, then closes it.
private final class MetricsHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let metrics: DaemonMetrics
    private var head: HTTPRequestHead?

    init(metrics: DaemonMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            guard head.method == .GET, path == "/metrics" else {
                respond(context: context, status: .notFound, type: "text/plain; charset=utf-8", body: "only GET /metrics is served here\n")
                return
            }
            let metrics = metrics
            context.eventLoop.makeFutureWithTask { await metrics.render() }.assumeIsolated().whenSuccess { text in
                self.respond(context: context, status: .ok, type: "text/plain; version=0.0.4; charset=utf-8", body: text)
            }
        }
    }

    private func respond(context: ChannelHandlerContext, status: HTTPResponseStatus, type: String, body: String) {
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: "\(buffer.readableBytes)")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
