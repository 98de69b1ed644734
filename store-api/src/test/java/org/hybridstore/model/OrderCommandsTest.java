package org.hybridstore.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.CommandRejectedException.Reason;
import org.hybridstore.IllegalTransitionException;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.Order;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLimits;
import org.hybridstore.OrderLine;
import org.hybridstore.OrderStatus;
import org.junit.jupiter.api.Test;

class OrderCommandsTest {

  @Test
  void apply_toARecordStampedBeyondTheMaxOffset_replacesItsValues_butTheClockStays() {
    // Given an order whose record was stamped an hour ahead (a writer whose clock ran ahead, or a
    // record put into etcd by someone else)
    HybridLogicalClockTest.ManualTime time = new HybridLogicalClockTest.ManualTime(10_000);
    HybridLogicalClock clock = new HybridLogicalClock(time, java.time.Duration.ofMillis(500));
    HybridLogicalClock ahead =
        new HybridLogicalClock(
            new HybridLogicalClockTest.ManualTime(10_000 + 3_600_000),
            java.time.Duration.ofMillis(500));
    OrderId id = OrderId.of("o-future");
    OrderRecord future =
        OrderCommands.apply(
                null,
                OrderCommand.Create.of(id, OpId.of("op-1"), "c-1", "EUR"),
                ahead,
                NodeId.of("n9"))
            .record();
    future =
        OrderCommands.apply(
                future,
                new OrderCommand.SetAttribute(id, OpId.of("op-2"), "k", "old"),
                ahead,
                NodeId.of("n9"))
            .record();
    // When this node changes the attribute
    OrderRecord after =
        OrderCommands.apply(
                future,
                new OrderCommand.SetAttribute(id, OpId.of("op-3"), "k", "new"),
                clock,
                NodeId.of("n1"))
            .record();
    // Then the write wins over the value it replaces, also in a merge with the old record...
    assertThat(after.attributes().get("k").value()).isEqualTo("new");
    assertThat(after.attributes().get("k").stamp().time()).isGreaterThan(future.latestTime());
    assertThat(future.merge(after).attributes().get("k").value()).isEqualTo("new");
    // ...but this node's clock did not follow the stamp, and the refusal is counted
    assertThat(clock.last().wallMillis()).isLessThanOrEqualTo(10_500);
    assertThat(clock.now().wallMillis()).isLessThanOrEqualTo(10_500);
    assertThat(clock.refusedStamps()).isEqualTo(1);
  }

  private static final OrderId ID = OrderId.of("o-1");
  private long tick = 1;

  private Stamp stamp(String node) {
    return new Stamp(new HybridTimestamp(1_000 + tick++, 0), NodeId.of(node));
  }

  private OrderRecord created() {
    return OrderCommands.apply(
            null,
            new OrderCommand.Create(
                ID,
                OpId.of("create"),
                "alice",
                "EUR",
                List.of(new OrderLine("sku-1", 2, 250)),
                new TreeMap<>(Map.of("note", "gift"))),
            stamp("n1"))
        .record();
  }

  private OrderRecord apply(OrderRecord r, OrderCommand c, String node) {
    return OrderCommands.apply(r, c, stamp(node)).record();
  }

  @Test
  void create_buildsTheOrder() {
    Order order = created().toOrder();
    assertThat(order.status()).isEqualTo(OrderStatus.CREATED);
    assertThat(order.customer()).isEqualTo("alice");
    assertThat(order.lines()).containsExactly(new OrderLine("sku-1", 2, 250));
    assertThat(order.totalMinor()).isEqualTo(500);
    assertThat(order.attributes()).containsEntry("note", "gift");
    assertThat(order.version()).isEqualTo(1);
  }

  @Test
  void apply_sameOpIdTwice_changesNothing() {
    OrderRecord r = created();
    OrderCommand pay = new OrderCommand.Transition(ID, OpId.of("pay"), OrderStatus.PAID);
    OrderRecord paid = apply(r, pay, "n1");
    OrderCommands.Applied again = OrderCommands.apply(paid, pay, stamp("n2"));
    assertThat(again.duplicate()).isTrue();
    assertThat(again.record()).isEqualTo(paid);
  }

  @Test
  void apply_sameOpIdDifferentPayload_isRejected() {
    OrderRecord paid =
        apply(created(), new OrderCommand.Transition(ID, OpId.of("x"), OrderStatus.PAID), "n1");
    assertThatThrownBy(
            () ->
                OrderCommands.apply(
                    paid, new OrderCommand.SetAttribute(ID, OpId.of("x"), "k", "v"), stamp("n1")))
        .isInstanceOfSatisfying(
            CommandRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.OP_ID_REUSED));
  }

  @Test
  void create_onExistingOrder_isRejected_butItsOwnRetryIsADuplicate() {
    OrderRecord r = created();
    assertThatThrownBy(
            () ->
                OrderCommands.apply(
                    r, OrderCommand.Create.of(ID, OpId.of("other"), "bob", "EUR"), stamp("n1")))
        .isInstanceOfSatisfying(
            CommandRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.ALREADY_EXISTS));
    OrderCommand.Create retry =
        new OrderCommand.Create(
            ID,
            OpId.of("create"),
            "alice",
            "EUR",
            List.of(new OrderLine("sku-1", 2, 250)),
            new TreeMap<>(Map.of("note", "gift")));
    assertThat(OrderCommands.apply(r, retry, stamp("n1")).duplicate()).isTrue();
  }

  @Test
  void update_ofMissingOrder_isNotFound() {
    assertThatThrownBy(
            () -> OrderCommands.apply(null, new OrderCommand.Refund(ID, OpId.of("r")), stamp("n1")))
        .isInstanceOfSatisfying(
            CommandRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
  }

  @Test
  void transition_illegal_carriesFromAndTo() {
    assertThatThrownBy(
            () ->
                apply(
                    created(),
                    new OrderCommand.Transition(ID, OpId.of("s"), OrderStatus.SHIPPED),
                    "n1"))
        .isInstanceOfSatisfying(
            IllegalTransitionException.class,
            e -> {
              assertThat(e.from()).isEqualTo(OrderStatus.CREATED);
              assertThat(e.to()).isEqualTo(OrderStatus.SHIPPED);
              assertThat(e.reason()).isEqualTo(Reason.ILLEGAL_TRANSITION);
            });
  }

  @Test
  void lines_changeOnlyWhileCreated() {
    OrderRecord paid =
        apply(created(), new OrderCommand.Transition(ID, OpId.of("pay"), OrderStatus.PAID), "n1");
    assertThatThrownBy(
            () ->
                apply(
                    paid,
                    new OrderCommand.AddLine(ID, OpId.of("l"), new OrderLine("s", 1, 1)),
                    "n1"))
        .isInstanceOfSatisfying(
            CommandRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.ORDER_LOCKED));
  }

  @Test
  void adjustQuantity_addsToTheLine_andTheSameOpIdAgainCountsOnce() {
    OrderCommand bump = new OrderCommand.AdjustQuantity(ID, OpId.of("bump"), "sku-1", 3);
    OrderRecord once = apply(created(), bump, "n1");
    assertThat(once.toOrder().lines()).containsExactly(new OrderLine("sku-1", 5, 250));
    OrderCommands.Applied again = OrderCommands.apply(once, bump, stamp("n2"));
    assertThat(again.duplicate()).isTrue();
    assertThat(again.record().toOrder().lines()).containsExactly(new OrderLine("sku-1", 5, 250));
    OrderRecord down =
        apply(once, new OrderCommand.AdjustQuantity(ID, OpId.of("down"), "sku-1", -4), "n1");
    assertThat(down.toOrder().lines()).containsExactly(new OrderLine("sku-1", 1, 250));
  }

  @Test
  void adjustQuantity_missingLineOrOutOfRange_isRejectedAndChangesNothing() {
    assertThatThrownBy(
            () ->
                apply(
                    created(), new OrderCommand.AdjustQuantity(ID, OpId.of("x"), "nope", 1), "n1"))
        .isInstanceOfSatisfying(
            CommandRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
    assertThatThrownBy(
            () ->
                apply(
                    created(),
                    new OrderCommand.AdjustQuantity(ID, OpId.of("y"), "sku-1", -2),
                    "n1"))
        .isInstanceOfSatisfying(
            CommandRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.LIMIT_EXCEEDED));
    assertThatThrownBy(() -> new OrderCommand.AdjustQuantity(ID, OpId.of("z"), "sku-1", 0))
        .isInstanceOf(org.hybridstore.InvalidInputException.class);
    OrderRecord paid =
        apply(created(), new OrderCommand.Transition(ID, OpId.of("pay"), OrderStatus.PAID), "n1");
    assertThatThrownBy(
            () -> apply(paid, new OrderCommand.AdjustQuantity(ID, OpId.of("w"), "sku-1", 1), "n1"))
        .isInstanceOfSatisfying(
            CommandRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.ORDER_LOCKED));
  }

  @Test
  void removeLine_leavesATombstone_andRemovingAgainIsNotFound() {
    OrderRecord r = apply(created(), new OrderCommand.RemoveLine(ID, OpId.of("rm"), "sku-1"), "n1");
    assertThat(r.toOrder().lines()).isEmpty();
    assertThat(r.lines()).containsKey("sku-1");
    assertThatThrownBy(
            () -> apply(r, new OrderCommand.RemoveLine(ID, OpId.of("rm2"), "sku-1"), "n1"))
        .isInstanceOfSatisfying(
            CommandRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
  }

  @Test
  void addLine_beyondTheLimit_isRejectedAndChangesNothing() {
    OrderRecord r = created();
    for (int i = 1; i < OrderLimits.MAX_LINES; i++) {
      r =
          apply(
              r,
              new OrderCommand.AddLine(ID, OpId.of("add-" + i), new OrderLine("s-" + i, 1, 1)),
              "n1");
    }
    OrderRecord full = r;
    assertThatThrownBy(
            () ->
                apply(
                    full,
                    new OrderCommand.AddLine(ID, OpId.of("one-more"), new OrderLine("x", 1, 1)),
                    "n1"))
        .isInstanceOfSatisfying(
            CommandRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.LIMIT_EXCEEDED));
  }

  @Test
  void concurrentShipAndCancel_mergeToCancelled_withARecordedConflict() {
    // Given both replicas reached FULFILLING together
    OrderRecord base =
        apply(
            apply(
                created(), new OrderCommand.Transition(ID, OpId.of("pay"), OrderStatus.PAID), "n1"),
            new OrderCommand.Transition(ID, OpId.of("ful"), OrderStatus.FULFILLING),
            "n1");
    // When one ships while the other cancels
    OrderRecord shipped =
        apply(base, new OrderCommand.Transition(ID, OpId.of("ship"), OrderStatus.SHIPPED), "n1");
    OrderRecord cancelled =
        apply(base, new OrderCommand.Cancel(ID, OpId.of("cancel"), "customer asked"), "n2");
    // Then either merge order gives CANCELLED, with both branches recorded as a conflict
    Order merged = shipped.merge(cancelled).toOrder();
    assertThat(merged).isEqualTo(cancelled.merge(shipped).toOrder());
    assertThat(merged.status()).isEqualTo(OrderStatus.CANCELLED);
    assertThat(merged.conflictingStatuses())
        .isEqualTo(Set.of(OrderStatus.SHIPPED, OrderStatus.CANCELLED));
    assertThat(merged.attributes())
        .containsEntry(OrderCommand.Cancel.REASON_ATTRIBUTE, "customer asked");
    assertThat(shipped.merge(cancelled).versions().compare(shipped.versions()))
        .isEqualTo(VersionVector.Order.AFTER);
    assertThat(shipped.versions().compare(cancelled.versions()))
        .isEqualTo(VersionVector.Order.CONCURRENT);
  }

  @Test
  void concurrentAttributeWrites_lastWriterWinsByStamp_notByArrival() {
    OrderRecord base = created();
    OrderRecord early =
        OrderCommands.apply(
                base,
                new OrderCommand.SetAttribute(ID, OpId.of("a"), "note", "early"),
                new Stamp(new HybridTimestamp(5_000, 0), NodeId.of("n9")))
            .record();
    OrderRecord late =
        OrderCommands.apply(
                base,
                new OrderCommand.SetAttribute(ID, OpId.of("b"), "note", "late"),
                new Stamp(new HybridTimestamp(5_000, 1), NodeId.of("n1")))
            .record();
    assertThat(early.merge(late).toOrder().attributes()).containsEntry("note", "late");
    assertThat(late.merge(early).toOrder().attributes()).containsEntry("note", "late");
  }

  @Test
  void applyWithClock_stampsLaterThanTheRecord() {
    OrderRecord r =
        OrderCommands.apply(
                null,
                OrderCommand.Create.of(ID, OpId.of("c"), "a", "EUR"),
                new Stamp(new HybridTimestamp(9_999_999_999_999L, 0), NodeId.of("n1")))
            .record();
    HybridLogicalClock clock =
        new HybridLogicalClock(
            java.time.InstantSource.fixed(java.time.Instant.ofEpochMilli(10)),
            java.time.Duration.ZERO);
    OrderRecord next =
        OrderCommands.apply(
                r,
                new OrderCommand.SetAttribute(ID, OpId.of("s"), "k", "v"),
                clock,
                NodeId.of("n2"))
            .record();
    assertThat(next.attributes().get("k").stamp().time()).isGreaterThan(r.latestTime());
  }
}
