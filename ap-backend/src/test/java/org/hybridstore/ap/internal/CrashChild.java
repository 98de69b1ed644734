package org.hybridstore.ap.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.hybridstore.ApConfig;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ap.MapDbBackendFactory;
import org.hybridstore.ap.internal.storage.StorageOptions;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.LocalBackend;

/**
 * The child JVM of {@code CrashIT}: opens a node through the public factory and writes orders
 * {@code <prefix>-<n>} forever with 32 writes in flight, printing {@code ACK <order id>} for each
 * as it is acknowledged, until the parent kills it with SIGKILL.
 *
 * <p>Arguments: data directory, order id prefix, and {@code scalecube} (default) or {@code local}.
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    String prefix = args[1];
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    BackendContext ctx =
        new BackendContext(
            NodeId.of("crash"),
            new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(5)),
            Executors.newFixedThreadPool(2),
            scheduler);
    ApConfig config =
        ApConfig.builder(dataDir).peerAuth(org.hybridstore.PeerAuthConfig.insecure()).build();
    // "scalecube": the production factory; "local": the same journal and writer without sockets
    // (starts in a fraction of the time, which keeps twenty rounds fast).
    LocalBackend backend =
        args.length > 2 && args[2].equals("local")
            ? MapDbOrderBackend.open(
                config,
                ctx,
                StorageOptions.DEFAULTS,
                new LocalHub(1).factory(new NetworkFaults()),
                new NetworkFaults())
            : MapDbBackendFactory.of(config).create(ctx);
    out.println("READY");
    Semaphore inFlight = new Semaphore(32);
    AtomicLong next = new AtomicLong();
    while (true) {
      inFlight.acquire();
      String id = prefix + "-" + next.getAndIncrement();
      backend
          .apply(OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "c", "EUR"))
          .whenComplete(
              (w, e) -> {
                if (e == null) {
                  synchronized (out) {
                    out.println("ACK " + id);
                  }
                }
                inFlight.release();
              });
    }
  }
}
