package org.hybridstore.chaos.mutants;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.model.Stamp;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.LocalBackendFactory;
import org.hybridstore.spi.StrongBackendFactory;

/**
 * Idempotency is lost: every command reaches the backends under a fresh op id, so a retried or
 * resubmitted command is applied again.
 */
public final class ReapplyRetries extends AbstractMutant {
  /** Creates the mutant. */
  public ReapplyRetries() {
    super(
        "reapply-retries",
        "commands lose their op id on the way in, so a retry is applied twice",
        List.of("no-duplicates"),
        List.of("kill-node"));
  }

  @Override
  public StrongBackendFactory strong(StrongBackendFactory real) {
    return context ->
        new DelegatingStrongBackend(real.create(context)) {
          @Override
          public CompletionStage<BackendWrite> apply(OrderCommand command) {
            return real.apply(withFreshOpId(command));
          }
        };
  }

  @Override
  public LocalBackendFactory local(LocalBackendFactory real) {
    return context ->
        new DelegatingLocalBackend(real.create(context)) {
          @Override
          public CompletionStage<BackendWrite> apply(OrderCommand command) {
            return real.apply(withFreshOpId(command));
          }

          @Override
          public CompletionStage<BackendWrite> apply(OrderCommand command, Stamp stamp) {
            return real.apply(withFreshOpId(command), stamp);
          }
        };
  }

  static OrderCommand withFreshOpId(OrderCommand c) {
    OpId op = OpId.random();
    if (c instanceof OrderCommand.Create x) {
      return new OrderCommand.Create(
          x.orderId(), op, x.customer(), x.currency(), x.lines(), x.attributes());
    } else if (c instanceof OrderCommand.Transition x) {
      return new OrderCommand.Transition(x.orderId(), op, x.to());
    } else if (c instanceof OrderCommand.Cancel x) {
      return new OrderCommand.Cancel(x.orderId(), op, x.reason());
    } else if (c instanceof OrderCommand.Refund x) {
      return new OrderCommand.Refund(x.orderId(), op);
    } else if (c instanceof OrderCommand.SetAttribute x) {
      return new OrderCommand.SetAttribute(x.orderId(), op, x.key(), x.value());
    } else if (c instanceof OrderCommand.RemoveAttribute x) {
      return new OrderCommand.RemoveAttribute(x.orderId(), op, x.key());
    } else if (c instanceof OrderCommand.AddLine x) {
      return new OrderCommand.AddLine(x.orderId(), op, x.line());
    } else if (c instanceof OrderCommand.AdjustQuantity x) {
      return new OrderCommand.AdjustQuantity(x.orderId(), op, x.sku(), x.delta());
    } else if (c instanceof OrderCommand.RemoveLine x) {
      return new OrderCommand.RemoveLine(x.orderId(), op, x.sku());
    }
    throw new AssertionError("unknown command " + c.getClass());
  }
}
