package org.hybridstore.cp.internal;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.WatchGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.hybridstore.CpConfig;
import org.jspecify.annotations.Nullable;

/**
 * One etcd member: one gRPC channel to its endpoint, for the whole life of the backend, and the
 * stubs that use it. Every call the backend makes to this member goes over this channel: key-value
 * requests, status, watch and login. Nothing here opens a channel per call (jetcd's {@code
 * Maintenance.statusMember} does, which is why the backend does not use it; docs/decisions.md 12).
 *
 * <p>Settings (dependencies.md section 9 has the measurements behind them):
 *
 * <ul>
 *   <li>no wait-for-ready (gRPC's default): with the member down a call fails at once instead of
 *       waiting for a connection and being delivered, maybe much later, when it returns;
 *   <li>no gRPC-level retries: the backend decides about retries itself ({@code Router});
 *   <li>keepalive pings only while calls are active ({@code keepaliveWithoutCalls=false}: etcd 3.4
 *       answers idle pings with {@code too_many_pings}), every 10 s with a 5 s timeout;
 *   <li>callbacks run on the context's executor, not on gRPC's own thread pool.
 * </ul>
 *
 * <p>Two key-value stubs: {@link #kv} sends the header {@code hasleader=true}, so a member that
 * knows it has no leader refuses writes and linearizable reads in milliseconds ({@code etcdserver:
 * no leader}, checked in etcd's interceptor before the request is handled) instead of letting them
 * wait for the deadline; {@link #relaxedKv} does not, for serializable reads, which a leaderless
 * member may serve. Deadlines are set per call by the caller. Thread-safe.
 */
final class MemberConnection implements AutoCloseable {
  /** Large enough for a transaction whose else-branches return many records of up to 256 KiB. */
  static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  /**
   * Pings on a busy connection this often, so that a stopped or partitioned member's connection is
   * given up after about 15 s; etcd permits pings every 5 s while calls are active.
   */
  static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);

  /** How long a ping may go unanswered. */
  static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);

  static final Metadata.Key<String> HAS_LEADER =
      Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  /** Position in the configured endpoint list. */
  final int index;

  /** The configured endpoint, as a string for messages. */
  final String endpoint;

  private final ManagedChannel channel;
  private final @Nullable EtcdAuth auth;

  /** Writes and linearizable reads: {@code hasleader=true}. */
  final KVGrpc.KVStub kv;

  /** Serializable reads: no leader required. */
  final KVGrpc.KVStub relaxedKv;

  /**
   * Member status, without credentials: etcd 3.4 does not check them for {@code Status}, and a
   * member whose login hangs (no leader: logins go through raft) can still report its status.
   */
  final MaintenanceGrpc.MaintenanceStub maintenance;

  /**
   * The change feed: {@code hasleader=true}, so etcd ends the stream when the member loses its
   * leader.
   */
  final WatchGrpc.WatchStub watch;

  private MemberConnection(
      int index, String endpoint, ManagedChannel channel, @Nullable EtcdAuth auth) {
    this.index = index;
    this.endpoint = endpoint;
    this.channel = channel;
    this.auth = auth;
    Metadata hasLeader = new Metadata();
    hasLeader.put(HAS_LEADER, "true");
    KVGrpc.KVStub plain = KVGrpc.newStub(channel);
    MaintenanceGrpc.MaintenanceStub status = MaintenanceGrpc.newStub(channel);
    WatchGrpc.WatchStub w = WatchGrpc.newStub(channel);
    if (auth != null) {
      plain = plain.withCallCredentials(auth.over(channel));
      w = w.withCallCredentials(auth.over(channel));
    }
    this.relaxedKv = plain;
    this.kv = plain.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(hasLeader));
    this.maintenance = status;
    this.watch = w.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(hasLeader));
  }

  /**
   * Creates the connection; the channel connects lazily, on the first call.
   *
   * @param index position in the endpoint list
   * @param endpoint the member's client URL ({@code http://} or {@code https://})
   * @param config timeouts and credentials
   * @param ssl the TLS context, or null for plain text
   * @param auth the backend's login, or null without credentials
   * @param executor where callbacks run
   * @return the connection
   */
  static MemberConnection open(
      int index,
      URI endpoint,
      CpConfig config,
      @Nullable SslContext ssl,
      @Nullable EtcdAuth auth,
      Executor executor) {
    String host = endpoint.getHost();
    int port = endpoint.getPort() > 0 ? endpoint.getPort() : 2379;
    NettyChannelBuilder b =
        NettyChannelBuilder.forAddress(host, port)
            .executor(executor)
            .disableRetry()
            .keepAliveTime(KEEPALIVE_TIME.toNanos(), TimeUnit.NANOSECONDS)
            .keepAliveTimeout(KEEPALIVE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)
            .keepAliveWithoutCalls(false)
            .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
            .withOption(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()));
    if (ssl != null) {
      b.negotiationType(NegotiationType.TLS).sslContext(ssl);
    } else {
      b.negotiationType(NegotiationType.PLAINTEXT);
    }
    return new MemberConnection(index, endpoint.toString(), b.build(), auth);
  }

  /**
   * Connects again at once if the channel is waiting to reconnect. After a refused or lost
   * connection gRPC waits before the next attempt, 1 s and then 1.6 times longer each time (up to 2
   * minutes), and fails calls at once meanwhile: after a 6 s outage of every member the next
   * attempt came about 3 s after they were back. The prober calls this before asking a member whose
   * last answer was a failed connection, so a member that is back is connected within one probe
   * interval. Does nothing to a connected or connecting channel.
   */
  void reconnectNow() {
    channel.resetConnectBackoff();
  }

  /** Drops the auth token after etcd called it invalid; the next call logs in again. */
  void invalidateToken() {
    if (auth != null) {
      auth.invalidate();
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }

  @Override
  public String toString() {
    return endpoint;
  }
}
