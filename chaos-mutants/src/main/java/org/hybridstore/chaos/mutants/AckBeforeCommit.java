package org.hybridstore.chaos.mutants;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderStoreException;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.LocalBackendFactory;
import org.jspecify.annotations.Nullable;

/**
 * A provisional write is acknowledged before its journal commit: the journal writes it 1.5 s later,
 * so a node killed meanwhile loses the last group commits it acknowledged (the journal bug of issue
 * 11, as a decorator).
 */
public final class AckBeforeCommit extends AbstractMutant {
  static final long DELAY_MILLIS = 1_500;

  /** Creates the mutant. */
  public AckBeforeCommit() {
    super(
        "ack-before-commit",
        "provisional writes are acknowledged 1.5 s before the journal commits them",
        List.of("no-lost", "confirmations"),
        List.of("kill-node-isolated"));
  }

  @Override
  public LocalBackendFactory local(LocalBackendFactory real) {
    return context ->
        new DelegatingLocalBackend(real.create(context)) {
          @Override
          public CompletionStage<BackendWrite> apply(OrderCommand command) {
            return early(this, context, command, null);
          }

          @Override
          public CompletionStage<BackendWrite> apply(OrderCommand command, Stamp stamp) {
            return early(this, context, command, stamp);
          }
        };
  }

  private static CompletionStage<BackendWrite> early(
      DelegatingLocalBackend b,
      BackendContext context,
      OrderCommand command,
      @Nullable Stamp stamp) {
    OrderCommands.Applied applied;
    try {
      OrderRecord current = b.read(command.orderId()).orElse(null);
      applied =
          stamp == null
              ? OrderCommands.apply(current, command, context.clock(), context.node())
              : OrderCommands.apply(current, command, stamp);
    } catch (OrderStoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    context
        .scheduler()
        .schedule(
            () -> stamp == null ? b.real.apply(command) : b.real.apply(command, stamp),
            DELAY_MILLIS,
            TimeUnit.MILLISECONDS);
    return CompletableFuture.completedFuture(
        new BackendWrite(applied.record(), applied.duplicate(), 0));
  }
}
