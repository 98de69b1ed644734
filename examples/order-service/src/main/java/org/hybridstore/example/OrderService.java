package org.hybridstore.example;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Clock;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.hybridstore.InvalidInputException;
import org.hybridstore.ap.MapDbBackendFactory;
import org.hybridstore.cp.EtcdBackendFactory;
import org.hybridstore.spi.LocalBackendFactory;
import org.hybridstore.spi.StrongBackendFactory;
import org.hybridstore.switchover.HybridOrderStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order service: one {@link HybridOrderStore} behind an HTTP/JSON API.
 *
 * <p>This is the whole wiring an application needs: a node id, the etcd backend, the local backend,
 * and (optionally) a Micrometer registry; the store registers its MXBean itself. An embedded
 * Jolokia agent serves JMX over HTTP (read-only on localhost unless configured otherwise, see
 * {@link JolokiaAgent}), and the HTTP API serves a dashboard that reads every node through it
 * ({@code GET /dashboard}, see docs/jmx.md). Stops gracefully on SIGTERM: the HTTP server stops
 * taking requests, then Jolokia, then the store flushes its journal.
 */
public final class OrderService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OrderService.class);

  private final HybridOrderStore store;
  private final HttpServer http;
  private final ExecutorService httpThreads;
  private final JmxMeterRegistry registry;
  private final @Nullable JolokiaAgent jolokia;

  OrderService(ServiceConfig config) throws IOException {
    OffsetClock clock = new OffsetClock();
    registry = new JmxMeterRegistry(JmxConfig.DEFAULT, Clock.SYSTEM);
    HybridOrderStore s;
    try {
      StrongBackendFactory strong = EtcdBackendFactory.of(config.cp());
      LocalBackendFactory local = MapDbBackendFactory.of(config.ap());
      if (!config.mutant().isEmpty()) {
        NodeMutation m = mutation(config.mutant());
        LOG.warn("DELIBERATELY BROKEN BUILD: mutant {} (chaos-suite self-test)", m.name());
        strong = m.strong(strong);
        local = m.local(local);
      }
      s =
          HybridOrderStore.builder()
              .nodeId(config.nodeId())
              .strong(strong)
              .local(local)
              .config(config.switchover())
              .clock(clock)
              .meterRegistry(registry)
              .listener(
                  e ->
                      LOG.info(
                          "mode {} -> {} (epoch {}): {}", e.from(), e.to(), e.epoch(), e.reason()))
              .build();
    } catch (RuntimeException e) {
      registry.close();
      throw e;
    }
    store = s;
    JolokiaAgent agent = null;
    HttpServer server = null;
    ExecutorService threads = null;
    try {
      agent =
          config.jolokia().enabled()
              ? JolokiaAgent.start(config.jolokia(), config.nodeId().value())
              : null;
      limitHttpServer(config.http());
      server = HttpServer.create(new InetSocketAddress(config.httpHost(), config.httpPort()), 256);
      threads = boundedExecutor(config.http());
      server.setExecutor(threads);
      new HttpApi(store, clock, agent == null ? "" : agent.url(), config.http()).register(server);
      server.start();
    } catch (IOException | RuntimeException e) {
      if (server != null) {
        server.stop(0);
      }
      if (threads != null) {
        threads.shutdown();
      }
      if (agent != null) {
        agent.close();
      }
      store.close();
      registry.close();
      throw e;
    }
    jolokia = agent;
    http = server;
    httpThreads = threads;
    LOG.info(
        "order service {} listening on http://{}:{}", config.nodeId(), config.httpHost(), port());
  }

  private static NodeMutation mutation(String name) {
    for (NodeMutation m : ServiceLoader.load(NodeMutation.class)) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    throw new InvalidInputException("mutant", "no mutant named '" + name + "' on the class path");
  }

  /**
   * The JDK server's own limits are system properties read once, when the first server of the JVM
   * starts: a request must be read within the timeout (a slow client cannot hold a connection), an
   * answer sent within it, and connections are capped. Set here unless the JVM was given them.
   */
  private static void limitHttpServer(ServiceConfig.HttpSettings http) {
    long seconds = http.timeout().toSeconds();
    System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", Long.toString(seconds));
    System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", Long.toString(seconds));
    System.getProperties().putIfAbsent("sun.net.httpserver.idleInterval", Long.toString(seconds));
    System.getProperties()
        .putIfAbsent("jdk.httpserver.maxConnections", Integer.toString(http.maxConnections()));
  }

  /**
   * {@code threads} workers behind a queue of {@code queue} exchanges. An exchange that finds both
   * full runs on a small overflow pool, marked so that the API's filter answers 503 with {@code
   * Retry-After} without reading the request; if that pool's queue is full too, the exchange is
   * refused and the JDK server closes its connection. A flood therefore costs bounded memory and
   * gets 503s (or closed connections), never a dead process.
   */
  private static ExecutorService boundedExecutor(ServiceConfig.HttpSettings http) {
    ThreadPoolExecutor overflow =
        new ThreadPoolExecutor(
            2,
            2,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(4 * http.queue()),
            threadFactory("http-overflow"),
            new ThreadPoolExecutor.AbortPolicy());
    return new ThreadPoolExecutor(
        http.threads(),
        http.threads(),
        0,
        TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(http.queue()),
        threadFactory("http"),
        (task, pool) -> {
          if (pool.isShutdown()) {
            throw new RejectedExecutionException("stopping");
          }
          overflow.execute(
              () -> {
                HttpApi.OVERLOADED.set(true);
                try {
                  task.run();
                } finally {
                  HttpApi.OVERLOADED.set(false);
                }
              });
        }) {
      @Override
      protected void terminated() {
        overflow.shutdown();
      }
    };
  }

  private static java.util.concurrent.ThreadFactory threadFactory(String prefix) {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Returns the HTTP port the service listens on. */
  public int port() {
    return http.getAddress().getPort();
  }

  /** Returns the Jolokia agent's URL (ending in {@code /jolokia/}), or empty if it is off. */
  public Optional<String> jolokiaUrl() {
    return Optional.ofNullable(jolokia).map(JolokiaAgent::url);
  }

  /** Stops the HTTP server, then Jolokia, then the store. */
  @Override
  public void close() {
    try {
      http.stop(1);
      httpThreads.shutdown();
      if (jolokia != null) {
        jolokia.close();
      }
    } finally {
      try {
        store.close();
      } finally {
        registry.close();
      }
    }
  }

  /**
   * Starts the service and runs until SIGTERM or SIGINT.
   *
   * @param args {@code --name value} flags (see {@link ServiceConfig})
   * @throws Exception if the service cannot start
   */
  public static void main(String[] args) throws Exception {
    OrderService service = new OrderService(ServiceConfig.parse(args, System.getenv()));
    // Printed on stdout for scripts and the chaos suite: the ports are known once the servers are
    // bound. JOLOKIA comes first, so that whoever waits for READY has both.
    service.jolokiaUrl().ifPresent(url -> System.out.println("JOLOKIA url=" + url));
    System.out.println("READY http-port=" + service.port());
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("stopping");
                  service.close();
                  stopped.countDown();
                },
                "order-service-shutdown"));
    stopped.await();
  }
}
