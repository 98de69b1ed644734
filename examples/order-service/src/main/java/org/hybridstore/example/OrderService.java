package org.hybridstore.example;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Clock;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.hybridstore.ap.MapDbBackendFactory;
import org.hybridstore.cp.EtcdBackendFactory;
import org.hybridstore.switchover.HybridOrderStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order service: one {@link HybridOrderStore} behind an HTTP/JSON API.
 *
 * <p>This is the whole wiring an application needs: a node id, the etcd backend, the local
 * backend, and (optionally) a Micrometer registry; the store registers its MXBean itself. Stops
 * gracefully on SIGTERM: the HTTP server stops taking requests, then the store flushes its journal.
 */
public final class OrderService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OrderService.class);

  private final HybridOrderStore store;
  private final HttpServer http;
  private final ExecutorService httpThreads;
  private final JmxMeterRegistry registry;

  OrderService(ServiceConfig config) throws IOException {
    OffsetClock clock = new OffsetClock();
    registry = new JmxMeterRegistry(JmxConfig.DEFAULT, Clock.SYSTEM);
    store = HybridOrderStore.builder()
        .nodeId(config.nodeId())
        .strong(EtcdBackendFactory.of(config.cp()))
        .local(MapDbBackendFactory.of(config.ap()))
        .config(config.switchover())
        .clock(clock)
        .meterRegistry(registry)
        .listener(e -> LOG.info("mode {} -> {} (epoch {}): {}", e.from(), e.to(), e.epoch(), e.reason()))
        .build();
    http = HttpServer.create(new InetSocketAddress(config.httpHost(), config.httpPort()), 256);
    httpThreads = Executors.newFixedThreadPool(64);
    http.setExecutor(httpThreads);
    new HttpApi(store, clock).register(http);
    http.start();
    LOG.info("order service {} listening on http://{}:{}", config.nodeId(), config.httpHost(), port());
  }

  /** Returns the HTTP port the service listens on. */
  public int port() {
    return http.getAddress().getPort();
  }

  /** Stops the HTTP server, then the store. */
  @Override
  public void close() {
    http.stop(1);
    httpThreads.shutdown();
    store.close();
    registry.close();
  }

  /**
   * Starts the service and runs until SIGTERM or SIGINT.
   *
   * @param args {@code --name value} flags (see {@link ServiceConfig})
   * @throws Exception if the service cannot start
   */
  public static void main(String[] args) throws Exception {
    OrderService service = new OrderService(ServiceConfig.parse(args, System.getenv()));
    // Printed on stdout for scripts and the chaos suite: the port is known once the server is bound.
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
