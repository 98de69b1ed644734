package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.github.resilience4j.core.IntervalFunction;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.hybridstore.CpConfig;
import org.hybridstore.cp.internal.EtcdErrors.Signal;
import org.hybridstore.cp.testing.TestBackendContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Where the change feed's stream goes, against two stand-in etcd watch services on real sockets (a
 * silent one, as a throttled or cut-off member is, and one that answers) and made-up member health.
 * The feed against real etcd is tested in {@code EtcdWatchIT}.
 */
class EtcdWatchFeedTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long STALL = 100 * MS;

  /** A member's watch service: records the create requests; answers them or not. */
  static final class StandInWatch extends WatchGrpc.WatchImplBase {
    final boolean answers;
    final List<WatchCreateRequest> creates = new CopyOnWriteArrayList<>();
    final AtomicInteger closedByClient = new AtomicInteger();

    StandInWatch(boolean answers) {
      this.answers = answers;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(WatchRequest request) {
          if (!request.hasCreateRequest()) {
            return;
          }
          creates.add(request.getCreateRequest());
          if (answers) {
            out.onNext(
                WatchResponse.newBuilder()
                    .setCreated(true)
                    .setHeader(ResponseHeader.newBuilder().setRevision(9))
                    .build());
          }
        }

        @Override
        public void onError(Throwable t) {
          closedByClient.incrementAndGet();
        }

        @Override
        public void onCompleted() {
          closedByClient.incrementAndGet();
        }
      };
    }
  }

  private final List<Server> servers = new ArrayList<>();
  private final List<MemberConnection> connections = new ArrayList<>();
  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final FailureLog failures =
      new FailureLog(LoggerFactory.getLogger(EtcdWatchFeedTest.class), 10_000 * MS, now::get);
  private final TestBackendContext ctx = new TestBackendContext("n1");
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    connections.forEach(MemberConnection::close);
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    ctx.close();
  }

  private URI serve(StandInWatch service) throws IOException {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service)
            .build()
            .start();
    servers.add(server);
    return URI.create("http://127.0.0.1:" + server.getPort());
  }

  private MemberView view(List<URI> endpoints) {
    CpConfig config = CpConfig.builder().endpoints(endpoints).build();
    for (int i = 0; i < endpoints.size(); i++) {
      connections.add(
          MemberConnection.open(i, endpoints.get(i), config, null, null, Runnable::run));
    }
    return new MemberView(connections, STALL, failures);
  }

  private EtcdWatchFeed feed(MemberView view) {
    Router router =
        new Router(
            view,
            ctx.context().scheduler(),
            IntervalFunction.of(Duration.ofMillis(5)),
            1_000 * MS,
            new Counters(),
            failures,
            now::get);
    closeables.add(router);
    Reader reader =
        new Reader(
            router, new EtcdKeys("/p/"), new RevisionCache(10), Duration.ofSeconds(1), now::get);
    EtcdWatchFeed feed =
        new EtcdWatchFeed(
            view,
            reader,
            new EtcdKeys("/p/"),
            ctx.context(),
            IntervalFunction.of(Duration.ofMillis(100)),
            failures,
            now::get,
            5,
            (records, revision) -> {},
            f -> {});
    closeables.add(feed);
    return feed;
  }

  /** Sets a member's last success and, later, its last failure ({@code failedAt} 0: none). */
  private static void health(MemberView view, MemberConnection m, long okAt, long failedAt) {
    view.health(m).begin(okAt);
    view.health(m).succeeded(okAt, 100 + m.index);
    if (failedAt > 0) {
      view.health(m).begin(failedAt);
      view.health(m).failed(failedAt, Signal.NO_LEADER, "no leader");
    }
  }

  /** Evaluates the view until it reports the health just set to its listeners. */
  private void report(MemberView view) {
    for (int i = 0; i < MemberView.REPORT_AFTER; i++) {
      view.evaluate(now.get());
    }
  }

  @Test
  void stream_onAMemberThatDoesNotServe_movesWhenAnotherServesAgain() throws IOException {
    StandInWatch silent = new StandInWatch(false);
    StandInWatch answering = new StandInWatch(true);
    MemberView view = view(List.of(serve(silent), serve(answering)));
    MemberConnection m0 = connections.get(0);
    MemberConnection m1 = connections.get(1);
    // Given no member serves, and the silent one answered last (the one a reopen then takes)
    health(view, m0, 900 * MS, 950 * MS);
    health(view, m1, 800 * MS, 960 * MS);
    report(view);
    feed(view).start();
    await().atMost(Duration.ofSeconds(5)).until(() -> silent.creates.size() == 1);
    assertThat(silent.creates.get(0).getStartRevision()).isEqualTo(6);
    // When the other member serves again (and the silent one still does not)
    now.addAndGet(100 * MS);
    health(view, m1, now.get(), 0);
    report(view);
    // Then the feed moves its stream there, from where it left off, and closes the silent one
    await().atMost(Duration.ofSeconds(5)).until(() -> answering.creates.size() == 1);
    assertThat(answering.creates.get(0).getStartRevision()).isEqualTo(6);
    await().atMost(Duration.ofSeconds(5)).until(() -> silent.closedByClient.get() == 1);
    assertThat(silent.creates).hasSize(1);
  }

  @Test
  void stream_onAServingMember_staysWhenAnotherServesAgain() throws IOException {
    StandInWatch first = new StandInWatch(true);
    StandInWatch second = new StandInWatch(true);
    MemberView view = view(List.of(serve(first), serve(second)));
    MemberConnection m0 = connections.get(0);
    MemberConnection m1 = connections.get(1);
    // Given the first member serves and the second does not
    health(view, m0, 990 * MS, 0);
    health(view, m1, 800 * MS, 960 * MS);
    report(view);
    feed(view).start();
    await().atMost(Duration.ofSeconds(5)).until(() -> first.creates.size() == 1);
    // When the second serves again
    now.addAndGet(10 * MS);
    health(view, m0, now.get(), 0);
    health(view, m1, now.get(), 0);
    report(view);
    // Then the stream stays where it is: a stream on a serving member is not moved
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> second.creates.isEmpty() && first.closedByClient.get() == 0);
  }
}
