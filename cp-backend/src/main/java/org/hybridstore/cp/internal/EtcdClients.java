package org.hybridstore.cp.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.hybridstore.CpConfig;
import org.hybridstore.StoreUnavailableException;

/**
 * Builds the jetcd clients with the settings every call needs (see dependencies.md section 9 for
 * the measurements behind them):
 *
 * <ul>
 *   <li>a gRPC deadline of {@link CpConfig#requestTimeout()} on every unary call, set by {@link
 *       DeadlineInterceptor} (jetcd 0.8 has no per-request timeout; without it a call to a
 *       minority member waits for etcd's own 5 s + 2 election timeouts);
 *   <li>{@code waitForReady(false)}: with no reachable member a call fails at once instead of
 *       waiting for a connection and being delivered, maybe much later, when etcd returns;
 *   <li>{@code keepaliveWithoutCalls(false)}: etcd 3.4 answers idle pings with {@code
 *       too_many_pings}; pings on busy connections every 10 s (timeout 5 s);
 *   <li>jetcd's retry policy allows one retry, and jetcd applies it only to idempotent calls
 *       (reads; writes only on "invalid auth token", which etcd checks before proposing). Puts and
 *       transactions are otherwise never retried by jetcd ({@code Errors.isRetryableForNoSafeRedoOp},
 *       jetcd 0.8.7 {@code KVImpl.txn}); the backend decides about retries itself;
 *   <li>TLS (CA, optional client certificate) and user/password from {@link CpConfig}.
 * </ul>
 *
 * <p>Two clients share these settings. The {@code strict} one sends the gRPC header {@code
 * hasleader=true}, so once the member it talks to knows there is no leader, writes and
 * linearizable reads fail in milliseconds ({@code etcdserver: no leader}) instead of at the
 * deadline. The {@code relaxed} one has no such header: serializable reads, member status and the
 * watch (which asks for a leader through its own option) must work on a leaderless member.
 */
final class EtcdClients implements AutoCloseable {
  /** Large enough for a transaction whose else-branch returns many records of up to 256 KiB. */
  static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  /**
   * Pings on a busy connection this often, so that a stopped or partitioned member's connection is
   * given up after about 15 s instead of jetcd's default 40 s; etcd permits pings every 5 s.
   */
  static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);
  /** How long a ping may go unanswered. */
  static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);

  final Client strict;
  final Client relaxed;

  private EtcdClients(Client strict, Client relaxed) {
    this.strict = strict;
    this.relaxed = relaxed;
  }

  /**
   * Creates both clients; connects lazily.
   *
   * @param config the settings
   * @return the clients
   * @throws StoreUnavailableException if the TLS material cannot be loaded
   */
  static EtcdClients open(CpConfig config) {
    Client strict = builder(config).header("hasleader", "true").build();
    try {
      return new EtcdClients(strict, builder(config).build());
    } catch (RuntimeException e) {
      strict.close();
      throw e;
    }
  }

  /**
   * Returns a builder with every setting above except the {@code hasleader} header.
   *
   * @param config the settings
   * @return a new builder
   */
  static ClientBuilder builder(CpConfig config) {
    ClientBuilder b = Client.builder()
        .endpoints(config.endpoints())
        .interceptor(new DeadlineInterceptor(config.requestTimeout()))
        .waitForReady(false)
        .connectTimeout(config.connectTimeout())
        .keepaliveWithoutCalls(false)
        .keepaliveTime(KEEPALIVE_TIME)
        .keepaliveTimeout(KEEPALIVE_TIMEOUT)
        .retryMaxAttempts(1)
        .retryDelay(20)
        .retryMaxDelay(100)
        .retryMaxDuration(config.requestTimeout())
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES);
    CpConfig.Tls tls = config.tls();
    if (tls != null) {
      try {
        b.sslContext(ssl -> {
          ssl.trustManager(tls.caCert().toFile());
          if (tls.clientCert() != null && tls.clientKey() != null) {
            ssl.keyManager(tls.clientCert().toFile(), tls.clientKey().toFile());
          }
        });
      } catch (Exception e) {
        throw new StoreUnavailableException("TLS to etcd failed: cannot load the TLS material (CA "
            + tls.caCert() + ", client certificate " + tls.clientCert() + "): " + e.getMessage(), e);
      }
    }
    if (config.user() != null && config.password() != null) {
      b.user(ByteSequence.from(config.user(), StandardCharsets.UTF_8))
          .password(ByteSequence.from(config.password(), StandardCharsets.UTF_8));
    }
    return b;
  }

  @Override
  public void close() {
    try {
      strict.close();
    } finally {
      relaxed.close();
    }
  }

  /**
   * Gives every unary call a deadline (keeping an earlier one the caller set) and turns off
   * wait-for-ready. Streaming calls (watch, lease keep-alive) are long-lived and get no deadline.
   */
  static final class DeadlineInterceptor implements ClientInterceptor {
    private final long timeoutNanos;

    DeadlineInterceptor(Duration timeout) {
      this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
        CallOptions callOptions, Channel next) {
      CallOptions options = callOptions.withoutWaitForReady();
      if (method.getType() == MethodDescriptor.MethodType.UNARY) {
        Deadline deadline = Deadline.after(timeoutNanos, TimeUnit.NANOSECONDS);
        Deadline existing = options.getDeadline();
        if (existing == null || deadline.isBefore(existing)) {
          options = options.withDeadline(deadline);
        }
      }
      return next.newCall(method, options);
    }
  }
}
