package org.hybridstore.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.CommandRejectedException.Reason;
import org.hybridstore.OpId;
import org.hybridstore.Order;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLine;
import org.hybridstore.OrderStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every order store shares, whatever keeps the orders: the etcd backend, the local
 * journal and the hybrid store each run these tests through a subclass (the journal's as a unit
 * test, the others against real etcd). A store is seen through the two calls all of them have.
 */
public abstract class OrderStoreContract {
  /**
   * What a write returned.
   *
   * @param order the order after the command
   * @param duplicate whether the command's op id had been applied before (nothing was written)
   */
  public record Written(Order order, boolean duplicate) {}

  /** The store under test. */
  public interface Subject extends AutoCloseable {
    /** Applies a command. */
    CompletionStage<Written> apply(OrderCommand command);

    /** Reads an order with the store's strongest read. */
    Optional<Order> read(OrderId id) throws Exception;

    @Override
    void close();
  }

  /**
   * Opens a fresh, empty store (its orders must not leak between tests: use fresh ids or a fresh
   * store).
   */
  protected abstract Subject open() throws Exception;

  private Subject store;
  private final String prefix = "c" + Long.toString(System.nanoTime() % 1_000_000_000L, 36) + "-";

  @BeforeEach
  void openStore() throws Exception {
    store = open();
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  private OrderId id(String name) {
    return OrderId.of(prefix + name);
  }

  private Written write(OrderCommand c) {
    return store.apply(c).toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
  }

  private OrderCommand.Create create(String name, String op) {
    return new OrderCommand.Create(
        id(name),
        OpId.of(prefix + op),
        "alice",
        "EUR",
        List.of(new OrderLine("sku-1", 1, 250)),
        new java.util.TreeMap<>());
  }

  private static CommandRejectedException rejection(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    assertThat(c).isInstanceOf(CommandRejectedException.class);
    return (CommandRejectedException) c;
  }

  @Test
  void create_thenRead_returnsTheOrder() throws Exception {
    Written w = write(create("a", "op-a"));
    assertThat(w.duplicate()).isFalse();
    assertThat(w.order().status()).isEqualTo(OrderStatus.CREATED);
    Optional<Order> read = store.read(id("a"));
    assertThat(read)
        .hasValueSatisfying(
            o -> {
              assertThat(o.customer()).isEqualTo("alice");
              assertThat(o.lines()).containsExactly(new OrderLine("sku-1", 1, 250));
            });
    assertThat(store.read(id("absent"))).isEmpty();
  }

  @Test
  void sameOpIdTwice_isADuplicateAndChangesNothing() throws Exception {
    write(create("a", "op-a"));
    OrderCommand pay =
        new OrderCommand.Transition(id("a"), OpId.of(prefix + "pay"), OrderStatus.PAID);
    Written first = write(pay);
    Written again = write(pay);
    assertThat(again.duplicate()).isTrue();
    assertThat(again.order()).isEqualTo(first.order());
    assertThat(store.read(id("a")).orElseThrow().version()).isEqualTo(first.order().version());
  }

  @Test
  void sameOpIdForAnotherCommand_isRejected() {
    write(create("a", "op-a"));
    write(new OrderCommand.SetAttribute(id("a"), OpId.of(prefix + "k"), "k", "v1"));
    assertThatThrownBy(
            () -> write(new OrderCommand.SetAttribute(id("a"), OpId.of(prefix + "k"), "k", "v2")))
        .satisfies(t -> assertThat(rejection(t).reason()).isEqualTo(Reason.OP_ID_REUSED));
  }

  @Test
  void createOverAnotherOrder_andCommandsOnMissingOrders_areRejected() {
    write(create("a", "op-a"));
    assertThatThrownBy(() -> write(create("a", "op-other")))
        .satisfies(t -> assertThat(rejection(t).reason()).isEqualTo(Reason.ALREADY_EXISTS));
    assertThatThrownBy(
            () ->
                write(
                    new OrderCommand.Transition(
                        id("nope"), OpId.of(prefix + "x"), OrderStatus.PAID)))
        .satisfies(t -> assertThat(rejection(t).reason()).isEqualTo(Reason.NOT_FOUND));
  }

  @Test
  void illegalTransition_isRejectedAndChangesNothing() throws Exception {
    write(create("a", "op-a"));
    assertThatThrownBy(
            () ->
                write(
                    new OrderCommand.Transition(
                        id("a"), OpId.of(prefix + "ship"), OrderStatus.SHIPPED)))
        .satisfies(t -> assertThat(rejection(t).reason()).isEqualTo(Reason.ILLEGAL_TRANSITION));
    assertThat(store.read(id("a")).orElseThrow().status()).isEqualTo(OrderStatus.CREATED);
  }

  @Test
  void adjustQuantity_addsUp_andARetryCountsOnce() throws Exception {
    write(create("a", "op-a"));
    OrderCommand plusTwo =
        new OrderCommand.AdjustQuantity(id("a"), OpId.of(prefix + "plus"), "sku-1", 2);
    write(plusTwo);
    assertThat(write(plusTwo).duplicate()).isTrue();
    write(new OrderCommand.AdjustQuantity(id("a"), OpId.of(prefix + "plus-again"), "sku-1", 1));
    assertThat(store.read(id("a")).orElseThrow().lines())
        .containsExactly(new OrderLine("sku-1", 4, 250));
  }

  @Test
  void lines_areLockedOncePaid() {
    write(create("a", "op-a"));
    write(new OrderCommand.Transition(id("a"), OpId.of(prefix + "pay"), OrderStatus.PAID));
    assertThatThrownBy(
            () ->
                write(
                    new OrderCommand.AddLine(
                        id("a"), OpId.of(prefix + "line"), new OrderLine("s", 1, 1))))
        .satisfies(t -> assertThat(rejection(t).reason()).isEqualTo(Reason.ORDER_LOCKED));
  }

  @Test
  void concurrentWritesToOneOrder_loseNothing() throws Exception {
    write(create("a", "op-a"));
    List<CompletableFuture<Written>> writes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      writes.add(
          store
              .apply(
                  new OrderCommand.SetAttribute(
                      id("a"), OpId.of(prefix + "attr-" + i), "k" + i, "v" + i))
              .toCompletableFuture());
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    Order o = store.read(id("a")).orElseThrow();
    for (int i = 0; i < 20; i++) {
      assertThat(o.attributes()).containsEntry("k" + i, "v" + i);
    }
  }
}
