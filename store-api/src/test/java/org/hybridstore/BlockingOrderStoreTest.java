package org.hybridstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** The blocking view's only logic: waiting, and translating what comes back. */
class BlockingOrderStoreTest {

  /** A store whose every call returns the stage the test gives it (a pure test double). */
  private static final class StubStore implements OrderStore {
    final CompletableFuture<WriteResult> write;
    final CompletableFuture<Optional<Versioned<Order>>> read;

    StubStore(
        CompletableFuture<WriteResult> write, CompletableFuture<Optional<Versioned<Order>>> read) {
      this.write = write;
      this.read = read;
    }

    @Override
    public CompletionStage<WriteResult> apply(OrderCommand command, WriteOptions options) {
      return write;
    }

    @Override
    public CompletionStage<Optional<Versioned<Order>>> get(
        OrderId id, ReadConsistency consistency) {
      return read;
    }

    @Override
    public CompletionStage<Confirmation> confirmation(OpId opId) {
      return new CompletableFuture<>();
    }

    @Override
    public java.util.concurrent.Flow.Publisher<OrderChange> changes(
        long fromRevision, ChangeFeedOptions options) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ConsistencyMode mode() {
      return ConsistencyMode.STRONG;
    }

    @Override
    public void close() {}
  }

  private static final OrderCommand CMD = new OrderCommand.Refund(OrderId.of("o"), OpId.of("op"));

  @Test
  void write_thatOutlivesTheTimeout_isIndeterminate() {
    SyncOrderStore sync =
        new StubStore(new CompletableFuture<>(), new CompletableFuture<>())
            .sync(Duration.ofMillis(20));
    assertThatThrownBy(() -> sync.apply(CMD)).isInstanceOf(IndeterminateWriteException.class);
  }

  @Test
  void read_thatOutlivesTheTimeout_isUnavailable() {
    SyncOrderStore sync =
        new StubStore(new CompletableFuture<>(), new CompletableFuture<>())
            .sync(Duration.ofMillis(20));
    assertThatThrownBy(() -> sync.get(OrderId.of("o"), ReadConsistency.LOCAL))
        .isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void confirmation_thatOutlivesTheTimeout_isUnavailable() {
    SyncOrderStore sync =
        new StubStore(new CompletableFuture<>(), new CompletableFuture<>())
            .sync(Duration.ofMillis(20));
    assertThatThrownBy(() -> sync.confirmation(OpId.of("op")))
        .isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void failure_isRethrownAsItsOwnType() {
    CompletableFuture<WriteResult> failed =
        CompletableFuture.failedFuture(
            new ConsistencyUnavailableException(ConsistencyMode.DEGRADED, "refund needs STRONG"));
    SyncOrderStore sync = new StubStore(failed, new CompletableFuture<>()).sync();
    assertThatThrownBy(() -> sync.apply(CMD))
        .isInstanceOfSatisfying(
            ConsistencyUnavailableException.class,
            e -> assertThat(e.mode()).isEqualTo(ConsistencyMode.DEGRADED));
  }

  @Test
  void interrupt_isRestored() {
    SyncOrderStore sync =
        new StubStore(new CompletableFuture<>(), new CompletableFuture<>()).sync();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> sync.apply(CMD)).isInstanceOf(IndeterminateWriteException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void success_isReturned() {
    Optional<Versioned<Order>> none = Optional.empty();
    SyncOrderStore sync =
        new StubStore(new CompletableFuture<>(), CompletableFuture.completedFuture(none)).sync();
    assertThat(sync.get(OrderId.of("o"), ReadConsistency.LOCAL)).isEmpty();
    assertThat(sync.async()).isNotNull();
  }
}
