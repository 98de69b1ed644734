package org.hybridstore.chaos.mutants;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderStoreException;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.LocalBackendFactory;
import org.hybridstore.spi.StrongBackendFactory;

/**
 * An etcd write whose outcome is uncertain (no answer within 300 ms, or an indeterminate error) is
 * taken as committed: the store acknowledges it STRONG although etcd may never have applied it.
 */
public final class AckUncertainStrong extends AbstractMutant {
  private final AtomicReference<LocalBackend> local = new AtomicReference<>();

  /** Creates the mutant. */
  public AckUncertainStrong() {
    super(
        "ack-uncertain-strong",
        "an etcd write without an answer is acknowledged as committed",
        List.of("no-lost", "linearizable", "no-duplicates", "confirmations"),
        List.of("kill-etcd-majority"));
  }

  @Override
  public LocalBackendFactory local(LocalBackendFactory real) {
    return context -> {
      LocalBackend b = real.create(context);
      local.set(b);
      return b;
    };
  }

  @Override
  public StrongBackendFactory strong(StrongBackendFactory real) {
    return context ->
        new DelegatingStrongBackend(real.create(context)) {
          @Override
          public CompletionStage<BackendWrite> apply(OrderCommand command) {
            return real.apply(command)
                .toCompletableFuture()
                .orTimeout(300, TimeUnit.MILLISECONDS)
                .exceptionallyCompose(
                    e -> {
                      LocalBackend mirror = local.get();
                      if (mirror == null) {
                        return CompletableFuture.failedFuture(e);
                      }
                      try {
                        OrderRecord current = mirror.read(command.orderId()).orElse(null);
                        OrderCommands.Applied a =
                            OrderCommands.apply(current, command, context.clock(), context.node());
                        // the revision the mirror has reached passes for etcd's: the
                        // acknowledgement looks real
                        return CompletableFuture.completedFuture(
                            new BackendWrite(
                                a.record(), a.duplicate(), Math.max(1, mirror.mirrorRevision())));
                      } catch (OrderStoreException rejected) {
                        return CompletableFuture.failedFuture(e);
                      }
                    });
          }
        };
  }
}
