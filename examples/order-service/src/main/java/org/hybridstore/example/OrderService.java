package org.hybridstore.example;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Clock;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.hybridstore.ap.MapDbBackendFactory;
import org.hybridstore.cp.EtcdBackendFactory;
import org.hybridstore.InvalidInputException;
import org.hybridstore.spi.LocalBackendFactory;
import org.hybridstore.spi.StrongBackendFactory;
import org.hybridstore.switchover.HybridOrderStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order service: one {@link HybridOrderStore} behind an HTTP/JSON API.
 *
 * <p>This is the whole wiring an application needs: a node id, the etcd backend, the local
 * backend, and (optionally) a Micrometer registry; the store registers its MXBean itself. An
 * embedded Jolokia agent serves JMX over HTTP (read-only on localhost unless configured otherwise,
 * see {@link JolokiaAgent}), and the HTTP API serves a dashboard that reads every node through it
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
      s = HybridOrderStore.builder()
          .nodeId(config.nodeId())
          .strong(strong)
          .local(local)
          .config(config.switchover())
          .clock(clock)
          .meterRegistry(registry)
          .listener(e -> LOG.info("mode {} -> {} (epoch {}): {}", e.from(), e.to(), e.epoch(), e.reason()))
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
      agent = config.jolokia().enabled() ? JolokiaAgent.start(config.jolokia(), config.nodeId().value()) : null;
      server = HttpServer.create(new InetSocketAddress(config.httpHost(), config.httpPort()), 256);
      threads = Executors.newFixedThreadPool(64);
      server.setExecutor(threads);
      new HttpApi(store, clock, agent == null ? "" : agent.url()).register(server);
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
    LOG.info("order service {} listening on http://{}:{}", config.nodeId(), config.httpHost(), port());
  }

  private static NodeMutation mutation(String name) {
    for (NodeMutation m : ServiceLoader.load(NodeMutation.class)) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    throw new InvalidInputException("mutant", "no mutant named '" + name + "' on the class path");
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
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping");
      service.close();
      stopped.countDown();
    }, "order-service-shutdown"));
    stopped.await();
  }
}
